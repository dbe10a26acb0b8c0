"""KataGo-style input planes for Go, from the view of the player to move.

Follows the spatial/global split of KataGo's inputs (Wu, "Accelerating
Self-Play Learning in Go", 2019, section 4 and appendix A.1): stones, liberty
counts, ko bans and recent moves as spatial planes; komi and rules as global
inputs, here broadcast as constant planes so a plain convolutional net can read
them. Liberties are combined over both colours, as KataGo does.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .engine import colour_at, libs_of_root, root_of, try_point
from .layout import (
    KO_POSITIONAL,
    KO_SITUATIONAL,
    KOMI2,
    LAST,
    NUM_LAST,
    RULE_KO_MASK,
    RULE_SUICIDE,
    RULES,
    SIZE,
    TO_PLAY,
)

#: Number of input planes C; the observation is float32[C, N, N].
NUM_PLANES = 21
#: Komi is divided by this before it enters the net (KataGo uses 20 as well).
KOMI_SCALE = 20.0

PLANE_ON_BOARD = 0
PLANE_OWN = 1
PLANE_OPPONENT = 2
PLANE_LIBERTIES = 3  # 3, 4, 5: stones whose group has 1, 2, >= 3 liberties
PLANE_KO = 6
PLANE_LAST_MOVES = 7  # 7..11: the k-th most recent move's point (k = 1..5)
PLANE_LAST_PASS = 12  # 12..16: constant 1 if the k-th most recent move was a pass
PLANE_KOMI = 17
PLANE_POSITIONAL = 18
PLANE_SITUATIONAL = 19
PLANE_SUICIDE = 20


# Observation float32[21, N, N], from the view of the player to move ("own"):
#
#   plane       meaning                                         kind
#   0           1 on every point of the board                   spatial
#   1 / 2       own / opponent stones                           spatial
#   3 / 4 / 5   stones (either colour) whose group has          spatial
#               1 / 2 / >= 3 liberties
#   6           points the mover may not play because of ko     spatial
#               or superko (and only because of it)
#   7 .. 11     1 on the point of the 1st .. 5th most recent    spatial
#               move (nothing for a pass or before the start)
#   12 .. 16    1 everywhere if the 1st .. 5th most recent      global
#               move was a pass
#   17          komi / 20 from the mover's view (+ for white)   global
#   18 / 19     1 if positional / situational superko           global
#   20          1 if suicide is allowed                         global
#
#   example, 5x5 with black (X) to move:
#
#     board        plane 1 (own)   plane 3 (1 lib)   plane 4 (2 libs)
#     X O . . .    1 0 0 0 0       1 0 0 0 0         0 1 0 0 0
#     . . . . .    0 0 0 0 0       0 0 0 0 0         0 0 0 0 0
@njit(cache=True)
def encode_planes(st: np.ndarray, out: np.ndarray) -> None:
    """out: float32[NUM_PLANES, N, N], already zeroed, := the planes drawn above."""
    n = int(st[SIZE])
    me = int(st[TO_PLAY]) + 1
    out[PLANE_ON_BOARD] = 1.0
    for p in range(n * n):
        row, col = p // n, p % n
        c = colour_at(st, p)
        if c == 0:
            if try_point(st, p, True) == -1:
                out[PLANE_KO, row, col] = 1.0
            continue
        out[PLANE_OWN if c == me else PLANE_OPPONENT, row, col] = 1.0
        libs = libs_of_root(st, root_of(st, p))
        out[PLANE_LIBERTIES + min(libs, 3) - 1, row, col] = 1.0
    _encode_history(st, out, n)
    _encode_globals(st, out, me)


@njit(cache=True)
def _encode_history(st: np.ndarray, out: np.ndarray, n: int) -> None:
    for k in range(NUM_LAST):
        action = st[LAST + k]
        if action == n * n:
            out[PLANE_LAST_PASS + k] = 1.0
        elif action >= 0:
            out[PLANE_LAST_MOVES + k, action // n, action % n] = 1.0


@njit(cache=True)
def _encode_globals(st: np.ndarray, out: np.ndarray, me: int) -> None:
    komi = st[KOMI2] / 2.0
    out[PLANE_KOMI] = (komi if me == 2 else -komi) / KOMI_SCALE
    rule = st[RULES] & RULE_KO_MASK
    if rule == KO_POSITIONAL:
        out[PLANE_POSITIONAL] = 1.0
    elif rule == KO_SITUATIONAL:
        out[PLANE_SITUATIONAL] = 1.0
    if st[RULES] & RULE_SUICIDE:
        out[PLANE_SUICIDE] = 1.0
