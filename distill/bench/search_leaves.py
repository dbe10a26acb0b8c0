"""`distill bench search-leaves`: one game's timed search with a network, by leaves per call.

A player searching one game (GTP, `distill ladder --seconds-per-move`) evaluates one
leaf per network call unless it gathers several with virtual loss
(`SearchConfig.leaves_per_step`; the ``run:`` option ``leaves=L``). On a CPU a batch of
8 small positions costs far less than 8 calls of one, so the same seconds buy more
simulations. This measures simulations per second of `SearchPlayer.search_timed`, the
path a timed move takes, for each inference variant and leaves setting side by side:
the settings take turns within each repeat, from the same positions (the empty board
and a position after `--plies` random moves), and the ratio is against the first
variant at the first leaves setting of the same run.

Inference variants (`distill.inference.InferenceOptions`): ``float32`` (the default,
channels-last), ``bfloat16`` (autocast; what a run with ``precision: bfloat16`` plays
with) and ``frozen`` (float32, traced, frozen and optimized for inference: batch norm
folded into the convolutions).

The network is a recipe's, untrained (``--recipe``, default go9: speed does not depend
on the weights), or a run's latest checkpoint (``--run DIR``). Prints a table, then one
JSON line per (variant, leaves) row.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import time
from typing import Any

import numpy as np

from distill.commands._args import non_negative_int, positive_float, positive_int

VARIANTS = ("float32", "bfloat16", "frozen")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="distill bench search-leaves",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--recipe", default="go9", help="a recipe's untrained net (default go9)")
    parser.add_argument("--run", default=None, help="a run's latest checkpoint instead")
    parser.add_argument("--leaves", type=positive_int, nargs="+", default=[1, 4, 8, 16])
    parser.add_argument(
        "--variants", nargs="+", choices=VARIANTS, default=["float32"], help="inference variants"
    )
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
    domain, net, search, title = _agent(args)
    torch.set_num_threads(args.threads)
    positions = [domain.initial(), _random_position(domain, args.plies)]
    settings = [(variant, n) for variant in args.variants for n in args.leaves]
    rates = measure(domain, net, search, settings, positions, args.seconds, args.repeats)
    base = statistics.median(rates[settings[0]])
    table = Table(title=f"timed search of one game, {title}, {args.seconds:g} s a search")
    first = f"x {settings[0][0]}, {settings[0][1]} leaves"
    for column in ("inference", "leaves per call", "simulations/s (median)", first):
        table.add_column(column, justify="right")
    rows = []
    for variant, leaves in settings:
        median = statistics.median(rates[variant, leaves])
        table.add_row(variant, str(leaves), f"{median:.0f}", f"{median / base:.2f}")
        rows.append({"variant": variant, "leaves": leaves, "simulations_per_s": median,
                     "ratio": median / base, "samples": rates[variant, leaves],
                     "net": title})  # fmt: skip
    Console(stderr=True).print(table)
    for row in rows:
        print(json.dumps(row))
    return 0


def measure(
    domain: Any,
    net: Any,
    search: Any,
    settings: list[tuple[str, int]],
    positions: list[Any],
    seconds: float,
    repeats: int,
) -> dict[tuple[str, int], list[float]]:
    """Simulations/s of each timed search, by (variant, leaves): float lists of length
    repeats x len(positions), the settings interleaved."""
    from distill.arena.players import SearchPlayer

    evaluators = {variant: evaluator(net, variant) for variant, _ in settings}
    players = {
        (variant, n): SearchPlayer(
            domain, evaluators[variant], dataclasses.replace(search, leaves_per_step=n), 32,
            seconds_per_move=seconds, reuse=False,  # each search fresh: a rate, not a tree
        )
        for variant, n in settings
    }  # fmt: skip
    rng = np.random.default_rng(0)
    for player in players.values():
        player.warm_up(positions[0])
    rates: dict[tuple[str, int], list[float]] = {setting: [] for setting in settings}
    for _ in range(repeats):
        for position in positions:
            for setting, player in players.items():
                rates[setting].append(_rate(player, position, rng, seconds))
    return rates


def evaluator(net: Any, variant: str) -> Any:
    """A CPU `NetEvaluator` of `net` in inference `variant` (one of `VARIANTS`)."""
    from distill.inference import InferenceOptions, NetEvaluator

    options = {
        "float32": InferenceOptions(),
        "bfloat16": InferenceOptions(dtype="bfloat16"),
        "frozen": InferenceOptions(freeze=True),
    }[variant]
    return NetEvaluator(net, options=options)


def _rate(player: Any, position: Any, rng: np.random.Generator, seconds: float) -> float:
    start = time.perf_counter()
    result = player.search_timed([position], rng, seconds)
    # the root's visits: every simulation of the search (PUCT's chunks grow one tree)
    return float(result.visit_counts.sum()) / (time.perf_counter() - start)


def _agent(args: argparse.Namespace) -> tuple[Any, Any, Any, str]:
    """(domain, net, recipe search config, title) of the run or the recipe."""
    if args.run is not None:
        from distill.arena.agent import load_agent

        agent = load_agent(args.run)
        net = agent.evaluator.net
        return agent.domain, net, agent.recipe.search, f"{args.run}'s net"
    from distill.flywheel.generation import Learner
    from distill.recipe import load_recipe
    from distill.registry import make

    recipe = load_recipe(args.recipe)
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    net = Learner.create(recipe, domain).module.net
    return domain, net, recipe.search, f"recipe {recipe.name}'s net"


def _random_position(domain: Any, plies: int) -> Any:
    """The position after `plies` uniformly random legal moves from the start (seed 0),
    stopping early at a position one move from the end (unlike
    `distill.arena.match.random_openings`, which wants openings that never end)."""
    rng = np.random.default_rng(0)
    position = domain.initial()
    for _ in range(plies):
        after = position.clone().play(int(rng.choice(position.legal_actions())))  # play: in place
        if after.is_over:
            break
        position = after
    return position
