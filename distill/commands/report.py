"""`distill report RUN_DIR`: write PNG plots of a run (Elo, error rates, losses, throughput)
and print its rating pool."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, help="run directory")


def run(args: argparse.Namespace) -> int:
    from distill.report import write_report

    written = write_report(args.run_dir)
    for path in written:
        print(path)
    for path in written:
        if path.name == "pool.md":
            print(f"\nrating pool ({path.parent.parent / 'arena' / 'ratings.csv'}):")
            print(path.read_text(), end="")
    return 0
