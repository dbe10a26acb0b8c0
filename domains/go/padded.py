"""Go kernels in a padded frame: an N x N board in the top-left corner of an F x F frame.

One network serves several board sizes when every size is seen through one frame
(KataGo trains every size padded to 19x19 with an on-board mask; Wu 2019,
"Accelerating Self-Play Learning in Go", arXiv:1902.10565, sec. 4.2 and app. A). These
kernels wrap the plain Go kernels (`distill.domains.go.kernels`) so that a record of
any size N <= F looks like a game on the F x F frame:

* actions ``a = row * F + col``, ``F * F`` = pass; points outside the N x N corner are
  never legal;
* observations ``float32[C, F, F]``: the N x N planes of `features.encode_planes` in
  the top-left corner and zero elsewhere, so plane 0 (`features.PLANE_ON_BOARD`) is the
  board mask a net reads with ``network.mask_plane: 0``.

The frame size F is part of the record (bits 8-15 of the RULES word, which the rules
code reads only through its low bits), so ``step``, ``legal`` and ``encode`` need no
parameters. ``reset`` parameters are ``[F, *go_params]`` with the plain Go kernels'
parameters after the frame (see `distill.domains.go.kernels`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .engine import legal_points
from .features import encode_planes
from .kernels import reset as go_reset
from .kernels import step as go_step
from .kernels import terminal as go_terminal
from .kernels import to_play as go_to_play
from .layout import RULES, SIZE

#: The frame size lives in these bits of the RULES word (the rules use bits 0-2).
FRAME_SHIFT = 8
FRAME_MASK = 0xFF


@njit(cache=True)
def frame_of(state: np.ndarray) -> int:
    """F, the frame size of a padded record."""
    return int((state[RULES] >> FRAME_SHIFT) & FRAME_MASK)


@njit(cache=True)
def to_board(state: np.ndarray, action: int) -> int:
    """The plain Go action (``r * N + c``, ``N * N`` = pass) of frame action `action`."""
    n, f = int(state[SIZE]), frame_of(state)
    if action == f * f:
        return n * n
    return (action // f) * n + action % f


@njit(cache=True)
def reset(state: np.ndarray, params: np.ndarray) -> None:
    """The initial position of plain Go parameters ``params[1:]`` in frame ``params[0]``."""
    go_reset(state, params[1:])
    state[RULES] |= int(params[0]) << FRAME_SHIFT


@njit(cache=True)
def step(src: np.ndarray, dst: np.ndarray, action: int) -> None:
    """dst := src after the legal frame action `action` (src may be dst)."""
    go_step(src, dst, to_board(src, action))


@njit(cache=True)
def legal(state: np.ndarray, mask: np.ndarray) -> int:
    """mask: bool[F*F+1] := legal frame actions; returns their count.

    The board's mask is written into the first N*N+1 entries and then moved outward in
    place: point p = r*N + c goes to q = r*F + c >= p, so walking p downward never
    overwrites a point not yet moved.
    """
    n, f = int(state[SIZE]), frame_of(state)
    mask[:] = False
    count = legal_points(state, mask)
    if n == f:
        return count
    can_pass = mask[n * n]
    mask[n * n] = False
    for p in range(n * n - 1, -1, -1):
        ok = mask[p]
        mask[p] = False
        mask[(p // n) * f + p % n] = ok
    mask[f * f] = can_pass
    return count


@njit(cache=True)
def terminal(state: np.ndarray) -> tuple[bool, float]:
    """As the plain Go kernel: (over, sign of the score for the player to move)."""
    return go_terminal(state)  # type: ignore[no-any-return]


@njit(cache=True)
def to_play(state: np.ndarray) -> int:
    """0 black, 1 white."""
    return go_to_play(state)  # type: ignore[no-any-return]


@njit(cache=True)
def encode(state: np.ndarray, out: np.ndarray) -> None:
    """out: float32[C, F, F] (zeroed) := the board's planes in its top-left N x N corner."""
    n = int(state[SIZE])
    encode_planes(state, out[:, :n, :n])
