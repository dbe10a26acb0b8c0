"""Atomic file writes: a file exists whole or not at all, even after ``kill -9``.

Every writer in distill (run state, checkpoints, shards, SGF, position sets, match
results, specialized numba modules) goes through `atomic_write`: the data goes to
a temporary file in the target's directory, is flushed and fsynced, then gets the
target's name by one atomic rename (or hard link, when the target must not be
overwritten), and the directory is fsynced. A crash leaves at most a stray
``.tmp`` file, never half a file under the real name.

Test hook: with ``$DISTILL_TEST_KILL_AT`` set to ``POINT:GLOB:N`` the process kills
itself with SIGKILL the N-th time one of its writes to a file whose name matches GLOB
reaches POINT: ``unnamed`` (the data is fsynced under the temporary name, the rename
has not happened) or ``written`` (the file has its name). `tests/test_resume.py` uses it
to kill ``distill train`` at known steps instead of on a timer. With ``POINT:GLOB:N:parent``
the process SIGKILLs its parent instead (a self-play actor kills the training process
it belongs to, while the other actors are mid-game; the actors die with it).
"""

from __future__ import annotations

import fnmatch
import os
import signal
import tempfile
from pathlib import Path

from distill.errors import DistillError

TMP_SUFFIX = ".tmp"
KILL_ENV = "DISTILL_TEST_KILL_AT"
_kills_seen: dict[str, int] = {}
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read the process umask (os.umask can only be read by setting it)


def atomic_write(
    path: str | Path, data: bytes | str, *, make_parents: bool = True, overwrite: bool = True
) -> Path:
    """Write `data` to `path` atomically (see the module docstring); returns the path.

    With `make_parents` False a missing directory is an OSError, as for ``open``.
    With `overwrite` False an existing `path` is never replaced: DistillError is raised
    instead (the check and the naming are one atomic ``os.link``).
    """
    target = Path(path)
    payload = data.encode() if isinstance(data, str) else data
    if make_parents:
        target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=TMP_SUFFIX)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        _kill_point("unnamed", target)
        if overwrite:
            os.replace(tmp, target)
        else:
            _link_no_overwrite(Path(tmp), target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    _fsync_dir(target.parent)
    _kill_point("written", target)
    return target


def _kill_point(point: str, target: Path) -> None:
    """The test hook of the module docstring: SIGKILL at the N-th matching write."""
    spec = os.environ.get(KILL_ENV)
    if not spec:
        return
    wanted, pattern, count = spec.split(":", 2)
    count, _, whom = count.partition(":")
    if wanted not in ("unnamed", "written") or not count.isdigit() or whom not in ("", "parent"):
        raise ValueError(f"{KILL_ENV}={spec!r}: expected (unnamed|written):GLOB:N[:parent]")
    if wanted == point and fnmatch.fnmatch(target.name, pattern):
        _kills_seen[spec] = _kills_seen.get(spec, 0) + 1
        if _kills_seen[spec] == int(count):
            os.kill(os.getppid() if whom else os.getpid(), signal.SIGKILL)
            if whom:  # wait for the death signal of distill.actors.lifeline, write nothing
                signal.pause()


def _link_no_overwrite(tmp: Path, target: Path) -> None:
    """Give `tmp`'s contents the name `target` unless `target` exists (DistillError then)."""
    try:
        os.link(tmp, target)  # atomic, and fails if target exists: never overwrites
    except FileExistsError:
        raise DistillError(f"{target}: already exists; refusing to overwrite") from None
    except OSError:  # a filesystem without hard links: check, then rename (tiny race window)
        if target.exists():
            raise DistillError(f"{target}: already exists; refusing to overwrite") from None
        os.replace(tmp, target)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories; the rename is still atomic
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["KILL_ENV", "TMP_SUFFIX", "atomic_write"]
