"""Built-in domains of distill, installed as the subpackage `distill.domains`.

Each subpackage is one game with a ``make(**kwargs) -> Domain`` factory, registered
in `distill.registry.BUILTIN_DOMAINS`; `distill.list_domains()` lists them with the
installed plugins. A domain imports only the domain contract (`distill.domain`,
`distill.errors`, `distill.symmetry`, `distill.fileio`) and its own modules.
"""
