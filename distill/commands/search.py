"""`distill search DOMAIN MOVES`: search one position and print per-action statistics.

Without ``--run`` the search uses the domain's rollouts (plain MCTS, as the
``mcts`` player); with ``--run RUN_DIR`` it uses that run's latest network. MOVES
are the domain's moves (`Domain.parse_moves`; nothing or ``-`` for the initial
position): run together where every move name is one character, else space
separated, e.g. ``distill search connect4 4453`` or ``distill search go C3 G7``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from distill.commands._args import non_negative_int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("domain", help="domain id (distill domains), e.g. connect4")
    parser.add_argument(
        "moves", nargs="*", default=[], help="moves (4453, or C3 G7 ...); none = the start"
    )
    parser.add_argument("--simulations", type=int, default=400, help="simulations (400)")
    parser.add_argument("--algorithm", choices=("puct", "gumbel"), default="puct")
    parser.add_argument("--run", type=Path, help="use this run's latest network as evaluator")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="search rng seed")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from distill.arena.players import SearchPlayer
    from distill.arena.specs import ROLLOUT_DEFAULTS, rollout_c_init
    from distill.domain import Position
    from distill.errors import ConfigError
    from distill.registry import make
    from distill.search import RolloutEvaluator, SearchConfig

    if args.simulations < 1:
        raise ConfigError(f"--simulations must be >= 1, got {args.simulations}")
    if args.run is not None:
        from distill.arena.agent import load_agent

        agent = load_agent(args.run)
        domain, evaluator, base = agent.domain, agent.evaluator, agent.recipe.search
        if domain.name != args.domain:
            raise ConfigError(f"run {args.run} plays {domain.name}, not {args.domain}")
    else:
        domain = make(args.domain)
        rollout = domain.default_rollout
        evaluator = rollout(domain) if rollout is not None else RolloutEvaluator(domain)
        base = SearchConfig(**{**ROLLOUT_DEFAULTS, "c_init": rollout_c_init(domain)})
    moves = " ".join(args.moves)
    position = Position(domain).play_all(domain.parse_moves(moves))
    shown = domain.format_moves(position.history)
    if position.is_over:
        raise ConfigError(f"{args.domain} position {shown} is already over")
    config = SearchConfig(**{**base.__dict__, "algorithm": args.algorithm})
    player = SearchPlayer(domain, evaluator, config, args.simulations)
    result = player.search([position], np.random.default_rng(args.seed))
    table = Table(
        title=f"{domain.name} after '{shown}': {args.simulations} simulations, "
        f"root value {float(result.root_value[0]):+.3f} (player to move)"
    )
    for column in ("move", "visits", "Q", "prior", "target"):
        table.add_column(column, justify="right")
    legal = position.legal_mask()
    for a in np.flatnonzero(legal):
        table.add_row(
            domain.format_action(int(a)),
            str(int(result.visit_counts[0, a])),
            f"{float(result.q_values[0, a]):+.3f}",
            f"{float(result.prior[0, a]):.3f}",
            f"{float(result.policy_target[0, a]):.3f}",
        )
    console = Console(highlight=False)
    console.print(str(position))
    console.print(table)
    console.print(f"best move: {domain.format_action(int(result.action[0]))}")
    return 0
