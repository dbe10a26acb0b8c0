"""The PettingZoo boundary, both ways.

* `make_pettingzoo_domain` (``distill.make("pettingzoo:connect_four_v3")``): a
  turn-based, two-player, perfect-information PettingZoo AEC env with an
  ``action_mask`` becomes a Python-tier `distill.domain.PythonDomain`.
* `pettingzoo_env`: any distill domain (kernel or Python tier) as a PettingZoo
  AEC env that passes ``pettingzoo.test.api_test``.
"""

from __future__ import annotations

from distill.pettingzoo.adapter import PettingZooGame, make_pettingzoo_domain
from distill.pettingzoo.export import DomainEnv, pettingzoo_env

__all__ = ["DomainEnv", "PettingZooGame", "make_pettingzoo_domain", "pettingzoo_env"]
