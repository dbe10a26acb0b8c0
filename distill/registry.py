"""The domain registry: one literal, greppable table, imported lazily.

``distill.make("connect4")`` imports ``distill.domains.connect4`` only when asked.
Ids of the form ``"pettingzoo:<env>"`` (e.g. ``"pettingzoo:connect_four_v3"``)
wrap a PettingZoo AEC environment through the Python-tier adapter. Third-party
packages add domains through the entry-point group ``distill.domains``::

    [project.entry-points."distill.domains"]
    my_game = "my_package.my_game:make"

where ``make(**kwargs)`` returns a `distill.domain.Domain`. Whatever a plugin gets
wrong (a missing module, a wrong attribute, a factory that raises or returns
something else, keyword arguments it does not take) is one `DistillError` line
naming the plugin, never a traceback.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from distill.domain import Domain
from distill.errors import ConfigError, DistillError, UnknownDomainError

ENTRY_POINT_GROUP = "distill.domains"

#: id -> "module:factory". Keep sorted; this is the whole built-in list.
BUILTIN_DOMAINS: dict[str, str] = {
    "connect4": "distill.domains.connect4:make",
    "go": "distill.domains.go:make",
    "tictactoe": "distill.domains.tictactoe:make",
}


def _plugins() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def list_domains() -> list[str]:
    """All known domain ids: built-ins, then installed plugins (sorted)."""
    return sorted(BUILTIN_DOMAINS) + sorted(set(_plugins()) - set(BUILTIN_DOMAINS))


def make(domain_id: str, **kwargs: Any) -> Domain:
    """Build a domain by id, e.g. ``make("go", size=9, komi=7.5)``.

    Raises UnknownDomainError listing the known ids when `domain_id` is unknown,
    ConfigError naming the accepted keyword arguments when `kwargs` do not fit, and
    DistillError naming the plugin when its entry point or factory is broken.
    """
    if domain_id.startswith("pettingzoo:"):
        from distill.pettingzoo.adapter import make_pettingzoo_domain

        return make_pettingzoo_domain(domain_id.split(":", 1)[1], **kwargs)
    if domain_id in BUILTIN_DOMAINS:
        target = BUILTIN_DOMAINS[domain_id]
        return _build(domain_id, _load(domain_id, target, lambda: _import(target)), kwargs)
    plugins = _plugins()
    if domain_id in plugins:
        entry = plugins[domain_id]
        return _build(domain_id, _load(domain_id, entry.value, entry.load), kwargs)
    known = ", ".join(list_domains())
    raise UnknownDomainError(
        f"unknown domain {domain_id!r}; known domains: {known}; "
        "or 'pettingzoo:<env>' for a PettingZoo classic env (e.g. pettingzoo:connect_four_v3)"
    )


def _import(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def _load(domain_id: str, target: str, load: Callable[[], Any]) -> Callable[..., Any]:
    """The factory behind `target` ("module:attribute"); DistillError naming what is wrong."""
    try:
        factory = load()
    except ImportError as exc:  # the module or one of its dependencies is missing
        raise DistillError(f"domain {domain_id!r} ({target}) cannot be imported: {exc}") from None
    except AttributeError as exc:
        raise DistillError(f"domain {domain_id!r}: {target} names nothing: {exc}") from None
    except Exception as exc:  # a plugin module that fails while importing
        raise DistillError(
            f"domain {domain_id!r}: importing {target} failed: {type(exc).__name__}: {exc}"
        ) from None
    if not callable(factory):
        raise DistillError(f"domain {domain_id!r}: {target} is not a callable make(**kwargs)")
    return factory  # type: ignore[no-any-return]


def _build(domain_id: str, factory: Callable[..., Any], kwargs: dict[str, Any]) -> Domain:
    """factory(**kwargs), with kwargs checked against its signature first."""
    accepted = _accepted_kwargs(factory)
    if accepted is not None:
        unexpected = sorted(set(kwargs) - set(accepted))
        if unexpected:
            names = ", ".join(accepted) or "none"
            raise ConfigError(
                f"domain {domain_id!r} does not take {', '.join(unexpected)}; "
                f"its keyword arguments: {names}"
            )
    try:
        domain = factory(**kwargs)
    except DistillError:
        raise
    except Exception as exc:  # a plugin's own bug or check: one line naming it
        raise DistillError(
            f"domain {domain_id!r}: make({_show(kwargs)}) failed: {type(exc).__name__}: {exc}"
        ) from None
    if not isinstance(domain, Domain):
        raise DistillError(
            f"domain {domain_id!r}: make() returned {type(domain).__name__}, not a Domain"
        )
    return domain


def _accepted_kwargs(factory: Callable[..., Any]) -> list[str] | None:
    """Names `factory` accepts as keywords, or None when it takes any (``**kwargs``)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    keyword_kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in parameters if p.kind in keyword_kinds]


def _show(kwargs: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


__all__ = ["BUILTIN_DOMAINS", "ENTRY_POINT_GROUP", "list_domains", "make"]
