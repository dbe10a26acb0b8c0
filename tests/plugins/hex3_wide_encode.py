"""hex3 (tests/plugins/hex3.py) with a broken ``encode``: it writes a third plane into
``out: float32[2, 3, 3]``. numba does not bounds-check, so run compiled this writes past
the buffer and corrupts the heap (``malloc(): invalid size``); check_domain must stop it
first."""

from __future__ import annotations

import dataclasses

import hex3
from hex3 import legal, reset, step, terminal, to_play  # noqa: F401  (the kernel module)
from numba import njit

DEPENDS = ("hex3",)


@njit(cache=True)
def encode(state, out):
    for i in range(hex3.CELLS):
        if state[i] != 0:
            out[state[i], i // hex3.N, i % hex3.N] = 1.0  # BUG: plane 2 does not exist
    out[2, 0, 0] = 1.0


def make():
    return dataclasses.replace(hex3.make(), name="hex3-wide-encode", kernel_module=__name__)
