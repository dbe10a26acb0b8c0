"""Tic-tac-toe: 3x3, X moves first, three in a row wins, full board draws.

Actions 0..8 are the cells in row-major order from the top-left; move strings
are the digits ``1``-``9`` (so ``"5"`` is the centre). Exact oracle: full
minimax over all 5,478 reachable positions (`distill.domains.tictactoe.solver`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from distill.domain import KernelDomain, lazy
from distill.errors import MoveParseError
from distill.symmetry import dihedral_perms

from . import kernels

#: Stone buckets of the exact error rates: name -> (min, max) plies played, inclusive.
EVAL_BUCKETS = {"begin": (0, 2), "middle": (3, 5), "end": (6, 8)}


def _format(action: int) -> str:
    return str(action + 1)


def _parse(text: str) -> int:
    t = text.strip()
    if len(t) != 1 or t not in "123456789":
        raise MoveParseError(f"tictactoe: move {text!r} must be a cell digit 1-9")
    return int(t) - 1


def _render(state: np.ndarray) -> str:
    marks = ".XO"
    rows = [" ".join(marks[int(state[r * 3 + c])] for c in range(3)) for r in range(3)]
    return "\n".join(rows)


def make() -> KernelDomain:
    """The tic-tac-toe domain (kernel tier)."""
    cell_perms = dihedral_perms(3, 3)
    return KernelDomain(
        name="tictactoe",
        kernel_module="distill.domains.tictactoe.kernels",
        num_actions=kernels.NUM_ACTIONS,
        state_size=kernels.STATE_SIZE,
        obs_shape=(2, 3, 3),
        board_shape=(3, 3),
        max_moves=9,
        action_perms=cell_perms.copy(),
        cell_perms=cell_perms,
        formatter=_format,
        parser=_parse,
        renderer=_render,
        solver=lazy("distill.domains.tictactoe.solver:move_scores_state"),
        eval_buckets=EVAL_BUCKETS,
        eval_positions=Path(__file__).resolve().parent / "data",
        player_names=("X", "O"),
    )
