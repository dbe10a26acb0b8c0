"""Built-in domains of distill (installed as `distill.domains`).

Each subpackage is one game with a ``make(**kwargs) -> Domain`` factory,
registered in `distill.registry.BUILTIN_DOMAINS`.

`distill.domains()` is also the public function listing domain ids. Importing a
subpackage (``distill.domains.connect4``) makes Python bind this package to the
attribute ``distill.domains``, replacing the function; so the package itself is
callable and does the same thing (see docs/design.md).
"""

from __future__ import annotations

import sys
import types


class _CallablePackage(types.ModuleType):
    def __call__(self) -> list[str]:
        from distill.registry import domains

        return domains()


sys.modules[__name__].__class__ = _CallablePackage
