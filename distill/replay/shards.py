"""Writing and reading replay shards (layout in `distill.replay.format`).

Self-play hands finished games to a `ShardWriter` as `GameRecord`s; the writer
packs whole games into shards of about ``positions_per_shard`` positions and
writes each atomically under a new, never reused name, so concurrent writers and
readers need no locks. `read_shard` verifies the checksum, upgrades old versions
and checks the arrays' dtypes and shapes.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from distill.errors import CorruptFileError, ShapeError
from distill.replay.files import read_framed, write_framed
from distill.replay.format import (
    FORMAT_VERSION,
    GAME_DTYPES,
    MAGIC,
    OPTIONAL_POSITION_DTYPES,
    POSITION_DTYPES,
    Arrays,
    upgrade,
)

SHARD_SUFFIX = ".shard"


@dataclass
class GameRecord:
    """One finished (or move-capped) self-play game: T positions where a search ran.

    All per-position values are from the view of the player to move there.
    `final_value` is the value of the state after the last recorded position, for
    `final_player` (the player to move there): the terminal value, or a bootstrap
    value when `truncated` (see `distill.credit`).
    """

    obs: np.ndarray  # [T, C, H, W] float32 (stored as float16)
    mask: np.ndarray  # [T, A] bool
    policy: np.ndarray  # [T, A] float32, search policy target
    root_value: np.ndarray  # [T] float32, q_t
    player: np.ndarray  # [T] int, player to move
    final_value: float
    final_player: int
    generation: int
    truncated: bool = False
    policy_weight: np.ndarray | None = None  # [T] float32; None = all ones
    ownership: np.ndarray | None = None  # [T, H, W] in {-1, 0, 1}; optional

    @property
    def length(self) -> int:
        return int(self.root_value.shape[0])

    def validate(self, obs_shape: tuple[int, ...], num_actions: int) -> None:
        """Raise ShapeError naming the first field whose shape does not fit."""
        t = self.length
        expected: dict[str, tuple[int, ...]] = {
            "obs": (t, *obs_shape),
            "mask": (t, num_actions),
            "policy": (t, num_actions),
            "root_value": (t,),
            "player": (t,),
        }
        if self.policy_weight is not None:
            expected["policy_weight"] = (t,)
        if self.ownership is not None:
            expected["ownership"] = (t, *obs_shape[1:])
        for name, shape in expected.items():
            got = np.shape(getattr(self, name))
            if got != shape:
                raise ShapeError(f"GameRecord.{name} must have shape {shape}, got {got}")
        if t == 0:
            raise ShapeError("GameRecord has no positions")


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


def _check_arrays(path: Path, arrays: Arrays) -> None:
    n = arrays.get("root_value", np.zeros(0)).shape[0]
    g = arrays.get("game_id", np.zeros(0)).shape[0]
    checks = [(k, n, d) for k, d in POSITION_DTYPES.items()]
    checks += [(k, g, d) for k, d in GAME_DTYPES.items()]
    checks += [(k, n, d) for k, d in OPTIONAL_POSITION_DTYPES.items() if k in arrays]
    for key, rows, dtype in checks:
        array = arrays.get(key)
        if array is None or array.dtype != dtype or array.shape[:1] != (rows,):
            got = "missing" if array is None else f"{array.dtype}{list(array.shape)}"
            raise CorruptFileError(
                f"{path}: field {key!r} should be {np.dtype(dtype)}[{rows}, ...], got {got}"
            )
    if int(arrays["game_length"].sum()) != n:
        raise CorruptFileError(
            f"{path}: game lengths sum to {arrays['game_length'].sum()}, "
            f"but the shard has {n} positions"
        )


def read_shard(path: str | Path) -> Shard:
    """Read, verify and upgrade one shard; CorruptFileError naming the file on any defect."""
    source = Path(path)
    version, payload = read_framed(source, magic=MAGIC)
    arrays, meta = _decode_payload(source, payload)
    try:
        arrays = upgrade(arrays, version)
    except (ValueError, KeyError) as exc:
        raise CorruptFileError(f"{source}: cannot read format version {version}: {exc}") from None
    _check_arrays(source, arrays)
    return Shard(source, arrays, meta)


def write_shard_arrays(
    path: str | Path, arrays: Arrays, meta: dict[str, Any], *, version: int = FORMAT_VERSION
) -> Path:
    """Write already-packed arrays as a shard (never overwrites). `version` is for tests
    and converters that must produce an older layout."""
    return write_framed(
        path, encode_payload(arrays, meta), magic=MAGIC, version=version, overwrite=False
    )


def pack_games(games: list[GameRecord], game_ids: np.ndarray) -> Arrays:
    """Concatenate games into the shard arrays (position-major, games in order)."""

    def cat(name: str, dtype: type) -> np.ndarray:
        return np.concatenate([np.asarray(getattr(g, name)) for g in games]).astype(dtype)

    lengths = np.array([g.length for g in games], dtype=np.int32)
    arrays: Arrays = {
        "obs": cat("obs", np.float16),
        "mask": cat("mask", np.bool_),
        "policy": cat("policy", np.float32),
        "root_value": cat("root_value", np.float32),
        "player": cat("player", np.int8),
        "policy_weight": np.concatenate(
            [
                np.ones(g.length, np.float32) if g.policy_weight is None else g.policy_weight
                for g in games
            ]
        ).astype(np.float32),
        "move_index": np.concatenate([np.arange(g.length) for g in games]).astype(np.int32),
        "game_of": np.repeat(game_ids.astype(np.int64), lengths),
        "generation": np.repeat([g.generation for g in games], lengths).astype(np.int32),
        "game_id": game_ids.astype(np.int64),
        "game_final_value": np.array([g.final_value for g in games], dtype=np.float32),
        "game_final_player": np.array([g.final_player for g in games], dtype=np.int8),
        "game_length": lengths,
        "game_truncated": np.array([g.truncated for g in games], dtype=np.bool_),
    }
    if any(g.ownership is not None for g in games):
        if not all(g.ownership is not None for g in games):
            raise ShapeError("ownership must be given for every game of a shard or none")
        arrays["ownership"] = cat("ownership", np.int8)
    return arrays


class ShardWriter:
    """Buffers games and writes them as shards under `root` (the producer side).

    Shard names are ``g{generation:06d}-{time_ns:020d}-{random}.shard`` so that
    sorting names sorts shards oldest to newest. Use as a context manager or call
    `close` so the last partial shard is written.
    """

    def __init__(
        self,
        root: str | Path,
        *,
        domain: str,
        obs_shape: tuple[int, int, int],
        num_actions: int,
        positions_per_shard: int = 4096,
    ) -> None:
        self.root = Path(root)
        self.domain = domain
        self.obs_shape = tuple(obs_shape)
        self.num_actions = int(num_actions)
        self.positions_per_shard = int(positions_per_shard)
        self._games: list[GameRecord] = []
        self._buffered = 0
        # 40 random bits + a 23-bit counter: game ids unique across concurrent writers.
        self._id_base = secrets.randbits(40) << 23
        self._next_game = 0
        self.written: list[Path] = []

    def add_game(self, game: GameRecord) -> Path | None:
        """Buffer one game; returns the shard path if this call wrote a shard."""
        game.validate(self.obs_shape, self.num_actions)
        self._games.append(game)
        self._buffered += game.length
        return self.flush() if self._buffered >= self.positions_per_shard else None

    def flush(self) -> Path | None:
        """Write the buffered games as one shard now (None if nothing is buffered)."""
        if not self._games:
            return None
        count = len(self._games)
        ids = self._id_base + self._next_game + np.arange(count, dtype=np.int64)
        self._next_game += count
        arrays = pack_games(self._games, ids)
        generation = max(g.generation for g in self._games)
        name = f"g{generation:06d}-{time.time_ns():020d}-{secrets.token_hex(4)}{SHARD_SUFFIX}"
        meta = {
            "domain": self.domain,
            "obs_shape": list(self.obs_shape),
            "num_actions": self.num_actions,
            "writer_pid": os.getpid(),
        }
        path = write_shard_arrays(self.root / name, arrays, meta)
        self._games, self._buffered = [], 0
        self.written.append(path)
        return path

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
