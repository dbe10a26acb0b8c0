"""Errors that are the user's to fix.

Every exception a user can cause by bad input (an unknown domain id, an illegal
move, a malformed recipe, a corrupt checkpoint...) derives from `DistillError`.
The CLI prints its message on one line and exits non-zero, with no traceback;
anything else is a bug in distill and keeps its traceback.
"""

from __future__ import annotations


class DistillError(Exception):
    """Base class of user-facing errors: the message names what is wrong and where."""


class UnknownDomainError(DistillError, KeyError):
    """A domain id that the registry does not know (the message lists the known ones)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class IllegalActionError(DistillError, ValueError):
    """An action that is not legal in the position it was played in."""


class MoveParseError(DistillError, ValueError):
    """A move string that does not name an action of the domain."""


class ShapeError(DistillError, ValueError):
    """An array whose shape or dtype does not match what the API documents."""


class ConfigError(DistillError, ValueError):
    """A malformed recipe or configuration value (the message names the field)."""


class CorruptFileError(DistillError, OSError):
    """A checkpoint, shard or other file that fails to load or verify."""
