"""Checksummed, atomically written files (replay shards and checkpoints).

A framed file is::

    magic        8 bytes   what the file is (e.g. b"DSTSHARD")
    version      uint32    format version of the payload (little endian)
    length       uint64    payload length in bytes
    sha256       32 bytes  digest of the payload
    payload      `length` bytes

Writes go to a temporary file in the same directory, are flushed and fsynced,
then renamed into place (atomic on POSIX), so a reader never sees half a file and
a crash leaves at most a stray ``.tmp`` file. Reads verify magic, length and
digest and raise `distill.errors.CorruptFileError` naming the file otherwise.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import struct
from pathlib import Path

from distill.errors import CorruptFileError, DistillError

_HEADER = struct.Struct("<8sIQ32s")
TMP_SUFFIX = ".tmp"


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories; the rename is still atomic
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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


def write_framed(
    path: str | Path, payload: bytes, *, magic: bytes, version: int, overwrite: bool
) -> Path:
    """Write `payload` framed with magic/version/length/sha256 to `path`, atomically.

    With ``overwrite=False`` an existing `path` is never replaced: DistillError is
    raised instead (the check and the link are one atomic ``os.link``).
    """
    target = Path(path)
    if len(magic) != 8:
        raise ValueError(f"magic must be 8 bytes, got {magic!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(payload).digest()
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{TMP_SUFFIX}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(_HEADER.pack(magic, version, len(payload), digest))
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            _link_no_overwrite(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(target.parent)
    return target


def read_framed(path: str | Path, *, magic: bytes) -> tuple[int, bytes]:
    """(version, payload) of a framed file, verified; CorruptFileError naming `path` if not."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise CorruptFileError(f"{source}: cannot read: {exc.strerror or exc}") from None
    if len(data) < _HEADER.size:
        raise CorruptFileError(
            f"{source}: truncated ({len(data)} bytes, header alone is {_HEADER.size})"
        )
    found, version, length, digest = _HEADER.unpack_from(data)
    if found != magic:
        raise CorruptFileError(
            f"{source}: not a {magic.decode(errors='replace')} file (magic {found!r})"
        )
    payload = data[_HEADER.size :]
    if len(payload) != length:
        raise CorruptFileError(
            f"{source}: truncated or padded: payload is {len(payload)} bytes, header says {length}"
        )
    if hashlib.sha256(payload).digest() != digest:
        raise CorruptFileError(f"{source}: checksum mismatch (file is corrupt)")
    return int(version), payload
