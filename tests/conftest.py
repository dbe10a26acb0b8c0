"""Shared test fixtures."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from distill.flywheel.selfplay import SelfPlayBatch


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op thread: on a small shared CPU, OpenMP threads waiting on each other
    cost far more than they gain for these tiny nets. Restored afterwards."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def make_synthetic_batch(
    rng: np.random.Generator,
    lengths: list[int],
    obs_shape: tuple[int, int, int],
    num_actions: int,
    *,
    ownership: bool = False,
    score: bool = False,
) -> SelfPlayBatch:
    """A `SelfPlayBatch` of random games of the given lengths (players alternate from 0;
    each game's final state: player `length % 2` to move, value -1), for replay and
    learner tests that need shards written by the one writer without playing games.
    Tests import it (``from conftest import make_synthetic_batch``)."""
    n, g = int(sum(lengths)), len(lengths)
    policy = rng.random((n, num_actions)).astype(np.float32)
    game = np.repeat(np.arange(g), lengths)
    ply = np.concatenate([np.arange(k) for k in lengths]).astype(np.int32)
    return SelfPlayBatch(
        obs=(rng.random((n, *obs_shape)) < 0.4).astype(np.float32),
        mask=rng.random((n, num_actions)) < 0.7,
        policy=policy / policy.sum(axis=1, keepdims=True),
        root_value=rng.uniform(-1, 1, n).astype(np.float32),
        to_play=(ply % 2).astype(np.int8),
        full_search=rng.random(n) < 0.7,
        game=game.astype(np.int64),
        ply=ply,
        action=np.zeros(n, np.int64),
        final_value=np.full(g, -1.0, np.float32),
        final_player=(np.array(lengths) % 2).astype(np.int8),
        length=np.array(lengths, np.int32),
        resigned=np.zeros(g, np.bool_),
        truncated=np.zeros(g, np.bool_),
        would_resign=np.zeros(g, np.bool_),
        false_resign=np.zeros(g, np.bool_),
        final_ownership=rng.integers(-1, 2, (g, *obs_shape[1:])).astype(np.int8)
        if ownership
        else None,
        final_score=rng.uniform(-9, 9, g).astype(np.float32) if score else None,
    )
