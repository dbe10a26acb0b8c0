"""Exact move scores for the domains that have a solver (tic-tac-toe, Connect Four).

`solve_moves` is the one entry point the CLI (`distill solve`) and other tools
use; it dispatches by domain id to ``distill.domains.<id>.solver``. Scores use
Pascal Pons' convention in both games: from the view of the side to move,
positive = it wins (larger = sooner: one more than the stones the winner still
holds after its winning move), 0 = draw, negative = it loses.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

from distill.errors import DistillError

#: domain id -> module with replay(moves), move_scores(moves), solve(moves). Keep sorted.
SOLVERS: dict[str, str] = {
    "connect4": "distill.domains.connect4.solver",
    "tictactoe": "distill.domains.tictactoe.solver",
}


def solver_module(domain_id: str) -> ModuleType:
    """The solver module of `domain_id`; DistillError listing the solvable ids otherwise."""
    if domain_id not in SOLVERS:
        known = ", ".join(sorted(SOLVERS))
        raise DistillError(f"no exact solver for domain {domain_id!r}; solvers exist for: {known}")
    return importlib.import_module(SOLVERS[domain_id])


def solve_moves(domain_id: str, moves: str | Sequence[int]) -> list[int | None]:
    """Exact score of every action of the position reached by `moves`.

    Args:
        domain_id: ``"connect4"`` or ``"tictactoe"``.
        moves: a move string in the domain's digits (``"4453"``: Connect Four
            columns 1-7; ``"15"``: tic-tac-toe cells 1-9) or a sequence of actions.

    Returns:
        One entry per action (7 columns or 9 cells): its score from the view of the
        side to move, or None where the action is illegal (full column, occupied cell).

    Raises:
        DistillError: no solver for `domain_id`. MoveParseError: a malformed move
        string (names the bad character). IllegalActionError: an illegal move
        (names its move number) or a position that is already over.
    """
    module = solver_module(domain_id)
    scores: list[int | None] = module.move_scores(moves)
    return scores


def format_scores(scores: Sequence[int | None]) -> str:
    """One line: the scores separated by spaces, ``-`` for an illegal action."""
    return " ".join("-" if s is None else str(s) for s in scores)
