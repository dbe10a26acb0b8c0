"""`distill eval RUN_DIR --positions FILE`: the agent's moves (and errors) on given positions.

FILE holds one position per line: a move string (``4453``; moves with longer
names are space separated and end with ``:``, as in ``c3 d4 :``), optionally
followed by the position's score as in Pascal Pons' test sets, or by one score
per action (see `distill.arena.positions`). For every position one JSON line is written (to
``--out`` or stdout) with the raw policy's move and the search's move; where a
score is given and the domain has an exact solver, each move's exact score and
whether it is optimal. A last JSON line (``"summary": true``) holds the error
rates: the share of non-optimal moves and of moves that change the outcome.

With ``--seen`` each line also says whether the run met the position (or a symmetric
image of it) in self-play (`distill.arena.seen`), and the summary adds the rates on the
positions it never met (``*_unseen``) with their count: a test of generalisation only
counts those.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distill.commands._args import non_negative_int

if TYPE_CHECKING:
    from distill.arena.positions import ScoredPosition
    from distill.domain import Domain


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, help="run directory")
    parser.add_argument("--positions", type=Path, required=True, help="positions file")
    parser.add_argument(
        "--simulations",
        type=int,
        help="search simulations (default: the recipe's arena simulations)",
    )
    parser.add_argument("--checkpoint", help="checkpoint file name (default: latest)")
    parser.add_argument("--out", type=Path, help="write JSON lines here instead of stdout")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="search rng seed")
    parser.add_argument(
        "--seen",
        action="store_true",
        help="mark positions the run met in self-play (its replay shards) and add the "
        "error rates on the others",
    )


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from distill.arena.agent import load_agent
    from distill.arena.evaluate import choose_on_positions, error_rates, has_oracle
    from distill.arena.players import PolicyPlayer, SearchPlayer
    from distill.arena.positions import read_positions
    from distill.errors import DistillError
    from distill.fileio import atomic_write
    from distill.recipe import derive

    agent = load_agent(args.run_dir, args.checkpoint)
    domain = agent.domain
    positions = read_positions(args.positions, domain)
    if not positions:
        raise DistillError(f"{args.positions}: no positions in the file")
    sims = args.simulations or derive(agent.recipe).arena_simulations
    rng = np.random.default_rng(args.seed)
    moves = {
        "policy": choose_on_positions(
            domain, PolicyPlayer(domain, agent.evaluator), positions, rng
        ),
        "search": choose_on_positions(
            domain, SearchPlayer(domain, agent.evaluator, agent.recipe.search, sims), positions, rng
        ),
    }
    scored = _with_move_scores(domain, positions) if has_oracle(domain) else positions
    seen = _seen(args, domain, scored)
    lines = []
    for k, position in enumerate(scored):
        row: dict[str, object] = {"position": domain.format_moves(position.moves)}
        if seen is not None:
            row["seen"] = bool(seen[k])
        for name, chosen in moves.items():
            row[f"{name}_move"] = domain.format_action(int(chosen[k]))
            if position.scores is not None:
                score = position.scores[int(chosen[k])]
                row[f"{name}_score"] = score
                row[f"{name}_optimal"] = score is not None and score == position.value
        if position.value is not None:
            row["best_score"] = position.value
        lines.append(json.dumps(row))
    summary: dict[str, object] = {
        "summary": True,
        "positions": len(positions),
        "checkpoint": agent.checkpoint.name,
        "simulations": sims,
    }
    known = [i for i, p in enumerate(scored) if p.scores is not None]
    if known:
        subset: list[ScoredPosition] = [scored[i] for i in known]
        for name, chosen in moves.items():
            rates = error_rates(subset, chosen[known])
            summary[f"{name}_not_optimal"] = rates["not_optimal"]
            summary[f"{name}_outcome_change"] = rates["outcome_change"]
        summary["scored_positions"] = len(known)
        if seen is not None:
            unseen = [i for i in known if not seen[i]]
            summary["unseen_positions"] = len(unseen)
            for name, chosen in moves.items():
                rates = error_rates([scored[i] for i in unseen], chosen[unseen])
                summary[f"{name}_not_optimal_unseen"] = rates["not_optimal"] if unseen else None
                summary[f"{name}_outcome_change_unseen"] = (
                    rates["outcome_change"] if unseen else None
                )
    elif seen is not None:
        summary["unseen_positions"] = int((~seen).sum())
    lines.append(json.dumps(summary))
    text = "\n".join(lines) + "\n"
    if args.out is not None:
        atomic_write(args.out, text)
    else:
        sys.stdout.write(text)
    return 0


def _seen(args: argparse.Namespace, domain: Domain, positions: list[ScoredPosition]) -> Any:
    """bool[N] with ``--seen`` (position met in the run's self-play), else None."""
    if not args.seen:
        return None
    from distill.arena.seen import seen_in_replay

    return seen_in_replay(domain, [p.moves for p in positions], args.run_dir / "replay")


def _with_move_scores(domain: Domain, positions: list[ScoredPosition]) -> list[ScoredPosition]:
    """Positions that carry only a position score get every move's exact score (solver)."""
    from distill.solve import solve_moves

    out = []
    for p in positions:
        if p.value is not None and p.scores is None:
            scores = tuple(solve_moves(domain, list(p.moves)))
            best = max(s for s in scores if s is not None)
            out.append(type(p)(p.moves, scores, best))
        else:
            out.append(p)
    return out
