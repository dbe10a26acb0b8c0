"""`distill bench solver`: how long the exact Connect Four solver takes per position.

Solves seeded random positions (default: 100 with 12..20 stones) one by one with
a fresh transposition table, and prints the median, 95th percentile and maximum
wall time, plus the node rate. ``--opening`` also checks the opening facts
(Allis 1988; Tromp): after a first stone in the centre column the first player
wins, in columns 3 or 5 the game is drawn, in 1, 2, 6 or 7 the second player
wins. Only win/draw/loss is computed (weak solving, `Solver.outcome`), for the
first moves 4, 3, 2 and 1: 5, 6 and 7 are their mirror images, so they score
the same. Each position is solved in a child process stopped after
``--time-limit`` seconds.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from collections.abc import Sequence

import numpy as np

from distill.commands._args import non_negative_int, positive_float

#: sign of each first move's score for the first player (columns 1..7), Allis 1988
OPENING_SIGNS = (-1, -1, 0, 1, 0, -1, -1)
#: a late position (Pons' Test_L3_R1) solved first, so compiling is not timed
_WARM_UP = "2252576253462244111563365343671351441"
#: first moves checked, hardest-to-doubt first; the others are mirror images
OPENING_COLUMNS = (4, 3, 2, 1)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="distill bench solver", description=__doc__)
    parser.add_argument("--positions", type=int, default=100, help="positions to solve")
    parser.add_argument("--min-stones", type=int, default=12, help="fewest stones per position")
    parser.add_argument("--max-stones", type=int, default=20, help="most stones per position")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="positions seed")
    parser.add_argument("--table-size", type=int, default=None, help="transposition table slots")
    parser.add_argument("--verbose", action="store_true", help="print every position")
    parser.add_argument(
        "--opening", action="store_true", help="also check who wins after each first move"
    )
    parser.add_argument(
        "--time-limit", type=positive_float, default=600.0, help="seconds per opening position"
    )
    return parser


def _make_solver(table_size: int | None):  # type: ignore[no-untyped-def]
    from distill.domains.connect4.solver import Solver

    return Solver() if table_size is None else Solver(table_size)


def time_positions(
    positions: Sequence[str], table_size: int | None = None, verbose: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(seconds float64[N], nodes int64[N]) to solve each position with a cleared table."""
    solver = _make_solver(table_size)
    solver.solve(_WARM_UP)  # compile (or load numba's cache) outside the timing
    seconds = np.zeros(len(positions))
    nodes = np.zeros(len(positions), dtype=np.int64)
    for i, position in enumerate(positions):
        solver.clear()
        start = time.perf_counter()
        score = solver.solve(position)
        seconds[i] = time.perf_counter() - start
        nodes[i] = solver.nodes
        if verbose:
            print(f"{position:<24} score {score:+3d}  {nodes[i]:>10,d} nodes  {seconds[i]:.4f} s")
    return seconds, nodes


def _solve_opening(column: int, table_size: int | None, queue: multiprocessing.Queue) -> None:
    solver = _make_solver(table_size)
    solver.solve(_WARM_UP)  # compile (or load numba's cache) outside the timing
    solver.clear()
    start = time.perf_counter()
    outcome = -solver.outcome(str(column))  # the first player's view of its first move
    queue.put((outcome, time.perf_counter() - start, solver.nodes))


def check_opening(time_limit: float, table_size: int | None = None) -> bool:
    """Weakly solve the 1-stone positions (each in a child process); print and check them."""
    ok = True
    context = multiprocessing.get_context("spawn")
    names = {1: "first player wins", 0: "draw", -1: "second player wins"}
    for column in OPENING_COLUMNS:
        queue: multiprocessing.Queue = context.Queue()
        worker = context.Process(target=_solve_opening, args=(column, table_size, queue))
        worker.start()
        worker.join(time_limit)
        if worker.is_alive():
            worker.terminate()
            worker.join()
            print(f"first move {column}: not solved within {time_limit:.0f} s")
            ok = False
            continue
        if worker.exitcode != 0:
            print(f"first move {column}: the solver process failed (exit code {worker.exitcode})")
            ok = False
            continue
        outcome, seconds, nodes = queue.get(timeout=60)
        mirror = f" (and {8 - column})" if column != 4 else ""
        expected = OPENING_SIGNS[column - 1]
        verdict = "ok" if outcome == expected else f"WRONG, expected {names[expected]}"
        print(
            f"first move {column}{mirror}: {names[outcome]}  {nodes:,d} nodes  "
            f"{seconds:.1f} s  {verdict}",
            flush=True,
        )
        ok = ok and verdict == "ok"
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; returns 0, or 1 if the opening check ran and failed."""
    from distill.domains.connect4.positions import random_positions

    args = _parser().parse_args(argv)
    positions = random_positions(args.seed, args.positions, args.min_stones, args.max_stones)
    seconds, nodes = time_positions(positions, args.table_size, args.verbose)
    median, p95 = np.percentile(seconds, [50, 95])
    rate = nodes.sum() / max(seconds.sum(), 1e-9)
    print(
        f"connect4 solver, {len(positions)} random positions with "
        f"{args.min_stones}..{args.max_stones} stones (seed {args.seed}): "
        f"median {median * 1e3:.2f} ms  p95 {p95 * 1e3:.1f} ms  max {seconds.max() * 1e3:.1f} ms  "
        f"mean nodes {nodes.mean():,.0f}  {rate / 1e6:.2f} M nodes/s"
    )
    if args.opening:
        return 0 if check_opening(args.time_limit, args.table_size) else 1
    return 0
