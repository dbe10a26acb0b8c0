"""Batched arena players: each picks moves for many games at once.

The arena plays many games in parallel, so its players work on a batch of
positions: ``select(store, idx, rng) -> int64[B]`` returns a legal action for
the player to move in every ``store[idx[b]]`` (positions are not changed). This
differs from the one-position `distill.players.Player` protocol (GTP engines,
``distill match``) on purpose: a network player evaluates all B positions in one
forward pass, and a search player searches them as one batch.

Players here: `RandomPlayer`, `PolicyPlayer` (the raw network policy, argmax),
`SearchPlayer` (the batched search at N simulations, no noise, most visited
move) and `OraclePlayer` (a uniformly random *optimal* move from the exact
solver, `distill.solve`). Rngs are passed in and consumed.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

import numpy as np

from distill.domain import Domain, as_index, uniform_legal_actions
from distill.search import SearchConfig, Searcher


class ArenaPlayer(Protocol):
    """Picks moves for a batch of positions (see the module docstring)."""

    name: str

    def select(self, store: Any, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """int64[B]: a legal action for the player to move in each store[idx[b]]."""
        ...


class RandomPlayer:
    """A uniformly random legal action."""

    def __init__(self, domain: Domain, name: str = "random") -> None:
        self.domain, self.name = domain, name

    def select(self, store: Any, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return uniform_legal_actions(self.domain.legal_mask(store, idx), rng)


class PolicyPlayer:
    """The network's raw policy: the legal action with the largest logit (no search)."""

    def __init__(self, domain: Domain, evaluator: Any, name: str = "policy") -> None:
        self.domain, self.evaluator, self.name = domain, evaluator, name

    def select(self, store: Any, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        index = as_index(idx)
        masks = self.domain.legal_mask(store, index)
        logits, _ = self.evaluator(self.domain.encode(store, index), masks)
        return np.argmax(np.where(masks, logits, -np.inf), axis=1).astype(np.int64)


class SearchPlayer:
    """The batched search at `simulations`, without root noise or tree reuse.

    PUCT plays the most visited action (temperature 0); Gumbel plays its
    sequential-halving winner. One `Searcher` is kept per batch size seen.
    """

    def __init__(
        self,
        domain: Domain,
        evaluator: Any,
        config: SearchConfig,
        simulations: int,
        name: str | None = None,
    ) -> None:
        self.domain, self.evaluator = domain, evaluator
        self.simulations = int(simulations)
        self.config = dataclasses.replace(
            config,
            num_simulations=self.simulations,
            temperature=0.0,
            reuse_tree=False,
            max_nodes=None,
        )
        self.name = name or f"search{self.simulations}"
        self._searchers: dict[int, Searcher] = {}

    def searcher(self, batch_size: int) -> Searcher:
        if batch_size not in self._searchers:
            self._searchers[batch_size] = Searcher(
                self.domain, self.evaluator, batch_size=batch_size, config=self.config
            )
        searcher = self._searchers[batch_size]
        searcher.reset(None)
        return searcher

    def search(self, store: Any, idx: np.ndarray, rng: np.random.Generator) -> Any:
        """The `SearchResult` of a fresh search from every store[idx[b]]."""
        index = as_index(idx)
        return self.searcher(index.shape[0]).run(store, index, rng, add_noise=False)

    def select(self, store: Any, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.asarray(self.search(store, idx, rng).action, dtype=np.int64)


class OraclePlayer:
    """A uniformly random optimal move according to the domain's exact solver."""

    def __init__(self, domain: Domain, name: str = "oracle") -> None:
        from distill.solve import solver_module

        self.domain, self.name = domain, name
        self.solver = solver_module(domain.name)

    def scores(self, store: Any, idx: np.ndarray) -> list[list[int | None]]:
        """Exact score of every action per position (None = illegal), mover's view."""
        return [self.solver.move_scores_state(store[i]) for i in as_index(idx)]

    def select(self, store: Any, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        moves = np.empty(len(idx), dtype=np.int64)
        for b, row in enumerate(self.scores(store, idx)):
            best = max(s for s in row if s is not None)
            options = [a for a, s in enumerate(row) if s == best]
            moves[b] = options[int(rng.integers(len(options)))]
        return moves


__all__ = ["ArenaPlayer", "OraclePlayer", "PolicyPlayer", "RandomPlayer", "SearchPlayer"]
