"""Built-in domains of distill (installed as `distill.domains`).

Each subpackage is one game with a ``make(**kwargs) -> Domain`` factory,
registered in `distill.registry.BUILTIN_DOMAINS`.
"""
