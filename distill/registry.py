"""The domain registry: one literal, greppable table, imported lazily.

``distill.make("connect4")`` imports ``distill.domains.connect4`` only when asked.
Ids of the form ``"pettingzoo:<env>"`` (e.g. ``"pettingzoo:connect_four_v3"``)
wrap a PettingZoo AEC environment through the Python-tier adapter. Third-party
packages add domains through the entry-point group ``distill.domains``::

    [project.entry-points."distill.domains"]
    my_game = "my_package.my_game:make"

where ``make(**kwargs)`` returns a `distill.domain.Domain`.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from typing import Any

from distill.domain import Domain
from distill.errors import DistillError, UnknownDomainError

ENTRY_POINT_GROUP = "distill.domains"

#: id -> "module:factory". Keep sorted; this is the whole built-in list.
BUILTIN_DOMAINS: dict[str, str] = {
    "connect4": "distill.domains.connect4:make",
    "go": "distill.domains.go:make",
    "tictactoe": "distill.domains.tictactoe:make",
}

#: Optional dependency per built-in id, for the error message when it is missing.
_EXTRAS: dict[str, str] = {}


def _plugins() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def domains() -> list[str]:
    """All known domain ids: built-ins, then installed plugins (sorted)."""
    return sorted(BUILTIN_DOMAINS) + sorted(set(_plugins()) - set(BUILTIN_DOMAINS))


def make(domain_id: str, **kwargs: Any) -> Domain:
    """Build a domain by id, e.g. ``make("go", size=9, komi=7.5)``.

    Raises UnknownDomainError listing the known ids when `domain_id` is unknown.
    """
    if domain_id.startswith("pettingzoo:"):
        from distill.pettingzoo.adapter import make_pettingzoo_domain

        return make_pettingzoo_domain(domain_id.split(":", 1)[1], **kwargs)
    if domain_id in BUILTIN_DOMAINS:
        module_name, factory_name = BUILTIN_DOMAINS[domain_id].split(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:  # an optional dependency of this domain is missing
            extra = _EXTRAS.get(domain_id)
            hint = f"; run: pip install 'distill[{extra}]'" if extra else ""
            raise DistillError(f"domain {domain_id!r} cannot be imported: {exc}{hint}") from exc
        return getattr(module, factory_name)(**kwargs)  # type: ignore[no-any-return]
    plugins = _plugins()
    if domain_id in plugins:
        return plugins[domain_id].load()(**kwargs)  # type: ignore[no-any-return]
    known = ", ".join(domains())
    raise UnknownDomainError(
        f"unknown domain {domain_id!r}; known domains: {known}; "
        "or 'pettingzoo:<env>' for a PettingZoo classic env (e.g. pettingzoo:connect_four_v3)"
    )
