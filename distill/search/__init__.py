"""Batched numba MCTS: PUCT and Gumbel root search over B games with shared tree arrays.

Public API (everything else in `distill.search` may change)::

    config = SearchConfig(algorithm="puct", num_simulations=400)
    searcher = Searcher(domain, evaluator, batch_size=B, config=config)
    result = searcher.run(store, idx, rng)      # SearchResult, arrays [B, A] / [B]
    searcher.advance(result.action)             # after playing the moves: keep subtrees

Values are from the perspective of the player to move at the searched position.
"""

from __future__ import annotations

from distill.search.config import SearchConfig, SearchResult
from distill.search.evaluators import (
    Evaluator,
    RolloutEvaluator,
    ScoredEvaluator,
    StateEvaluator,
    UniformEvaluator,
    uniform_evaluator,
)
from distill.search.searcher import Searcher
from distill.search.symmetric import SymmetricEvaluator

__all__ = [
    "Evaluator",
    "RolloutEvaluator",
    "ScoredEvaluator",
    "SearchConfig",
    "SearchResult",
    "Searcher",
    "StateEvaluator",
    "SymmetricEvaluator",
    "UniformEvaluator",
    "uniform_evaluator",
]
