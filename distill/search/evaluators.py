"""Leaf evaluators: what the search asks about a position it has just reached.

Two interfaces, both returning ``(logits float32[K, A], value float32[K])`` with the value
from the perspective of the player to move at each leaf:

* `Evaluator` (observation level): ``evaluator(obs float32[K, C, H, W], mask bool[K, A])``.
  Networks implement this; the search never touches torch.
* `StateEvaluator` (state level): ``evaluator.evaluate_states(store, idx int64[K],
  seeds uint64[K])`` for evaluators that need the game itself rather than its observation,
  such as random rollouts. `Searcher` calls this method instead of encoding observations
  whenever the evaluator has it; store and idx name the leaves' states in the domain's own
  store format, and seeds give each leaf its own reproducible random stream.

A search with a score utility (`SearchConfig.uses_score_utility`) needs a
`ScoredEvaluator`: ``scored`` is True and ``evaluator.evaluate_scored(obs, mask)``
returns the pair plus ``score float32[K]``, the expected final score margin for the
player to move, in points (`distill.inference.NetEvaluator` of a net with a score head).

Evaluators with a ``jit_kind`` attribute (`uniform_evaluator`, `RolloutEvaluator`) are also
known to the fully jitted search loop, which reproduces them inside numba for kernel-tier
domains, so searches with them never leave compiled code.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from distill.domain import Domain, as_index
from distill.errors import ConfigError, DistillError, ShapeError

JIT_UNIFORM = 0
JIT_ROLLOUT = 1


@runtime_checkable
class Evaluator(Protocol):
    """(obs float32[K, C, H, W], mask bool[K, A]) -> (logits float32[K, A], value float32[K])."""

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


@runtime_checkable
class StateEvaluator(Protocol):
    """Evaluates leaves from their states: see the module docstring."""

    def evaluate_states(
        self, store: Any, idx: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]: ...


@runtime_checkable
class ScoredEvaluator(Protocol):
    """An `Evaluator` that also gives each leaf's expected score margin: see the module
    docstring."""

    scored: bool

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...

    def evaluate_scored(
        self, obs: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]: ...


class UniformEvaluator:
    """Uniform prior (logits 0) and value 0 for every leaf: search guided by visits alone."""

    jit_kind = JIT_UNIFORM

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        batch, num_actions = mask.shape
        return np.zeros((batch, num_actions), np.float32), np.zeros(batch, np.float32)

    def __repr__(self) -> str:
        return "uniform_evaluator"


#: The shared `UniformEvaluator` instance.
uniform_evaluator = UniformEvaluator()


class RolloutEvaluator:
    """Uniform prior and the mean outcome of `num_rollouts` uniformly random playouts.

    A leaf's value is the playout outcome from the leaf's player-to-move perspective
    (classic MCTS evaluation, Kocsis & Szepesvári 2006; Coulom 2006). Kernel-tier domains
    play out inside numba with counter-based seeds (`distill.search.rng`); Python-tier
    domains play out with one numpy Generator per leaf seeded from its seed.
    """

    jit_kind = JIT_ROLLOUT

    def __init__(self, domain: Domain, num_rollouts: int = 1) -> None:
        if not isinstance(num_rollouts, int) or num_rollouts < 1:
            raise ConfigError(
                f"RolloutEvaluator.num_rollouts must be an int >= 1, got {num_rollouts!r}"
            )
        self.domain = domain
        self.num_rollouts = num_rollouts

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise DistillError(
            "RolloutEvaluator needs game states: call evaluate_states(store, "
            "idx, seeds), as Searcher does, not evaluator(obs, mask)"
        )

    def evaluate_states(
        self, store: Any, idx: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(zeros float32[K, A], mean playout outcome float32[K]) for states store[idx[k]]."""
        index = as_index(idx)
        seeds = np.ascontiguousarray(seeds, dtype=np.uint64)
        values = np.zeros(index.shape[0], np.float32)
        if self.domain.kernel_module is not None:
            from distill.jit import specialize

            loop = specialize("distill.search._jit_loop", self.domain.kernel_module)
            loop.batch_rollout(
                store, index, seeds, self.num_rollouts, self.domain.num_actions, values
            )
        else:
            for k, (row, seed) in enumerate(zip(index, seeds, strict=True)):
                values[k] = self._python_rollouts(store, int(row), int(seed))
        return np.zeros((index.shape[0], self.domain.num_actions), np.float32), values

    def _python_rollouts(self, store: Any, row: int, seed: int) -> float:
        """Mean outcome of the playouts from store[row] (Python-tier domains)."""
        rng = np.random.default_rng(seed)
        scratch = self.domain.new_store(1)
        player = int(self.domain.to_play(store, [row])[0])
        total = 0.0
        for _ in range(self.num_rollouts):
            self.domain.copy(store, [row], scratch, [0])
            while True:
                done, value = self.domain.terminal(scratch, [0])
                if done[0]:
                    same = int(self.domain.to_play(scratch, [0])[0]) == player
                    total += float(value[0]) if same else -float(value[0])
                    break
                legal = np.flatnonzero(self.domain.legal_mask(scratch, [0])[0])
                action = legal[rng.integers(legal.shape[0])]
                self.domain.step(scratch, [0], scratch, [0], [action])
        return total / self.num_rollouts

    def __repr__(self) -> str:
        return f"RolloutEvaluator({self.domain.name!r}, num_rollouts={self.num_rollouts})"


def check_batch(obs: np.ndarray, mask: np.ndarray) -> None:
    """ShapeError unless obs is [B, C, H, W] and mask [B, A] with one B (the evaluator
    protocol's inputs)."""
    if obs.ndim != 4 or mask.ndim != 2 or obs.shape[0] != mask.shape[0]:
        raise ShapeError(
            f"evaluator expects obs[B, C, H, W] and mask[B, A] with one B, got "
            f"{obs.shape} and {mask.shape}"
        )
