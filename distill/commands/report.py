"""`distill report RUN_DIR`: write PNG plots of a run (Elo, error rates, losses, throughput)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, help="run directory")


def run(args: argparse.Namespace) -> int:
    from distill.report import write_report

    for path in write_report(args.run_dir):
        print(path)
    return 0
