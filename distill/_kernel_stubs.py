"""Placeholders for a domain's per-state kernels inside template modules.

A *template module* (see `distill.jit`) is numba code written once for every
kernel-tier domain. It imports the six kernels from here on one marked line::

    from distill._kernel_stubs import encode, legal, reset, step, terminal, to_play  # DOMAIN

`distill.jit.specialize` rewrites that line to import the real kernels of a
domain, writes the result to the cache directory and imports it, so numba can
cache the compiled code on disk like any module-level function. These stubs
only give type checkers and linters something to see; calling them is a bug.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def reset(state: np.ndarray, params: np.ndarray) -> None:  # pragma: no cover
    raise RuntimeError("template kernel called without specialization")


@njit(cache=True)
def step(src: np.ndarray, dst: np.ndarray, action: int) -> None:  # pragma: no cover
    raise RuntimeError("template kernel called without specialization")


@njit(cache=True)
def legal(state: np.ndarray, mask: np.ndarray) -> int:  # pragma: no cover
    raise RuntimeError("template kernel called without specialization")


@njit(cache=True)
def terminal(state: np.ndarray) -> tuple[bool, float]:  # pragma: no cover
    raise RuntimeError("template kernel called without specialization")


@njit(cache=True)
def to_play(state: np.ndarray) -> int:  # pragma: no cover
    raise RuntimeError("template kernel called without specialization")


@njit(cache=True)
def encode(state: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    raise RuntimeError("template kernel called without specialization")
