"""hex3 (tests/plugins/hex3.py) with a ``legal`` kernel of the wrong signature: it takes
no mask (distill calls ``legal(state, mask) -> int``)."""

from __future__ import annotations

import dataclasses

import hex3
from hex3 import encode, reset, step, terminal, to_play  # noqa: F401  (the kernel module)
from numba import njit

DEPENDS = ("hex3",)


@njit(cache=True)
def legal(state):  # BUG: no mask argument
    return hex3.CELLS - state[hex3.STONES]


def make():
    return dataclasses.replace(hex3.make(), name="hex3-bad-signature", kernel_module=__name__)
