"""`distill compare RUN_DIR... --out DIR`: several runs' exact error rates against wall time
on one figure (``compare.json``, ``compare.png``; see `distill.compare`)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dirs", type=Path, nargs="+", help="run directories to compare")
    parser.add_argument("--out", type=Path, required=True, help="folder for compare.json/.png")
    parser.add_argument(
        "--labels", help="comma-separated label per run (default: the directories' names)"
    )


def run(args: argparse.Namespace) -> int:
    from distill.compare import write_comparison

    labels = [x.strip() for x in args.labels.split(",")] if args.labels else None
    for path in write_comparison(args.run_dirs, args.out, labels):
        print(path)
    return 0
