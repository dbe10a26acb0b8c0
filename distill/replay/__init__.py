"""Replay: versioned, checksummed shards of self-play positions, and windows over them.

Producers (self-play) write with `ShardWriter`; consumers (the learner's
DataModule, evaluation) read with `ReplayBuffer` / `read_shard`. The layout and
its version are defined in `distill.replay.format`.
"""

from __future__ import annotations

from distill.replay.buffer import ReplayBuffer, ReplayWindow, augment
from distill.replay.files import read_framed, write_framed
from distill.replay.format import FORMAT_VERSION, UPGRADES, upgrade
from distill.replay.shards import (
    GameRecord,
    Shard,
    ShardWriter,
    pack_games,
    read_shard,
    write_shard_arrays,
)

__all__ = [
    "FORMAT_VERSION",
    "UPGRADES",
    "GameRecord",
    "ReplayBuffer",
    "ReplayWindow",
    "Shard",
    "ShardWriter",
    "augment",
    "pack_games",
    "read_framed",
    "read_shard",
    "upgrade",
    "write_framed",
    "write_shard_arrays",
]
