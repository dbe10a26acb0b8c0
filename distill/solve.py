"""Exact move scores for any domain that offers a solver (`Domain.solver`).

`solve_moves` is the one entry point the CLI (``distill solve``), the arena and
``distill eval`` use. Built-in solvers: tic-tac-toe (minimax) and Connect Four
(alpha-beta negamax); a plugin that sets ``solver=`` on its domain gets the same
treatment. Scores use Pascal Pons' convention: from the view of the side to move,
positive = it wins (larger = sooner), 0 = draw, negative = it loses.
"""

from __future__ import annotations

from collections.abc import Sequence

from distill.domain import Domain, Position
from distill.errors import DistillError, IllegalActionError


def require_solver(domain: Domain) -> None:
    """DistillError naming the domain when it offers no exact solver."""
    if domain.solver is None:
        raise DistillError(
            f"domain {domain.name!r} has no exact solver (its Domain sets no 'solver'); "
            "solver-based features (oracle, exact error rates, solve) need one"
        )


def solve_moves(domain: str | Domain, moves: str | Sequence[int]) -> list[int | None]:
    """Exact score of every action of the position reached by `moves`.

    Args:
        domain: a domain or its registry id (``"connect4"``, ``"tictactoe"``, a plugin).
        moves: a move string (`Domain.parse_moves`: ``"4453"``, ``"c3 d4"``) or actions.

    Returns:
        One entry per action: its score from the view of the side to move, or None where
        the action is illegal.

    Raises:
        DistillError: the domain has no solver. MoveParseError: a malformed move string
        (names the bad move). IllegalActionError: an illegal move (names its number) or a
        position that is already over.
    """
    if isinstance(domain, str):
        from distill.registry import make

        domain = make(domain)
    require_solver(domain)
    assert domain.solver is not None
    actions = domain.parse_moves(moves) if isinstance(moves, str) else [int(a) for a in moves]
    position = Position(domain).play_all(actions)
    if position.is_over:
        raise IllegalActionError(f"{domain.name}: the position is already over; nothing to solve")
    return list(domain.solver(position.store[0]))


def format_scores(scores: Sequence[int | None]) -> str:
    """One line: the scores separated by spaces, ``-`` for an illegal action."""
    return " ".join("-" if s is None else str(s) for s in scores)


__all__ = ["format_scores", "require_solver", "solve_moves"]
