"""Specialize numba *template modules* for one kernel-tier domain, with on-disk caching.

Why: numba can pass one jitted function to another as an argument, but such
calls are recompiled in every new process (the dispatcher type never matches
the on-disk cache index). Search, rollouts and self-play run millions of
domain-kernel calls, so they must call the kernels as plain module globals.
A template module imports the kernels from `distill._kernel_stubs` on a line
ending in ``# DOMAIN``; `specialize` writes a copy of the template whose marked
line imports the domain's real kernels instead, into the cache directory, and
imports it. Numba's ``cache=True`` then works as for any module, so the second
process starts warm.

The generated file name carries a hash of the sources involved, so editing any
of them makes a fresh module: for a module inside a package, every ``.py`` file of
that package's directory (a template or kernel module calls helpers next to it),
plus any modules it lists in a module-level ``DEPENDS = ("pkg.module", ...)``.
numba alone checks only the timestamp of the file that defines a function, so an
edit in a called function from another file would keep stale machine code: when
a package's hash changes, `specialize` also deletes numba's cache files in that
package's ``__pycache__`` (numba issue #6845).

Before it specializes anything against a kernel module, `specialize` checks the
module's six kernels (`check_kernels`): each must exist, be ``@njit``, take the
arguments distill passes and compile for their types, so a wrong kernel is one
`DistillError` naming the kernel and the signature expected, not a page of numba
typing errors from inside a template.

Cache directory: ``$DISTILL_CACHE_DIR`` or ``$XDG_CACHE_HOME/distill`` or
``~/.cache/distill``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import inspect
import os
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from distill.errors import DistillError

_MARKER = re.compile(r"^from distill\._kernel_stubs import [^\n]*# DOMAIN[ \t]*$", re.M)
_KERNEL_NAMES = "encode, legal, reset, step, terminal, to_play"
_LOADED: dict[tuple[str, str], ModuleType] = {}
_CHECKED: set[str] = set()

#: The per-state kernels of `distill.domain.KernelDomain`, as distill calls them.
KERNEL_SIGNATURES: dict[str, str] = {
    "reset": "reset(state: int64[state_size], params: float64[P]) -> None",
    "step": "step(src: int64[state_size], dst: int64[state_size], action: int64) -> None",
    "legal": "legal(state: int64[state_size], mask: bool[A]) -> int (the number of legal actions)",
    "terminal": "terminal(state: int64[state_size]) -> (bool, float)",
    "to_play": "to_play(state: int64[state_size]) -> int",
    "encode": "encode(state: int64[state_size], out: float32[C, H, W]) -> None",
}


def cache_dir() -> Path:
    """The directory where specialized modules (and numba's caches of them) live."""
    root = os.environ.get("DISTILL_CACHE_DIR")
    if root:
        return Path(root)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "distill"


def _source_of(module_name: str) -> str:
    return inspect.getsource(importlib.import_module(module_name))


def _package_of(module_name: str) -> Path | None:
    """The directory of the package holding `module_name` (None for a top-level module)."""
    file = getattr(importlib.import_module(module_name), "__file__", None)
    return Path(file).resolve().parent if file and "." in module_name else None


def _digest(module_name: str) -> str:
    """Hash of the sources `module_name` compiles from: its package directory's ``.py``
    files (or, for a top-level module, its own source) and its ``DEPENDS``. Pure: reads
    files, changes nothing."""
    module = importlib.import_module(module_name)
    digest = hashlib.sha1()
    package = _package_of(module_name)
    if package is not None:
        digest.update(_package_digest(package).encode())
    else:
        digest.update(inspect.getsource(module).encode())
    for name in getattr(module, "DEPENDS", ()):
        digest.update(_digest(name).encode())
    return digest.hexdigest()


def _packages(module_name: str) -> list[Path]:
    """The package directories whose sources `_digest(module_name)` covers."""
    own = _package_of(module_name)
    found = [own] if own is not None else []
    for name in getattr(importlib.import_module(module_name), "DEPENDS", ()):
        found += _packages(name)
    return found


def _package_digest(package: Path) -> str:
    """Hash of the names and bytes of a package directory's ``.py`` files."""
    digest = hashlib.sha1()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _drop_stale_numba_cache(package: Path, digest: str) -> None:
    """Delete numba's cached code in `package` when its sources changed since last seen."""
    stamps = cache_dir() / "stamps"
    stamp = stamps / f"{hashlib.sha1(str(package).encode()).hexdigest()[:16]}.txt"
    if stamp.exists() and stamp.read_text() == digest:
        return
    for cached in (package / "__pycache__").glob("*.nb[ic]"):
        # A read-only install or a concurrent clean: numba recompiles what it lacks.
        with contextlib.suppress(OSError):
            cached.unlink()
    _write_if_changed(stamps, stamp.name, digest)


def specialize(template_module: str, kernel_module: str) -> ModuleType:
    """Return `template_module` compiled against the kernels of `kernel_module`.

    Args:
        template_module: dotted name of a module with exactly one marked
            ``from distill._kernel_stubs import ... # DOMAIN`` line.
        kernel_module: dotted name of a module defining the six per-state
            ``@njit`` kernels ``reset, step, legal, terminal, to_play, encode``
            (see `distill.domain.KernelDomain`).

    The result is memoized per process; on disk it is reused across processes.
    """
    key = (template_module, kernel_module)
    if key in _LOADED:
        return _LOADED[key]
    check_kernels(kernel_module)
    template = _source_of(template_module)
    if len(_MARKER.findall(template)) != 1:
        raise RuntimeError(f"{template_module} needs exactly one '# DOMAIN' kernel import line")
    header = f"from {kernel_module} import {_KERNEL_NAMES}  # specialized by distill.jit"
    source = _MARKER.sub(header, template)
    fingerprint = _digest(template_module) + _digest(kernel_module)
    for package in {*_packages(template_module), *_packages(kernel_module)}:
        _drop_stale_numba_cache(package, _package_digest(package))
    digest = hashlib.sha1(fingerprint.encode()).hexdigest()[:12]
    stem = f"{template_module.replace('.', '_')}__{kernel_module.replace('.', '_')}"
    path = _write_if_changed(cache_dir() / "specialized", f"{stem}__{digest}.py", source)
    module_name = f"distill._specialized.{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    _LOADED[key] = module
    return module


def _write_if_changed(directory: Path, name: str, source: str) -> Path:
    """Write `source` atomically unless an identical file exists (keeps numba's cache valid)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    if path.exists() and path.read_text() == source:
        return path
    from distill.fileio import atomic_write

    return atomic_write(path, source)


def check_kernels(kernel_module: str) -> None:
    """Check that `kernel_module` defines the six kernels as distill calls them.

    Each kernel must be an ``@njit`` function taking the arguments of
    `KERNEL_SIGNATURES`, compile for the argument types the batched templates pass
    (one C-contiguous row of the store, a ``bool[A]`` mask row, a ``float32[C, H, W]``
    observation, an ``int64`` action), and ``legal``, ``terminal`` and ``to_play``
    must return an integer, a (bool, number) pair and an integer. Compiling here
    costs nothing extra: the templates reuse these compiled versions (or numba's
    on-disk cache of them).

    Raises:
        DistillError: naming the kernel, the signature expected and what is wrong.
    """
    if kernel_module in _CHECKED:
        return
    try:
        module = importlib.import_module(kernel_module)
    except ImportError as exc:
        raise DistillError(f"kernel module {kernel_module} cannot be imported: {exc}") from None
    for name, arg_types in _kernel_arg_types().items():
        _check_kernel(kernel_module, name, getattr(module, name, None), arg_types)
    _CHECKED.add(kernel_module)


def _kernel_arg_types() -> dict[str, tuple[Any, ...]]:
    """numba types of each kernel's arguments, as `distill.kernels_batched` passes them."""
    from numba import types

    row = types.Array(types.int64, 1, "C")
    return {
        "reset": (row, types.Array(types.float64, 1, "C")),
        "step": (row, row, types.int64),
        "legal": (row, types.Array(types.boolean, 1, "C")),
        "terminal": (row,),
        "to_play": (row,),
        "encode": (row, types.Array(types.float32, 3, "C")),
    }


def _check_kernel(module: str, name: str, kernel: Any, arg_types: tuple[Any, ...]) -> None:
    expected = KERNEL_SIGNATURES[name]
    where = f"kernel {module}.{name}"
    if kernel is None:
        raise DistillError(f"{where} is missing; a kernel module defines {expected}")
    if not hasattr(kernel, "py_func") or not hasattr(kernel, "compile"):
        raise DistillError(f"{where} is not an @njit function; expected @njit {expected}")
    try:
        takes = len(inspect.signature(kernel.py_func).parameters)
    except (TypeError, ValueError):
        takes = len(arg_types)
    if takes != len(arg_types):
        plural = "" if takes == 1 else "s"
        raise DistillError(f"{where} takes {takes} argument{plural}; expected {expected}")
    try:
        kernel.compile(arg_types)
    except Exception as exc:  # numba's TypingError and friends: keep the gist, drop the page
        raise DistillError(f"{where} does not compile as {expected}: {_numba_gist(exc)}") from None
    returned = kernel.overloads[arg_types].signature.return_type
    problem = _return_problem(name, returned)
    if problem:
        raise DistillError(f"{where} returns {returned}; expected {expected} ({problem})")


def _return_problem(name: str, returned: Any) -> str:
    """Why `returned` (a numba type) is not what kernel `name` must return ('' if fine)."""
    from numba import types

    if name in ("legal", "to_play"):
        return "" if isinstance(returned, types.Integer) else "an integer is needed"
    if name == "terminal":
        items: tuple[Any, ...] = tuple(getattr(returned, "types", ()))
        pair = isinstance(returned, types.BaseTuple) and len(items) == 2
        if pair and isinstance(items[0], types.Boolean) and isinstance(items[1], types.Number):
            return ""
        return "a pair (is over, value for the player to move) is needed"
    return ""


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _numba_gist(exc: Exception) -> str:
    """The first lines of a numba compile error that say what is wrong, and where."""
    lines = [ln.strip() for ln in _ANSI.sub("", str(exc)).splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith(("Failed in", "During:"))]
    gist = " ".join(lines[:2]) if lines and lines[0].endswith(":") else (lines or [""])[0]
    place = next((ln for ln in lines if ln.startswith("File ")), "")
    return f"{gist} ({place.rstrip(':')})" if place else gist or type(exc).__name__
