"""`distill bench search-leaves`: one game's timed search with a network, by leaves per call.

A player searching one game (GTP, `distill ladder --seconds-per-move`) evaluates one
leaf per network call unless it gathers several with virtual loss
(`SearchConfig.leaves_per_step`; the ``run:`` option ``leaves=L``). On a CPU a batch of
8 small positions costs far less than 8 calls of one, so the same seconds buy more
simulations. This measures simulations per second of `SearchPlayer.search_timed`, the
path a timed move takes, for each leaves setting side by side: the settings take turns
within each repeat, from the same positions (the empty board and a position after
`--plies` random moves), and the ratio is against ``leaves=1`` of the same run.

The network is a recipe's, untrained (``--recipe``, default go9: speed does not depend
on the weights), or a run's latest checkpoint (``--run DIR``). Prints a table, then one
JSON line per leaves setting.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from typing import Any

import numpy as np

from distill.commands._args import non_negative_int, positive_float, positive_int


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="distill bench search-leaves",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--recipe", default="go9", help="a recipe's untrained net (default go9)")
    parser.add_argument("--run", default=None, help="a run's latest checkpoint instead")
    parser.add_argument("--leaves", type=positive_int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument("--seconds", type=positive_float, default=1.0, help="per timed search")
    parser.add_argument("--repeats", type=positive_int, default=3)
    parser.add_argument(
        "--plies", type=non_negative_int, default=20, help="random moves of the 2nd position"
    )
    parser.add_argument("--threads", type=positive_int, default=1, help="torch intra-op threads")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import torch
    from rich.console import Console
    from rich.table import Table

    args = parse(argv)
    domain, evaluator, search, title = _agent(args)
    torch.set_num_threads(args.threads)
    positions = [domain.initial(), _random_position(domain, args.plies)]
    rates = measure(domain, evaluator, search, args.leaves, positions, args.seconds, args.repeats)
    base = statistics.median(rates[args.leaves[0]])
    table = Table(title=f"timed search of one game, {title}, {args.seconds:g} s a search")
    for column in ("leaves per call", "simulations/s (median)", f"x leaves={args.leaves[0]}"):
        table.add_column(column, justify="right")
    rows = []
    for leaves in args.leaves:
        median = statistics.median(rates[leaves])
        table.add_row(str(leaves), f"{median:.0f}", f"{median / base:.2f}")
        rows.append({"leaves": leaves, "simulations_per_s": median, "ratio": median / base,
                     "samples": rates[leaves], "net": title})  # fmt: skip
    Console(stderr=True).print(table)
    for row in rows:
        print(json.dumps(row))
    return 0


def measure(
    domain: Any,
    evaluator: Any,
    search: Any,
    leaves: list[int],
    positions: list[Any],
    seconds: float,
    repeats: int,
) -> dict[int, list[float]]:
    """Simulations/s of each timed search, by leaves setting: float lists of length
    repeats x len(positions), the settings interleaved."""
    from distill.arena.players import SearchPlayer

    players = {
        n: SearchPlayer(
            domain, evaluator, dataclasses.replace(search, leaves_per_step=n), 32,
            seconds_per_move=seconds,
        )
        for n in leaves
    }  # fmt: skip
    rng = np.random.default_rng(0)
    for player in players.values():
        player.warm_up(positions[0])
    rates: dict[int, list[float]] = {n: [] for n in leaves}
    for _ in range(repeats):
        for position in positions:
            for n, player in players.items():
                rates[n].append(_rate(player, position, rng, seconds))
    return rates


def _rate(player: Any, position: Any, rng: np.random.Generator, seconds: float) -> float:
    import time

    start = time.perf_counter()
    result = player.search_timed([position], rng, seconds)
    # the root's visits: every simulation of the search (PUCT's chunks grow one tree)
    return float(result.visit_counts.sum()) / (time.perf_counter() - start)


def _agent(args: argparse.Namespace) -> tuple[Any, Any, Any, str]:
    """(domain, evaluator, recipe search config, title) of the run or the recipe."""
    if args.run is not None:
        from distill.arena.agent import load_agent

        agent = load_agent(args.run)
        return agent.domain, agent.evaluator, agent.recipe.search, f"{args.run}'s net"
    from distill.flywheel.generation import Learner
    from distill.recipe import load_recipe
    from distill.registry import make

    recipe = load_recipe(args.recipe)
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    evaluator = Learner.create(recipe, domain).evaluator()
    return domain, evaluator, recipe.search, f"recipe {recipe.name}'s net"


def _random_position(domain: Any, plies: int) -> Any:
    """The position after `plies` uniformly random legal moves from the start (seed 0),
    stopping early at a position one move from the end."""
    rng = np.random.default_rng(0)
    position = domain.initial()
    for _ in range(plies):
        after = position.play(int(rng.choice(position.legal_actions())))
        if after.is_over:
            break
        position = after
    return position
