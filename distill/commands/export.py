"""`distill export RUN_DIR --out DIR [--checkpoint NAME]`: one checkpoint of a run as a
small run directory of its own (weights only, provenance in export.json), to play with
(``run:DIR``), share, or start a new run from (`distill.flywheel.export`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, help="run directory")
    parser.add_argument("--out", type=Path, required=True, help="directory to create")
    parser.add_argument(
        "--checkpoint",
        metavar="NAME",
        help="checkpoint to export, e.g. gen-00045 (default: the run's latest)",
    )


def run(args: argparse.Namespace) -> int:
    from distill.flywheel.export import export_net

    provenance = export_net(args.run_dir, args.out, args.checkpoint)
    size = sum(p.stat().st_size for p in (args.out / "checkpoints").iterdir())
    print(
        f"{args.out}: {provenance['source_checkpoint']} of {args.run_dir} "
        f"(generation {provenance['source_generation']}), {size / 1e6:.2f} MB of weights"
    )
    go = provenance["domain"] == "go"
    play = f"distill gtp --player run:{args.out}" if go else f"distill play {args.out}"
    print(f"play it:  {play}")
    print(f"train on: distill train --resume {args.out}")
    return 0
