"""`distill domains`: list the known domain ids with their sizes."""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ids", action="store_true", help="print only the ids, one per line")


def run(args: argparse.Namespace) -> int:
    from distill.registry import list_domains, make

    if args.ids:
        print("\n".join(list_domains()))
        return 0
    table = Table(title="distill domains")
    for column in ("id", "tier", "actions", "observation", "max moves"):
        table.add_column(column)
    for domain_id in list_domains():
        try:
            d = make(domain_id)
        except Exception as exc:  # a broken plugin must not hide the others
            table.add_row(domain_id, f"[red]unavailable: {exc}[/red]", "", "", "")
            continue
        tier = "kernel" if d.kernel_module else "python"
        table.add_row(
            domain_id, tier, str(d.num_actions), "x".join(map(str, d.obs_shape)), str(d.max_moves)
        )
    table.caption = "also: pettingzoo:<env>, e.g. pettingzoo:connect_four_v3"
    Console().print(table)
    return 0
