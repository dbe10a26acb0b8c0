"""Guards `distill.jit.check_kernels`: a kernel module whose kernels are missing, not
@njit, take other arguments, do not compile for the types distill passes, or return the
wrong kind of value is one DistillError naming the kernel and the signature expected,
not a page of numba typing errors. Each case is a small module written for the test."""

from __future__ import annotations

import importlib
import itertools
import textwrap

import pytest

from distill.errors import DistillError
from distill.jit import KERNEL_SIGNATURES, check_kernels

GOOD = {
    "reset": "def reset(state, params):\n    state[:] = 0",
    "step": "def step(src, dst, action):\n    dst[:] = src\n    dst[0] += 1",
    "legal": "def legal(state, mask):\n    mask[:] = state[0] < 3\n    return mask.sum()",
    "terminal": "def terminal(state):\n    return state[0] >= 3, 0.0",
    "to_play": "def to_play(state):\n    return state[0] % 2",
    "encode": "def encode(state, out):\n    out[0, 0, 0] = state[0]",
}
_names = itertools.count()


def kernel_module(tmp_path, monkeypatch, **changes: str | None) -> str:
    """Write a kernel module with `GOOD` kernels, `changes` replacing (None: removing) some."""
    name = f"kernels_case_{next(_names)}"
    parts = ["from numba import njit"]
    for source in {**GOOD, **changes}.values():
        if source is not None:
            decorator = "" if source.startswith("# plain") else "@njit(cache=False)\n"
            parts.append(decorator + textwrap.dedent(source))
    (tmp_path / f"{name}.py").write_text("\n\n\n".join(parts) + "\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return name


def test_good_kernels_pass(tmp_path, monkeypatch):
    check_kernels(kernel_module(tmp_path, monkeypatch))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"encode": None}, "encode is missing"),
        ({"to_play": "# plain\ndef to_play(state):\n    return 0"}, "to_play is not an @njit"),
        ({"legal": "def legal(state):\n    return 1"}, "legal takes 1 argument; expected"),
        ({"step": "def step(src, action):\n    pass"}, "step takes 2 arguments; expected"),
        (
            {"encode": "def encode(state, out):\n    out[0, 0] = state[0] + 'x'"},
            "encode does not compile as encode(state: int64[state_size], out: float32[C, H, W])",
        ),
        (
            {"terminal": "def terminal(state):\n    return state[0] > 2"},
            "terminal returns bool; expected terminal(state: int64[state_size]) -> (bool, float)",
        ),
        ({"legal": "def legal(state, mask):\n    return 1.5"}, "an integer is needed"),
        ({"to_play": "def to_play(state):\n    return None"}, "to_play returns none"),
    ],
    ids=["missing", "not-njit", "arity-1", "arity-2", "typing", "terminal", "legal", "to_play"],
)
def test_a_broken_kernel_is_named_with_its_signature(tmp_path, monkeypatch, changes, message):
    module = kernel_module(tmp_path, monkeypatch, **changes)
    with pytest.raises(DistillError) as info:
        check_kernels(module)
    text = str(info.value)
    assert message in text and "\n" not in text
    (kernel,) = changes
    assert f"kernel {module}.{kernel}" in text
    assert KERNEL_SIGNATURES[kernel].split(" ->")[0] in text or "is not an @njit" in text
