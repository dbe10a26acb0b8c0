"""Template: batched loops over a kernel-tier domain's per-state kernels.

Specialized per domain by `distill.jit.specialize` (see there for why). Every
function takes a state store ``states[S, state_size] int64`` and an index
vector ``idx[B] int64`` naming the rows to work on; outputs are written into
preallocated arrays so callers control allocation.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from distill._kernel_stubs import encode, legal, reset, step, terminal, to_play  # DOMAIN


@njit(cache=True)
def batch_reset(states: np.ndarray, idx: np.ndarray, params: np.ndarray) -> None:
    """states[idx[b]] := initial position, for every b. params: float64[P] domain parameters."""
    for b in range(idx.shape[0]):
        reset(states[idx[b]], params)


@njit(cache=True)
def batch_step(
    src: np.ndarray, src_idx: np.ndarray, dst: np.ndarray, dst_idx: np.ndarray, actions: np.ndarray
) -> None:
    """dst[dst_idx[b]] := src[src_idx[b]] after actions[b]. Actions must be legal."""
    for b in range(actions.shape[0]):
        step(src[src_idx[b]], dst[dst_idx[b]], actions[b])


@njit(cache=True)
def batch_legal(states: np.ndarray, idx: np.ndarray, masks: np.ndarray) -> None:
    """masks[b, a] := True where action a is legal in states[idx[b]]. masks: bool[B, A]."""
    for b in range(idx.shape[0]):
        legal(states[idx[b]], masks[b])


@njit(cache=True)
def batch_terminal(
    states: np.ndarray, idx: np.ndarray, done: np.ndarray, value: np.ndarray
) -> None:
    """done[b], value[b] := is the game over, its value for the player to move (0 if not over)."""
    for b in range(idx.shape[0]):
        over, val = terminal(states[idx[b]])
        done[b] = over
        value[b] = val


@njit(cache=True)
def batch_to_play(states: np.ndarray, idx: np.ndarray, out: np.ndarray) -> None:
    """out[b] := player to move (0 or 1) in states[idx[b]]."""
    for b in range(idx.shape[0]):
        out[b] = to_play(states[idx[b]])


@njit(cache=True)
def batch_encode(states: np.ndarray, idx: np.ndarray, out: np.ndarray) -> None:
    """out[b] := observation planes [C, H, W] of states[idx[b]] (zeroed first)."""
    for b in range(idx.shape[0]):
        out[b] = 0.0
        encode(states[idx[b]], out[b])
