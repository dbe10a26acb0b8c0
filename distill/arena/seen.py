"""Which evaluation positions a run has already met in self-play (up to symmetry).

An exact evaluation set is only a test of generalisation where the run never trained on
its positions. Early positions have few distinct boards (Connect Four has a few thousand
with 4 stones), so self-play, with random openings or random moves, visits many of
them. `seen_in_replay` checks each position against every observation in the run's
replay shards, under every board symmetry the learner augments with, so that
`distill eval --seen` can report error rates on the unseen positions apart.

Observations are compared exactly (as int8 bytes): the domain's encoding of a board is a
function of the position, so equal encodings mean the network was given that position.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from distill.domain import Domain, Position
from distill.replay import read_shard


def observation_key(obs: np.ndarray) -> bytes:
    """The exact identity of one observation (C, H, W) as bytes (values as int8)."""
    return np.ascontiguousarray(obs, dtype=np.int8).tobytes()


def replay_keys(replay_dir: Path) -> set[bytes]:
    """Keys of every observation in the shards of `replay_dir` (all kept shards)."""
    keys: set[bytes] = set()
    for path in sorted(replay_dir.glob("*.shard")):
        obs = np.asarray(read_shard(path).arrays["obs"], dtype=np.int8)
        keys.update(row.tobytes() for row in obs)
    return keys


def symmetric_images(domain: Domain, obs: np.ndarray) -> list[np.ndarray]:
    """`obs` (C, H, W) under each of the domain's cell symmetries (identity first)."""
    channels, height, width = obs.shape
    flat = obs.reshape(channels, height * width)
    images = []
    for perm in domain.cell_perms:
        image = np.empty_like(flat)
        image[:, perm] = flat  # the value at cell i moves to cell perm[i]
        images.append(image.reshape(channels, height, width))
    return images


def seen_in_replay(domain: Domain, lines: Sequence[Sequence[int]], replay_dir: Path) -> np.ndarray:
    """bool[N]: whether position n (its moves from the start), or one of its symmetric
    images, was an observation in the run's replay."""
    keys = replay_keys(replay_dir)
    seen = np.zeros(len(lines), dtype=np.bool_)
    for n, moves in enumerate(lines):
        obs = Position(domain).play_all(list(moves)).observe()
        seen[n] = any(observation_key(image) in keys for image in symmetric_images(domain, obs))
    return seen


__all__ = ["observation_key", "replay_keys", "seen_in_replay", "symmetric_images"]
