"""Counter-based random numbers for rollouts, identical in jitted and Python-driven search.

Each rollout gets a 64-bit seed derived from (run seed, game, node) with SplitMix64
(Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"), so the
same leaf gets the same playout whichever path evaluates it. All arithmetic is uint64
(multiplication wraps modulo 2**64, as SplitMix64 requires).
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True)
def mix64(x: np.uint64) -> np.uint64:
    """SplitMix64 finalizer: a bijective scramble of a 64-bit word."""
    x = (x ^ (x >> np.uint64(30))) * _MIX1
    x = (x ^ (x >> np.uint64(27))) * _MIX2
    return x ^ (x >> np.uint64(31))


@njit(cache=True)
def next_state(state: np.uint64) -> np.uint64:
    """Advance a SplitMix64 state by one step."""
    return state + _GOLDEN


@njit(cache=True)
def below(state: np.uint64, n: int) -> int:
    """A number in [0, n) from the state's output (modulo bias < 2**-50 for small n)."""
    return int((mix64(state) >> np.uint64(11)) % np.uint64(n))


@njit(cache=True)
def leaf_seed(run_seed: np.uint64, game: int, node: int) -> np.uint64:
    """The rollout seed of node `node` of game `game` in the search seeded by `run_seed`."""
    x = mix64(run_seed ^ mix64(np.uint64(game) * _GOLDEN + np.uint64(1)))
    return mix64(x ^ (np.uint64(node) * _MIX1 + np.uint64(2)))


@njit(cache=True)
def leaf_seeds(run_seed: np.uint64, games: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """uint64[K]: `leaf_seed` for each (games[k], nodes[k])."""
    out = np.empty(games.shape[0], np.uint64)
    for k in range(games.shape[0]):
        out[k] = leaf_seed(run_seed, games[k], nodes[k])
    return out
