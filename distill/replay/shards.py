"""Writing and reading replay shards (layout in `distill.replay.format`).

`write_shard` is the one writer: self-play packs a round's games into the shard arrays
(`distill.flywheel.selfplay.SelfPlayBatch.shard_arrays`) and writes them atomically
under `shard_name` (generation, round), a name never reused, so readers need no locks
and a redone round writes the same file. `read_shard` verifies the checksum, upgrades
old versions and checks the arrays' dtypes and shapes.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from distill.domain import Domain
from distill.errors import CorruptFileError, ShapeError
from distill.replay.files import read_framed, write_framed
from distill.replay.format import (
    FORMAT_VERSION,
    GAME_DTYPES,
    MAGIC,
    OPTIONAL_GAME_DTYPES,
    OPTIONAL_POSITION_DTYPES,
    POSITION_DTYPES,
    Arrays,
    upgrade,
)

SHARD_SUFFIX = ".shard"


def shard_name(generation: int, round_index: int) -> str:
    """File name of the shard of self-play round `round_index` of 0-based `generation`.

    Names sort oldest first (generation, then round), which is the order
    `ReplayBuffer.shards` reads them in.
    """
    return f"g{generation:06d}-r{round_index:04d}{SHARD_SUFFIX}"


def shard_meta(domain: Domain) -> dict[str, Any]:
    """The metadata a shard records about its game (name, observation shape, actions)."""
    return {
        "domain": domain.name,
        "obs_shape": list(domain.obs_shape),
        "num_actions": domain.num_actions,
    }


@dataclass
class Shard:
    """A verified shard in memory: position arrays [N, ...], game arrays [G], metadata."""

    path: Path
    arrays: Arrays
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def num_positions(self) -> int:
        return int(self.arrays["root_value"].shape[0])

    @property
    def num_games(self) -> int:
        return int(self.arrays["game_id"].shape[0])


def encode_payload(arrays: Arrays, meta: dict[str, Any]) -> bytes:
    """The .npz bytes of `arrays` plus ``__meta__`` (JSON)."""
    buffer = io.BytesIO()
    blob = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    np.savez(buffer, __meta__=blob, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def _decode_payload(path: Path, payload: bytes) -> tuple[Arrays, dict[str, Any]]:
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
        meta = json.loads(arrays.pop("__meta__").tobytes().decode())
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise CorruptFileError(f"{path}: shard payload does not decode: {exc}") from None
    return arrays, meta


def layout_problem(arrays: Arrays) -> str | None:
    """What is wrong with shard arrays of the current layout (`distill.replay.format`),
    or None: a missing field, a wrong dtype, a row count that does not fit."""
    n = arrays.get("root_value", np.zeros(0)).shape[0]
    g = arrays.get("game_id", np.zeros(0)).shape[0]
    checks = [(k, n, d) for k, d in POSITION_DTYPES.items()]
    checks += [(k, g, d) for k, d in GAME_DTYPES.items()]
    checks += [(k, g, d) for k, d in OPTIONAL_GAME_DTYPES.items() if k in arrays]
    checks += [(k, n, d) for k, d in OPTIONAL_POSITION_DTYPES.items() if k in arrays]
    for key, rows, dtype in checks:
        array = arrays.get(key)
        if array is None or array.dtype != dtype or array.shape[:1] != (rows,):
            got = "missing" if array is None else f"{array.dtype}{list(array.shape)}"
            return f"field {key!r} should be {np.dtype(dtype)}[{rows}, ...], got {got}"
    if int(arrays["game_length"].sum()) != n:
        return f"game lengths sum to {arrays['game_length'].sum()}, but the shard has {n} positions"
    board = arrays["obs"].shape[2:]
    if "game_ownership" in arrays and arrays["game_ownership"].shape[1:] != board:
        shape = list(arrays["game_ownership"].shape)
        return f"field 'game_ownership' should be int8[{g}, {board[0]}, {board[1]}], got {shape}"
    known = {*POSITION_DTYPES, *GAME_DTYPES, *OPTIONAL_GAME_DTYPES, *OPTIONAL_POSITION_DTYPES}
    unknown = set(arrays) - known
    if unknown:
        return f"unknown fields {sorted(unknown)}"
    return None


def read_shard(path: str | Path) -> Shard:
    """Read, verify and upgrade one shard; CorruptFileError naming the file on any defect."""
    source = Path(path)
    version, payload = read_framed(source, magic=MAGIC)
    arrays, meta = _decode_payload(source, payload)
    try:
        arrays = upgrade(arrays, version)
    except (ValueError, KeyError) as exc:
        raise CorruptFileError(f"{source}: cannot read format version {version}: {exc}") from None
    problem = layout_problem(arrays)
    if problem is not None:
        raise CorruptFileError(f"{source}: {problem}")
    return Shard(source, arrays, meta)


def write_shard(
    path: str | Path, arrays: Arrays, meta: dict[str, Any], *, version: int = FORMAT_VERSION
) -> Path:
    """Write shard arrays (layout in `distill.replay.format`) to `path`, atomically; never
    overwrites (DistillError if `path` exists). Arrays that do not fit the current layout
    are a ShapeError naming the field, and nothing is written. `version` is for tests and
    converters that must produce an older layout (not checked then)."""
    if version == FORMAT_VERSION:
        problem = layout_problem(arrays)
        if problem is not None:
            raise ShapeError(f"cannot write shard {path}: {problem}")
    return write_framed(
        path, encode_payload(arrays, meta), magic=MAGIC, version=version, overwrite=False
    )
