"""Tic-tac-toe kernels: per-state @njit rules on an int64 record.

State record (int64[11]):

    index 0..8   cells, row-major from the top-left: 0 empty, 1 first player (X), 2 second (O)
    index 9      player to move: 0 (X) or 1 (O)
    index 10     number of stones on the board

Action a in 0..8 places a stone on cell a.
"""

from __future__ import annotations

import numpy as np
from numba import njit

STATE_SIZE = 11
NUM_ACTIONS = 9
TO_PLAY = 9
COUNT = 10

LINES = np.array(
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]],
    dtype=np.int64,
)


@njit(cache=True)
def reset(state: np.ndarray, params: np.ndarray) -> None:
    state[:] = 0


@njit(cache=True)
def step(src: np.ndarray, dst: np.ndarray, action: int) -> None:
    if src is not dst:
        dst[:] = src
    dst[action] = dst[TO_PLAY] + 1
    dst[TO_PLAY] = 1 - dst[TO_PLAY]
    dst[COUNT] += 1


@njit(cache=True)
def winner(state: np.ndarray) -> int:
    """1 or 2 if that stone colour has three in a row, else 0."""
    for k in range(LINES.shape[0]):
        c = state[LINES[k, 0]]
        if c != 0 and c == state[LINES[k, 1]] and c == state[LINES[k, 2]]:
            return int(c)
    return 0


@njit(cache=True)
def terminal(state: np.ndarray) -> tuple[bool, float]:
    if winner(state) != 0:
        return True, -1.0  # the last mover won, so the player to move lost
    if state[COUNT] == 9:
        return True, 0.0
    return False, 0.0


@njit(cache=True)
def legal(state: np.ndarray, mask: np.ndarray) -> int:
    over, _ = terminal(state)
    count = 0
    for a in range(NUM_ACTIONS):
        ok = (not over) and state[a] == 0
        mask[a] = ok
        count += ok
    return count


@njit(cache=True)
def to_play(state: np.ndarray) -> int:
    return int(state[TO_PLAY])


# Observation float32[2, 3, 3], from the view of the player to move:
#
#   plane 0: 1 where the player to move has a stone
#   plane 1: 1 where the opponent has a stone
@njit(cache=True)
def encode(state: np.ndarray, out: np.ndarray) -> None:
    me = state[TO_PLAY] + 1
    for cell in range(9):
        c = state[cell]
        if c != 0:
            out[0 if c == me else 1, cell // 3, cell % 3] = 1.0
