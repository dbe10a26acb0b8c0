"""`distill paired FIRST SECOND [--json]`: two matches (or two ladders) of different
agents on the same openings and colours, compared game by game with the sign test
(`distill.arena.paired`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "first", type=Path, help="a match folder (results.json) or a ladder output folder"
    )
    parser.add_argument("second", type=Path, help="the same, for the other agent")
    parser.add_argument("--json", action="store_true", help="one JSON line per opponent")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from distill.arena.paired import pair_folders

    results = pair_folders(args.first, args.second)
    if args.json:
        for result in results:
            print(json.dumps(result.to_json()))
        return 0
    table = Table(title=f"player A of {args.first} (first) against {args.second} (second)")
    for column in ("opponent", "paired games", "first", "second", "first only", "second only"):
        table.add_column(column, justify="left" if column == "opponent" else "right")
    table.add_column("sign test p", justify="right")
    for r in results:
        table.add_row(
            r.opponent or "-", str(r.games), f"{r.score_a:g}", f"{r.score_b:g}",
            str(r.better_a), str(r.better_b), f"{r.p_value:.3g}",
        )  # fmt: skip
    console = Console()
    console.print(table)
    for r in results:
        where = f"{r.opponent}: " if r.opponent else ""
        if r.only_a or r.only_b:
            console.print(
                f"{where}{r.only_a} games only in the first folder and {r.only_b} only in "
                "the second were left out"
            )
        if not r.openings_checked:
            console.print(
                f"{where}the openings were not recorded (results from before distill "
                "recorded them): paired by game number and colour only"
            )
    return 0
