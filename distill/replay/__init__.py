"""Replay: versioned, checksummed shards of self-play positions, and windows over them.

The producer (self-play) writes each round's shard with `write_shard` under
`shard_name`; consumers (the learner's DataModule, evaluation) read with
`ReplayBuffer` / `read_shard`. The layout and its version are defined in
`distill.replay.format`.
"""

from __future__ import annotations

from distill.replay.buffer import ReplayBuffer, ReplayWindow, augment
from distill.replay.files import read_framed, write_framed
from distill.replay.format import FORMAT_VERSION, UPGRADES, upgrade
from distill.replay.shards import (
    Shard,
    layout_problem,
    read_shard,
    shard_meta,
    shard_name,
    write_shard,
)

__all__ = [
    "FORMAT_VERSION",
    "UPGRADES",
    "ReplayBuffer",
    "ReplayWindow",
    "Shard",
    "augment",
    "layout_problem",
    "read_framed",
    "read_shard",
    "shard_meta",
    "shard_name",
    "upgrade",
    "write_framed",
    "write_shard",
]
