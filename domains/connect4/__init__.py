"""Connect Four: 7 columns x 6 rows, stones drop to the lowest empty cell, four in a line wins.

The first player (``X``) moves first; a full board without four in a line is a
draw. Actions 0..6 are the columns from left to right. Move strings are Pascal
Pons' column digits ``1``..``7``, and a position is written as the sequence of
its moves, e.g. ``"4453"`` (centre, centre, column 5, column 3).

State: two bitboards in Pons' layout plus the move count and the player to
move (see `distill.domains.connect4.kernels`). Symmetries: identity and the
left-right mirror. Exact oracle: an alpha-beta solver with a transposition
table giving Pons' scores (`distill.domains.connect4.solver`); seeded,
solver-scored position sets come from `distill.domains.connect4.positions`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from distill.domain import KernelDomain, lazy
from distill.errors import MoveParseError
from distill.symmetry import mirror_perms

from . import kernels

#: Stone buckets of the exact error rates: name -> (min, max) plies played, inclusive.
EVAL_BUCKETS = {"begin": (4, 11), "middle": (12, 23), "end": (24, 36)}

WIDTH = kernels.WIDTH
HEIGHT = kernels.HEIGHT
_DIGITS = "1234567"


def format_move(action: int) -> str:
    """Pons' digit of column `action` (0 -> ``"1"``)."""
    return str(action + 1)


def parse_move(text: str) -> int:
    """The action (0..6) of one column digit ``"1"``..``"7"``; MoveParseError otherwise."""
    t = text.strip()
    if len(t) != 1 or t not in _DIGITS:
        raise MoveParseError(f"connect4: move {text!r} must be a column digit 1-7")
    return int(t) - 1


def parse_moves(text: str) -> list[int]:
    """Actions (0..6) of a position string such as ``"4453"``.

    Surrounding whitespace is ignored. Raises MoveParseError naming the first
    bad character and its 1-based position in `text`. Legality (full columns,
    moves after the game ended) is not checked here.
    """
    stripped = text.strip()
    offset = len(text) - len(text.lstrip())
    actions = []
    for i, char in enumerate(stripped):
        if char not in _DIGITS:
            raise MoveParseError(
                f"connect4: bad character {char!r} at position {offset + i + 1} of "
                f"{text!r}; moves are column digits 1-7"
            )
        actions.append(int(char) - 1)
    return actions


def format_moves(actions: list[int]) -> str:
    """Inverse of `parse_moves`: ``[3, 3, 4, 2]`` -> ``"4453"``."""
    return "".join(format_move(a) for a in actions)


def render(state: np.ndarray) -> str:
    """Six rows top to bottom, ``X`` first player, ``O`` second, ``.`` empty, space-separated."""
    own = int(state[kernels.CURRENT])
    other = own ^ int(state[kernels.MASK])
    first, second = (own, other) if int(state[kernels.TO_PLAY]) == 0 else (other, own)
    lines = []
    for row in range(HEIGHT - 1, -1, -1):
        marks = []
        for col in range(WIDTH):
            bit = 1 << (col * kernels.H1 + row)
            marks.append("X" if first & bit else "O" if second & bit else ".")
        lines.append(" ".join(marks))
    return "\n".join(lines)


def make() -> KernelDomain:
    """The Connect Four domain (kernel tier)."""
    cell_perms = mirror_perms(HEIGHT, WIDTH)
    action_perms = np.stack(
        [np.arange(WIDTH, dtype=np.int64), np.arange(WIDTH - 1, -1, -1, dtype=np.int64)]
    )
    return KernelDomain(
        name="connect4",
        kernel_module="distill.domains.connect4.kernels",
        num_actions=kernels.NUM_ACTIONS,
        state_size=kernels.STATE_SIZE,
        obs_shape=(2, HEIGHT, WIDTH),
        board_shape=(HEIGHT, WIDTH),
        max_moves=kernels.CELLS,
        action_perms=action_perms,
        cell_perms=cell_perms,
        formatter=format_move,
        parser=parse_move,
        renderer=render,
        solver=lazy("distill.domains.connect4.solver:move_scores_state"),
        eval_buckets=EVAL_BUCKETS,
        eval_positions=Path(__file__).resolve().parent / "data",
        player_names=("X", "O"),
    )
