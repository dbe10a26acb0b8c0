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
from distill.registry import domains, make

if TYPE_CHECKING:
    from distill.pettingzoo.export import pettingzoo_env


def __getattr__(name: str) -> Any:
    # Imported on first use: PettingZoo adds a quarter second to `import distill`.
    if name == "pettingzoo_env":
        from distill.pettingzoo.export import pettingzoo_env

        return pettingzoo_env
    raise AttributeError(f"module 'distill' has no attribute {name!r}")

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "CorruptFileError",
    "DistillError",
    "Domain",
    "Game",
    "IllegalActionError",
    "KernelDomain",
    "MoveParseError",
    "ObjectStore",
    "Position",
    "PythonDomain",
    "ShapeError",
    "UnknownDomainError",
    "__version__",
    "domains",
    "make",
    "pettingzoo_env",
]
