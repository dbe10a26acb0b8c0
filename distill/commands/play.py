"""`distill play RUN_DIR` or `distill play --domain tictactoe`: play the agent in the terminal.

With a run directory the opponent is the run's latest network searching at the
recipe's arena simulations; with ``--domain`` alone it is a random-rollout
search (plain MCTS). The board is drawn with rich; type a move in the domain's
notation (tic-tac-toe cells 1-9, Connect Four columns 1-7), ``q`` to quit.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from distill.commands._args import non_negative_int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", nargs="?", type=Path, help="run directory (trained agent)")
    parser.add_argument("--domain", help="play a rollout-search opponent in this domain instead")
    parser.add_argument("--second", action="store_true", help="let the agent move first")
    parser.add_argument("--simulations", type=int, help="agent simulations per move")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="agent rng seed")


def make_opponent(args: argparse.Namespace) -> tuple[Any, Any]:
    """(domain, player) for the run's agent or a rollout search (``mcts`` spec)."""
    from distill.arena.players import SearchPlayer
    from distill.arena.specs import make_player
    from distill.errors import DistillError
    from distill.recipe import derive
    from distill.registry import make

    if args.run_dir is not None and args.domain is not None:
        raise DistillError(
            "give a run directory (its agent plays its own game) or --domain DOMAIN, not both"
        )
    if args.run_dir is not None:
        from distill.arena.agent import load_agent

        agent = load_agent(args.run_dir)
        sims = args.simulations or derive(agent.recipe).arena_simulations
        return agent.domain, SearchPlayer(
            agent.domain, agent.evaluator, agent.recipe.search, sims, name="agent"
        )
    if args.domain is None:
        raise DistillError("give a run directory or --domain DOMAIN")
    domain = make(args.domain)
    sims = args.simulations or 1000
    return domain, make_player(f"mcts:sims={sims}", domain)


def run(args: argparse.Namespace) -> int:
    import numpy as np
    from rich.console import Console
    from rich.panel import Panel

    from distill.domain import Position
    from distill.errors import DistillError

    domain, agent = make_opponent(args)
    console = Console(highlight=False)
    rng = np.random.default_rng(args.seed)
    game = Position(domain)
    human = 1 if args.second else 0
    console.print(
        f"You play {'second' if human else 'first'} against {agent.name}. "
        "Type a move, or q to quit."
    )
    while not game.is_over:
        console.print(Panel(str(game), title=f"move {len(game.history) + 1}", expand=False))
        if game.to_play == human:
            try:
                text = input("your move: ").strip()
            except EOFError:  # Ctrl-D or the end of piped input: quit like "q"
                text = "q"
            if text.lower() in ("q", "quit", "exit"):
                console.print("bye")
                return 0
            try:
                game.play(text)
            except DistillError as exc:
                console.print(f"[red]{exc}[/red]")
            continue
        move = int(agent.select([game], rng)[0])
        console.print(f"{agent.name} plays {domain.format_action(move)}")
        game.play(move)
    console.print(Panel(str(game), title="final position", expand=False))
    human_value = game.value if game.to_play == human else -game.value
    console.print({1: "You win!", 0: "Draw."}.get(int(np.sign(human_value)), f"{agent.name} wins."))
    return 0
