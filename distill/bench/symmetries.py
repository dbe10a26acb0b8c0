"""`distill bench symmetries`: what evaluating under board symmetries costs a timed search.

`distill.search.SymmetricEvaluator` (the ``run:`` option ``symmetries=N``) evaluates
each position under N of the board's symmetries: 1 = one at random (no more network
work), N > 1 = the mean of N images (N times the positions per network call). This
measures the simulations a second of a timed search with each N, side by side with the
net as it is (N = 0): the same positions, the settings taking turns (round-robin, so a
noisy machine slows them alike), and reports the mean rate and its ratio to N = 0.

The network is a recipe's, untrained (``--recipe``, default go9), or a run's latest
checkpoint (``--run DIR``). Positions: after 0, 10, 20, ... uniformly random plies from
the start (seed 0). Prints a table, then one JSON line per N.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from typing import Any

import numpy as np

from distill.commands._args import positive_float, positive_int


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="distill bench symmetries",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--recipe", default="go9", help="a recipe's untrained net (default go9)")
    parser.add_argument("--run", default=None, help="a run's latest checkpoint instead")
    parser.add_argument(
        "--counts",
        type=int,
        nargs="+",
        default=[0, 1, 2, 8],
        help="symmetries a position is evaluated under; 0 = the net as it is (default 0 1 2 8)",
    )
    parser.add_argument("--seconds", type=positive_float, default=0.5, help="per search")
    parser.add_argument("--positions", type=positive_int, default=6, help="positions searched")
    parser.add_argument("--leaves", type=positive_int, default=8, help="leaves per network call")
    parser.add_argument(
        "--algorithm", choices=("puct", "gumbel"), default="puct", help="the search (puct)"
    )
    parser.add_argument("--threads", type=positive_int, default=1, help="torch intra-op threads")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import torch
    from rich.console import Console
    from rich.table import Table

    from distill.bench.search_leaves import _agent, _random_position, _rate, evaluator

    args = parse(argv)
    if len(set(args.counts)) != len(args.counts):
        from distill.errors import ConfigError

        raise ConfigError(f"--counts: each count once, got {args.counts}")
    domain, net, search, title = _agent(args)
    torch.set_num_threads(args.threads)
    players = {n: _player(domain, evaluator(net, "float32"), search, args, n) for n in args.counts}
    positions = [_random_position(domain, 10 * k) for k in range(args.positions)]
    rng = np.random.default_rng(0)
    for player in players.values():
        player.warm_up(positions[0])
    rates: dict[int, list[float]] = {n: [] for n in args.counts}
    for position in positions:
        for n, player in players.items():
            rates[n].append(_rate(player, position, rng, args.seconds))
    base = statistics.fmean(rates[args.counts[0]])
    rows = [{"symmetries": n, "net": title, "algorithm": args.algorithm,
             "seconds": args.seconds, "leaves": args.leaves, "positions": len(positions),
             "visits_per_s": statistics.fmean(rates[n]),
             "ratio": statistics.fmean(rates[n]) / base, "per_position": rates[n]}
            for n in args.counts]  # fmt: skip
    table = Table(
        title=f"timed search with symmetries, {title}, {args.algorithm}, {args.seconds:g} s, "
        f"ratio to {args.counts[0]} symmetries"
    )
    for column in ("symmetries", "positions", "visits/s", "ratio"):
        table.add_column(column, justify="right")
    for row in rows:
        table.add_row(str(row["symmetries"]), str(row["positions"]),
                      f"{row['visits_per_s']:.0f}", f"{row['ratio']:.2f}")  # fmt: skip
    Console(stderr=True).print(table)
    for row in rows:
        print(json.dumps(row))
    return 0


def _player(domain: Any, evaluate: Any, search: Any, args: argparse.Namespace, count: int) -> Any:
    """A timed `SearchPlayer` that searches every move afresh, under `count` symmetries."""
    from distill.arena.players import SearchPlayer
    from distill.errors import ConfigError
    from distill.search.symmetric import SymmetricEvaluator

    if count < 0:
        raise ConfigError(f"--counts: symmetries must be >= 0, got {count}")
    if count:
        evaluate = SymmetricEvaluator.for_domain(evaluate, domain, count)
    config = dataclasses.replace(search, algorithm=args.algorithm, leaves_per_step=args.leaves)
    return SearchPlayer(
        domain,
        evaluate,
        config,
        32,
        seconds_per_move=args.seconds,
        timed_leaves=args.leaves,
        reuse=False,
    )
