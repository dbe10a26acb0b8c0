"""distill: search distillation from tic-tac-toe to 19x19 Go.

The public API is what `__all__` lists; everything else may change.
"""

from __future__ import annotations

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
]
