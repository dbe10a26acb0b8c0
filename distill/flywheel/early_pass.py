"""Self-play's guard against early passes (``selfplay.min_pass_ply``).

A young Go network can call every move lost for black: black then passes at once, white
passes back, and the empty board wins by komi. A generation of such two-move games
teaches nothing (the go9 run of docs/go.md lost one that way). The guard rules the pass
out of a game's first N plies wherever another legal move exists, both as a move and as
a policy target; arena, ladder and play keep the full rules.

Arrays are per searched position k of K, over the domain's A actions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from distill.errors import ConfigError


def check_pass_guard(domain: Any, min_pass_ply: int) -> None:
    """ConfigError when the guard is asked of a domain without a pass move."""
    if min_pass_ply and getattr(domain, "pass_action", None) is None:
        raise ConfigError(
            f"selfplay.min_pass_ply needs a domain with a pass move; {domain.name} has none "
            "(its Domain sets no 'pass_action')"
        )


def others_legal(legal: np.ndarray, pass_action: int) -> np.ndarray:
    """bool[K, A]: the legal moves of `legal` bool[K, A] other than the pass."""
    other = np.array(legal, dtype=np.bool_, copy=True)
    other[:, pass_action] = False
    return other


def without_pass(
    moves: np.ndarray,
    policy: np.ndarray,
    prior: np.ndarray,
    legal: np.ndarray,
    pass_action: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(moves int64[K], policy float32[K, A]) with the pass ruled out where another move is legal.

    moves: int64[K], the moves chosen; policy: float32[K, A], the search's policy target;
    prior: float32[K, A], the network's prior; legal: bool[K, A]. In every row with a
    legal move other than the pass, the policy's pass entry becomes 0 and the row is
    renormalized (to the prior over the other legal moves if nothing is left), and a
    chosen pass becomes the row's best other move: the largest policy entry, ties to
    the larger prior. Rows whose only legal move is the pass are returned as they are.
    """
    other = others_legal(legal, pass_action)
    rows = other.any(axis=1)
    policy = np.array(policy, dtype=np.float32, copy=True)
    policy[rows, pass_action] = 0.0
    fallback = np.where(other, prior.astype(np.float32) + 1e-12, 0.0)
    empty = rows & ~(policy.sum(axis=1) > 0.0)
    policy[empty] = fallback[empty]
    policy[rows] /= policy[rows].sum(axis=1, keepdims=True)
    key = np.where(other, policy.astype(np.float64) + 1e-6 * prior, -np.inf)
    replace = rows & (np.asarray(moves) == pass_action)
    moves = np.where(replace, key.argmax(axis=1), moves).astype(np.int64)
    return moves, policy


__all__ = ["check_pass_guard", "others_legal", "without_pass"]
