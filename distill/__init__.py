"""distill: search distillation from tic-tac-toe to 19x19 Go.

The public API is what `__all__` lists; everything else may change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from distill.domain import Domain, Game, KernelDomain, ObjectStore, Position, PythonDomain
from distill.errors import (
    ConfigError,
    CorruptFileError,
    DistillError,
    IllegalActionError,
    MoveParseError,
    ShapeError,
    UnknownDomainError,
)
from distill.logits import ILLEGAL_LOGIT
from distill.registry import list_domains, make

if TYPE_CHECKING:
    from distill.credit import ValueTargetConfig, lambda_returns, value_targets
    from distill.inference import NetEvaluator
    from distill.nets import NetConfig, build_net
    from distill.pettingzoo.export import pettingzoo_env
    from distill.recipe import Recipe, load_recipe
    from distill.search import (
        RolloutEvaluator,
        SearchConfig,
        Searcher,
        SearchResult,
        uniform_evaluator,
    )
    from distill.solve import solve_moves
    from distill.testing import check_domain

#: Public names imported on first use (torch, Lightning and PettingZoo are slow to import).
_LAZY: dict[str, str] = {
    "NetConfig": "distill.nets",
    "NetEvaluator": "distill.inference",
    "Recipe": "distill.recipe",
    "RolloutEvaluator": "distill.search",
    "SearchConfig": "distill.search",
    "SearchResult": "distill.search",
    "Searcher": "distill.search",
    "ValueTargetConfig": "distill.credit",
    "build_net": "distill.nets",
    "check_domain": "distill.testing",
    "lambda_returns": "distill.credit",
    "load_recipe": "distill.recipe",
    "pettingzoo_env": "distill.pettingzoo.export",
    "solve_moves": "distill.solve",
    "uniform_evaluator": "distill.search",
    "value_targets": "distill.credit",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'distill' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "ILLEGAL_LOGIT",
    "ConfigError",
    "CorruptFileError",
    "DistillError",
    "Domain",
    "Game",
    "IllegalActionError",
    "KernelDomain",
    "MoveParseError",
    "NetConfig",
    "NetEvaluator",
    "ObjectStore",
    "Position",
    "PythonDomain",
    "Recipe",
    "RolloutEvaluator",
    "SearchConfig",
    "SearchResult",
    "Searcher",
    "ShapeError",
    "UnknownDomainError",
    "ValueTargetConfig",
    "__version__",
    "build_net",
    "check_domain",
    "lambda_returns",
    "list_domains",
    "load_recipe",
    "make",
    "pettingzoo_env",
    "solve_moves",
    "uniform_evaluator",
    "value_targets",
]
