"""Guards `distill.replay`: shard round trip, checksum/truncation detection, no overwrite,
the version-upgrade path, window selection with per-game value targets, and symmetry
augmentation that keeps observations, policy targets and masks consistent."""

from __future__ import annotations

import numpy as np
import pytest

import distill
from distill.credit import ValueTargetConfig
from distill.errors import CorruptFileError, DistillError
from distill.replay import (
    FORMAT_VERSION,
    GameRecord,
    ReplayBuffer,
    ShardWriter,
    augment,
    pack_games,
    read_shard,
    write_shard_arrays,
)
from distill.symmetry import mirror_perms

OBS, A = (2, 3, 3), 9


def random_game(rng: np.random.Generator, length: int, generation: int = 0) -> GameRecord:
    policy = rng.random((length, A)).astype(np.float32)
    return GameRecord(
        obs=(rng.random((length, *OBS)) < 0.4).astype(np.float32),
        mask=rng.random((length, A)) < 0.7,
        policy=policy / policy.sum(axis=1, keepdims=True),
        root_value=rng.uniform(-1, 1, length).astype(np.float32),
        player=np.arange(length) % 2,
        final_value=-1.0,
        final_player=length % 2,
        generation=generation,
        policy_weight=rng.random(length).astype(np.float32),
    )


def write_games(root, lengths, per_shard, generation=0, seed=0):
    rng = np.random.default_rng(seed)
    games = [random_game(rng, n, generation) for n in lengths]
    with ShardWriter(
        root, domain="tictactoe", obs_shape=OBS, num_actions=A, positions_per_shard=per_shard
    ) as writer:
        for game in games:
            writer.add_game(game)
    return games, writer.written


def test_round_trip(tmp_path):
    games, paths = write_games(tmp_path, [5, 7, 3], per_shard=10)
    assert len(paths) == 2  # 5 + 7 >= 10 flushes; the 3 are flushed on close
    first = read_shard(paths[0])
    assert first.num_positions == 12 and first.num_games == 2
    np.testing.assert_array_equal(first.arrays["obs"][:5], games[0].obs)
    np.testing.assert_array_equal(first.arrays["policy"][5:], games[1].policy)
    np.testing.assert_array_equal(first.arrays["mask"][:5], games[0].mask)
    np.testing.assert_array_equal(first.arrays["move_index"], [*range(5), *range(7)])
    np.testing.assert_array_equal(first.arrays["game_length"], [5, 7])
    assert len(set(first.arrays["game_id"])) == 2
    assert first.meta["domain"] == "tictactoe"


def test_flipped_byte_and_truncation_are_detected(tmp_path):
    _, (path, *_) = write_games(tmp_path, [6], per_shard=100)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError, match=f"{path.name}.*checksum"):
        read_shard(path)
    path.write_bytes(bytes(data[: len(data) - 10]))
    with pytest.raises(CorruptFileError, match=f"{path.name}.*truncated"):
        read_shard(path)
    path.write_bytes(bytes(data[:20]))
    with pytest.raises(CorruptFileError, match="truncated"):
        read_shard(path)


def test_writes_never_overwrite(tmp_path):
    _, (path,) = write_games(tmp_path, [4], per_shard=100)
    before = path.read_bytes()
    arrays = read_shard(path).arrays
    with pytest.raises(DistillError, match="already exists"):
        write_shard_arrays(path, arrays, {})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no stray temp file


def test_version_1_shard_is_upgraded(tmp_path):
    rng = np.random.default_rng(1)
    arrays = pack_games([random_game(rng, 4), random_game(rng, 3)], np.array([10, 11]))
    arrays["generation"] = np.array(7)  # version 1: one shard-wide scalar
    del arrays["policy_weight"]  # version 1 had no policy weights
    path = write_shard_arrays(tmp_path / "g000007-old.shard", arrays, {}, version=1)
    shard = read_shard(path)
    np.testing.assert_array_equal(shard.arrays["generation"], np.full(7, 7))
    np.testing.assert_array_equal(shard.arrays["policy_weight"], np.ones(7))
    newer = write_shard_arrays(
        tmp_path / "future.shard", shard.arrays, {}, version=FORMAT_VERSION + 1
    )
    with pytest.raises(CorruptFileError, match=r"future\.shard.*newer"):
        read_shard(newer)


def test_window_keeps_the_most_recent_positions(tmp_path):
    for gen, lengths in enumerate([[4, 4], [5], [3, 2]]):
        write_games(tmp_path, lengths, per_shard=100, generation=gen, seed=gen)
    buffer = ReplayBuffer(tmp_path)
    assert len(buffer.shards()) == 3
    window = buffer.window(7)
    assert len(window) == 7
    # newest shard (5 positions: games of 3 and 2) plus the last 2 of the 5-long game.
    np.testing.assert_array_equal(window.arrays["generation"], [1, 1, 2, 2, 2, 2, 2])
    np.testing.assert_array_equal(window.arrays["move_index"], [3, 4, 0, 1, 2, 0, 1])
    assert window.shards == buffer.shards()[1:]
    assert len(buffer.window(1000)) == 18
    # z targets: final_value -1 for final_player = length % 2.
    # game of length 3: final player 1, so player 1 gets -1 and player 0 gets +1.
    np.testing.assert_array_equal(window.arrays["value_target"][2:5], [1, -1, 1])
    lam = buffer.window(7, value_config=ValueTargetConfig("q"), horizons=(1.0,))
    np.testing.assert_allclose(lam.arrays["value_target"], lam.arrays["root_value"])
    np.testing.assert_allclose(lam.arrays["short_term"][:, 0], lam.arrays["root_value"])


def test_augmentation_matches_playing_the_symmetric_game():
    """Transforming an encoded tic-tac-toe position equals encoding the transformed game."""
    domain = distill.make("tictactoe")
    moves = [0, 5, 7]
    position = distill.Position(domain).play_all(moves)
    k_all = np.arange(len(domain.action_perms))
    batch = {
        "obs": np.repeat(position.observe()[None], len(k_all), axis=0),
        "policy": np.repeat(np.eye(A, dtype=np.float32)[[4]], len(k_all), axis=0),
        "mask": np.repeat(position.legal_mask()[None], len(k_all), axis=0),
    }
    out = augment(batch, k_all, domain.action_perms, domain.cell_perms)
    for k in k_all:
        image = distill.Position(domain).play_all([int(domain.action_perms[k, m]) for m in moves])
        np.testing.assert_array_equal(out["obs"][k], image.observe())
        np.testing.assert_array_equal(out["mask"][k], image.legal_mask())
        assert out["policy"][k].argmax() == domain.action_perms[k, 4]


def test_sampled_policy_moves_with_the_observation(tmp_path):
    """Connect-Four-like mirror: a stone in column c and policy on column c stay together."""
    h, w = 6, 7
    cell_perms = mirror_perms(h, w)
    action_perms = np.stack([np.arange(w), np.arange(w)[::-1]])
    rng = np.random.default_rng(3)
    cols = rng.integers(0, 3, 40)  # left half only: a stone right of centre means mirrored
    obs = np.zeros((40, 1, h, w), np.float32)
    obs[np.arange(40), 0, h - 1, cols] = 1.0
    game = GameRecord(
        obs=obs,
        mask=np.eye(w, dtype=bool)[cols],
        policy=np.eye(w, dtype=np.float32)[cols],
        root_value=np.zeros(40, np.float32),
        player=np.arange(40) % 2,
        final_value=0.0,
        final_player=0,
        generation=0,
    )
    with ShardWriter(tmp_path, domain="c4", obs_shape=(1, h, w), num_actions=w) as writer:
        writer.add_game(game)
    window = ReplayBuffer(tmp_path).window(100)
    sample = window.sample(64, rng, action_perms=action_perms, cell_perms=cell_perms)
    stone_col = sample["obs"][:, 0, h - 1].argmax(axis=1)
    np.testing.assert_array_equal(sample["policy"].argmax(axis=1), stone_col)
    np.testing.assert_array_equal(sample["mask"].argmax(axis=1), stone_col)
    assert sample["obs"].dtype == np.float32
    assert 0 < np.sum(stone_col >= 4) < 64, "both the identity and the mirror are drawn"
    plain = window.sample(64, rng)
    assert np.all(plain["obs"][:, 0, h - 1].argmax(axis=1) < 3), "no augmentation if no perms"
