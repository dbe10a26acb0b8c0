"""Deterministic evaluators for tests and examples (golden trees, oracle-guided search).

* `HashEvaluator`: logits and value are a pure function of the observation bytes, so a
  search with it is reproducible across processes and machines (golden trees).
* `SolverEvaluator`: the exact oracle as a `StateEvaluator`: value = scaled solver score of
  the leaf for the player to move, logits uniform or a fixed hash of the state.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from distill.domain import Domain, as_index


def _hash_draws(data: bytes, salt: int, count: int) -> np.ndarray:
    """float64[count] in [-1, 1): a deterministic function of (data, salt)."""
    seed = zlib.crc32(data, salt & 0xFFFFFFFF)
    return np.random.default_rng(seed).uniform(-1.0, 1.0, size=count)


class HashEvaluator:
    """logits[k] = 2 * h[:A], value[k] = 0.9 * h[A] for h = a hash of obs[k]'s bytes and `salt`.

    Illegal actions are not masked here (the search masks them); the value lies in
    [-0.9, 0.9] so terminal values (+-1) stay distinguishable in golden trees.
    """

    def __init__(self, salt: int = 0) -> None:
        self.salt = salt

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        num_actions = mask.shape[1]
        logits = np.zeros(mask.shape, np.float32)
        value = np.zeros(mask.shape[0], np.float32)
        for k in range(obs.shape[0]):
            draws = _hash_draws(np.ascontiguousarray(obs[k]).tobytes(), self.salt, num_actions + 1)
            logits[k] = 2.0 * draws[:num_actions]
            value[k] = 0.9 * draws[num_actions]
        return logits, value


class SolverEvaluator:
    """Exact values from a solver: value = clip(score / value_scale, -1, 1) for the player to
    move, where score = solve(state) (positive = the mover wins; Pons' convention).

    Args:
        domain: a kernel-tier domain (states are int64 rows).
        solve: state int64[state_size] -> int score for the side to move.
        value_scale: score magnitude mapped to 1; a small value (e.g. 1e-9) gives sign(score).
        logit_salt: None for uniform logits, else hash-of-state logits (a fixed, non-uniform
            prior, for policy-improvement tests).
    """

    def __init__(
        self,
        domain: Domain,
        solve: Callable[[np.ndarray], int],
        *,
        value_scale: float = 1e-9,
        logit_salt: int | None = None,
    ) -> None:
        self.domain, self.solve = domain, solve
        self.value_scale, self.logit_salt = value_scale, logit_salt

    def evaluate_states(
        self, store: Any, idx: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(logits float32[K, A], value float32[K]) of states store[idx[k]]; seeds unused."""
        index = as_index(idx)
        logits = np.zeros((index.shape[0], self.domain.num_actions), np.float32)
        value = np.zeros(index.shape[0], np.float32)
        for k, row in enumerate(index):
            state = store[row]
            value[k] = np.clip(self.solve(state) / self.value_scale, -1.0, 1.0)
            if self.logit_salt is not None:
                logits[k] = 2.0 * _hash_draws(
                    state.tobytes(), self.logit_salt, self.domain.num_actions
                )
        return logits, value
