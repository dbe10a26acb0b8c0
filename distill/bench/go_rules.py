"""Validate distill's Go rules against GNU Go (GTP) and PettingZoo go_v5, move by move.

    distill bench go-rules --games-9 2000 --games-19 200 [--games-5 500]

Random legal games are played into both references; after every move the legal
points of the player to move and the stones on the board are compared (see
`distill.gtp.validate_rules` for what is compared and which rule differences are
counted apart). Each (reference, size) job runs in its own process (go_v5 keeps
its board size in module globals), two at a time. Prints one summary line per
job and exits 1 on any disagreement (or if GNU Go is missing).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time

from distill.gtp.client import GNUGO
from distill.gtp.validate_rules import Report, validate_gnugo, validate_pettingzoo

JOBS = {"gnugo": validate_gnugo, "go_v5": validate_pettingzoo}


def _run(job: tuple[str, int, int, int]) -> tuple[Report, float]:
    reference, size, games, seed = job
    start = time.perf_counter()
    report = JOBS[reference](size, games, seed)
    return report, time.perf_counter() - start


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="distill bench go-rules", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--games-9", type=int, default=2000)
    parser.add_argument("--games-19", type=int, default=200)
    parser.add_argument("--games-5", type=int, default=500, help="small boards reach superko")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    if not os.path.exists(GNUGO):
        print(f"GNU Go not found at {GNUGO}: apt-get install gnugo", file=sys.stderr)
        return 1
    jobs = [
        (reference, size, games, args.seed + size)
        for size, games in ((19, args.games_19), (9, args.games_9), (5, args.games_5))
        for reference in JOBS
        if games > 0
    ]
    context = multiprocessing.get_context("spawn")
    failed = 0
    with context.Pool(args.workers, maxtasksperchild=1) as pool:
        for report, seconds in pool.imap_unordered(_run, jobs):
            print(f"{report.summary()} ({seconds:.0f} s)", flush=True)
            for detail in report.details:
                print(f"    {detail}")
            failed += report.disagreements
    print("OK: no disagreements" if failed == 0 else f"FAILED: {failed} disagreements")
    return 1 if failed else 0
