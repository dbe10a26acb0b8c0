"""Go kernels: the six per-state ``@njit`` functions of the kernel-tier contract.

The record layout is documented in `distill.domains.go.layout`; the rules live in
`distill.domains.go.engine` and the input planes in `distill.domains.go.features`.
One code path serves every board size 5..19: the size is read from the record.

Actions: ``a = row * N + col`` (row 0 is the top row as displayed) places a stone
of the player to move; ``a = N * N`` passes. Player 0 is black.

``reset`` parameters, float64[8 + B + W]::

    [size, komi, ko_rule (0 simple, 1 positional, 2 situational), allow_suicide (0/1),
     max_moves, first_player (0 black, 1 white), B, W, B black points..., W white points...]

The setup stones (handicap, SGF ``AB``/``AW``) are placed without captures; the
Python side (`distill.domains.go.make`) validates them before building params.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .engine import (
    copy_record,
    is_over,
    legal_points,
    outcome_for_mover,
    place_stone,
    play,
    position_key,
    record_position,
)
from .features import encode_planes
from .layout import (
    BLOOM_WORDS,
    HASH,
    KO,
    KOMI2,
    LAST,
    MAX_MOVES,
    NO_POINT,
    NUM_LAST,
    RULE_SUICIDE,
    RULES,
    SIZE,
    TO_PLAY,
    bloom_words,
)

#: Number of entries before the setup points in the reset parameters.
PARAM_HEADER = 8


@njit(cache=True)
def reset(state: np.ndarray, params: np.ndarray) -> None:
    """Write the initial position described by `params` (see the module docstring)."""
    state[:] = 0
    n = int(params[0])
    state[SIZE] = n
    state[KOMI2] = int(round(params[1] * 2.0))  # noqa: RUF046 (numba: round gives a float)
    state[RULES] = int(params[2]) | (RULE_SUICIDE if params[3] != 0 else 0)
    state[MAX_MOVES] = int(params[4])
    state[BLOOM_WORDS] = bloom_words(int(params[4]))
    state[KO] = NO_POINT
    for i in range(NUM_LAST):
        state[LAST + i] = NO_POINT
    num_black, num_white = int(params[6]), int(params[7])
    for i in range(num_black + num_white):
        place_stone(state, int(params[PARAM_HEADER + i]), 1 if i < num_black else 2)
    state[TO_PLAY] = int(params[5])
    record_position(state, position_key(state, state[HASH], state[TO_PLAY] == 1))


@njit(cache=True)
def step(src: np.ndarray, dst: np.ndarray, action: int) -> None:
    """dst := src after the legal `action` (src may be dst)."""
    if src is not dst:
        copy_record(src, dst)
    play(dst, action)


@njit(cache=True)
def legal(state: np.ndarray, mask: np.ndarray) -> int:
    """mask: bool[N*N+1] := legal actions (all False once the game is over); returns the count."""
    return legal_points(state, mask)


@njit(cache=True)
def terminal(state: np.ndarray) -> tuple[bool, float]:
    """(over, value): over after two passes in a row or at the move cap; the value is the
    sign of the Tromp-Taylor score (komi included) for the player to move, else 0.0."""
    if not is_over(state):
        return False, 0.0
    return True, outcome_for_mover(state)


@njit(cache=True)
def to_play(state: np.ndarray) -> int:
    """0 black, 1 white."""
    return int(state[TO_PLAY])


@njit(cache=True)
def encode(state: np.ndarray, out: np.ndarray) -> None:
    """out: float32[C, N, N] (zeroed) := input planes; see `features.encode_planes`."""
    encode_planes(state, out)
