"""`distill bench timed-reuse`: how many visits a timed move decides on, with tree reuse.

A timed search (GTP, `distill ladder --seconds-per-move`) starts from the subtree the
last move left below the position reached (`SearchPlayer.timed_root`): the visits spent
there before count for this move too. This plays one game of a network against itself
at `--seconds` a move: the measured side's moves come from a player that reuses its
tree, the other side's from a fresh search (an opponent whose thinking the measured
side does not share, as against GNU Go: two plies pass between its searches). At every
move of the measured side, a second player with reuse off searches the same position
for the same seconds, so the two take turns on the same positions. Reported per
algorithm: the root's visits when the move is chosen (the children's visit counts
summed), median and mean, for both players, and their ratio.

The network is a recipe's, untrained (``--recipe``, default go9), or a run's latest
checkpoint (``--run DIR``: a trained net's sharper policy keeps more of its tree).
Prints a table, then one JSON line per algorithm.
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
        prog="distill bench timed-reuse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--recipe", default="go9", help="a recipe's untrained net (default go9)")
    parser.add_argument("--run", default=None, help="a run's latest checkpoint instead")
    parser.add_argument(
        "--algorithms", nargs="+", choices=("puct", "gumbel"), default=["puct", "gumbel"]
    )
    parser.add_argument("--seconds", type=positive_float, default=0.5, help="per move")
    parser.add_argument("--moves", type=positive_int, default=20, help="measured moves a game")
    parser.add_argument("--leaves", type=positive_int, default=8, help="leaves per network call")
    parser.add_argument("--threads", type=positive_int, default=1, help="torch intra-op threads")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import torch
    from rich.console import Console
    from rich.table import Table

    from distill.bench.search_leaves import _agent, evaluator

    args = parse(argv)
    domain, net, search, title = _agent(args)
    torch.set_num_threads(args.threads)
    evaluate = evaluator(net, "float32")
    rows = []
    for algorithm in args.algorithms:
        config = dataclasses.replace(search, algorithm=algorithm, leaves_per_step=args.leaves)
        reused, fresh = play(domain, evaluate, config, args.seconds, args.moves)
        rows.append({"algorithm": algorithm, "net": title, "seconds": args.seconds,
                     "leaves": args.leaves, "moves": len(reused),
                     "visits_reuse_median": statistics.median(reused),
                     "visits_fresh_median": statistics.median(fresh),
                     "visits_reuse_mean": statistics.fmean(reused),
                     "visits_fresh_mean": statistics.fmean(fresh),
                     "ratio_of_means": statistics.fmean(reused) / statistics.fmean(fresh),
                     "visits_reuse": reused, "visits_fresh": fresh})  # fmt: skip
    table = Table(title=f"root visits of a timed move, {title}, {args.seconds:g} s a move")
    for column in ("search", "moves", "reuse: median", "mean", "fresh: median", "mean", "ratio"):
        table.add_column(column, justify="right")
    for row in rows:
        cells = [row[k] for k in ("visits_reuse_median", "visits_reuse_mean",
                                  "visits_fresh_median", "visits_fresh_mean")]  # fmt: skip
        table.add_row(row["algorithm"], str(row["moves"]), *(f"{c:.0f}" for c in cells),
                      f"{row['ratio_of_means']:.2f}")  # fmt: skip
    Console(stderr=True).print(table)
    for row in rows:
        print(json.dumps(row))
    return 0


def play(
    domain: Any, evaluate: Any, config: Any, seconds: float, moves: int
) -> tuple[list[int], list[int]]:
    """(root visits of each measured move with reuse, the same positions searched afresh):
    one game from the start, the measured side to move first, until `moves` measured
    moves are made or the game ends."""
    from distill.arena.players import SearchPlayer

    def player(reuse: bool) -> SearchPlayer:
        leaves = config.leaves_per_step
        return SearchPlayer(
            domain,
            evaluate,
            config,
            32,
            seconds_per_move=seconds,
            timed_leaves=leaves,
            reuse=reuse,
        )

    reusing, fresh, opponent = player(True), player(False), player(False)
    rng = np.random.default_rng(0)
    position = domain.initial()
    for each in (reusing, fresh, opponent):
        each.warm_up(position)
        each.reset()
    reused_visits: list[int] = []
    fresh_visits: list[int] = []
    while len(reused_visits) < moves and not position.is_over:
        fresh.search_timed([position], rng, seconds)
        assert fresh.last_searcher is not None
        fresh_visits.append(int(fresh.last_searcher.tree.children_visits[0, 0].sum()))
        move = int(reusing.select([position], rng)[0])
        assert reusing.last_searcher is not None
        reused_visits.append(int(reusing.last_searcher.tree.children_visits[0, 0].sum()))
        position = position.clone().play(move)
        if position.is_over:
            break
        position = position.clone().play(int(opponent.select([position], rng)[0]))
    return reused_visits, fresh_visits
