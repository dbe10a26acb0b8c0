"""Checksummed, atomically written files (replay shards and checkpoints).

A framed file is::

    magic        8 bytes   what the file is (e.g. b"DSTSHARD")
    version      uint32    format version of the payload (little endian)
    length       uint64    payload length in bytes
    sha256       32 bytes  digest of the payload
    payload      `length` bytes

Writes go through `distill.fileio.atomic_write`, so a reader never sees half a
file and a crash leaves at most a stray ``.tmp`` file. Reads verify magic, length and
digest and raise `distill.errors.CorruptFileError` naming the file otherwise.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path

from distill.errors import CorruptFileError
from distill.fileio import atomic_write

_HEADER = struct.Struct("<8sIQ32s")


def write_framed(
    path: str | Path, payload: bytes, *, magic: bytes, version: int, overwrite: bool
) -> Path:
    """Write `payload` framed with magic/version/length/sha256 to `path`, atomically
    (`distill.fileio.atomic_write`; with ``overwrite=False`` an existing file is never
    replaced: DistillError)."""
    if len(magic) != 8:
        raise ValueError(f"magic must be 8 bytes, got {magic!r}")
    digest = hashlib.sha256(payload).digest()
    header = _HEADER.pack(magic, version, len(payload), digest)
    return atomic_write(path, header + payload, overwrite=overwrite)


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
