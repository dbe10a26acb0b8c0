"""`distill teacher gnugo`: SGF games of GNU Go playing itself, to warm-start a Go net.

    distill teacher gnugo --games 2000 --size 9 --level 5 --out data/gnugo9

Openings vary through seeded random first moves on the 3rd-5th lines (GNU Go itself
is deterministic); games are played in parallel processes and adjudicated by
distill's Tromp-Taylor rules; rerunning the command completes a directory without
replaying finished games. See `distill.warmstart.teacher`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distill.commands._args import non_negative_int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("teacher", choices=("gnugo",), help="the teacher program")
    parser.add_argument("--games", type=int, required=True, help="games in the directory")
    parser.add_argument("--size", type=int, default=9, help="board size (default 9)")
    parser.add_argument("--komi", type=float, default=7.5, help="komi (default 7.5)")
    parser.add_argument("--level", type=int, default=5, help="GNU Go level 0..10 (default 5)")
    parser.add_argument(
        "--opening-plies", type=int, default=2, help="random first moves (default 2)"
    )
    parser.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="openings seed")
    parser.add_argument("--out", type=Path, required=True, help="directory for the SGF files")


def run(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from distill.registry import make
    from distill.warmstart.teacher import run_teacher

    make("go", size=args.size, komi=args.komi)  # bad size or komi: one error, nothing written
    with Progress(transient=False) as progress:
        task = progress.add_task(f"GNU Go level {args.level} games", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        written = run_teacher(
            args.out,
            args.games,
            size=args.size,
            komi=args.komi,
            level=args.level,
            opening_plies=args.opening_plies,
            workers=args.workers,
            seed=args.seed,
            on_game=advance,
        )
    total = len(list(args.out.glob("game-*.sgf")))
    print(f"wrote {written} games; {args.out} holds {total}")
    return 0
