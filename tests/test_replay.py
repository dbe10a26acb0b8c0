"""Guards `distill.replay`: shard round trip through the one writer, layout checks on
write, checksum/truncation detection, no overwrite, the version-upgrade path (1 -> 2 -> 3,
per-position ownership to per-game), window selection with per-game value targets, final
ownership/score targets from the player to move's view, and symmetry augmentation that
keeps observations, policy targets, masks and ownership consistent."""

from __future__ import annotations

import numpy as np
import pytest

import distill
from distill.credit import ValueTargetConfig
from distill.errors import CorruptFileError, DistillError, ShapeError
from distill.replay import (
    FORMAT_VERSION,
    ReplayBuffer,
    augment,
    read_shard,
    shard_name,
    write_shard,
)
from distill.symmetry import dihedral_perms, mirror_perms

OBS, A = (2, 3, 3), 9
META = {"domain": "tictactoe", "obs_shape": list(OBS), "num_actions": A}


def write_games(root, lengths, generation=0, seed=0, round_index=0, **finals):
    """One shard of random games (`conftest.make_synthetic_batch`) via the one writer."""
    from conftest import make_synthetic_batch

    batch = make_synthetic_batch(np.random.default_rng(seed), lengths, OBS, A, **finals)
    path = write_shard(
        root / shard_name(generation, round_index),
        batch.shard_arrays(generation, 1000 * generation),
        META,
    )
    return batch, path


def test_round_trip(tmp_path):
    batch, path = write_games(tmp_path, [5, 7], generation=3)
    assert path.name == "g000003-r0000.shard"
    shard = read_shard(path)
    a = shard.arrays
    assert shard.num_positions == 12 and shard.num_games == 2
    np.testing.assert_array_equal(a["obs"], batch.obs)
    np.testing.assert_array_equal(a["policy"], batch.policy)
    np.testing.assert_array_equal(a["mask"], batch.mask)
    np.testing.assert_array_equal(a["policy_weight"], batch.full_search)
    np.testing.assert_array_equal(a["move_index"], [*range(5), *range(7)])
    np.testing.assert_array_equal(a["game_of"], [3000] * 5 + [3001] * 7)
    np.testing.assert_array_equal(a["game_length"], [5, 7])
    np.testing.assert_array_equal(a["generation"], np.full(12, 3))
    assert "game_ownership" not in a and "game_score" not in a
    assert shard.meta["domain"] == "tictactoe"


def test_names_sort_by_generation_then_round():
    names = [shard_name(g, r) for g, r in [(0, 0), (0, 1), (1, 0), (10, 3), (2, 12)]]
    assert sorted(names) == [names[0], names[1], names[2], names[4], names[3]]


def test_writer_rejects_arrays_that_do_not_fit_and_writes_nothing(tmp_path):
    from conftest import make_synthetic_batch

    arrays = make_synthetic_batch(np.random.default_rng(0), [3, 2], OBS, A).shard_arrays(0, 0)
    for key, bad in [
        ("policy_weight", None),
        ("game_length", np.array([3, 3], np.int32)),
        ("player", np.zeros(5, np.int64)),
        ("game_ownership", np.zeros((2, 4, 4), np.int8)),
    ]:
        broken = dict(arrays)
        if bad is None:
            del broken[key]
        else:
            broken[key] = bad
        with pytest.raises(ShapeError, match=key if key != "game_length" else "sum to 6"):
            write_shard(tmp_path / "x.shard", broken, META)
    assert list(tmp_path.iterdir()) == []


def test_flipped_byte_and_truncation_are_detected(tmp_path):
    _, path = write_games(tmp_path, [6])
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
    _, path = write_games(tmp_path, [4])
    before = path.read_bytes()
    arrays = read_shard(path).arrays
    with pytest.raises(DistillError, match="already exists"):
        write_shard(path, arrays, {})
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no stray temp file


def version_2_arrays(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Two games (4 and 3 positions) in the version-2 layout, with the old per-position
    ownership (+1 = the player to move owns the point)."""
    from conftest import make_synthetic_batch

    arrays = make_synthetic_batch(rng, [4, 3], OBS, A).shard_arrays(7, 10)
    del arrays["game_resigned"]  # new in version 3
    # final ownership for player 0: game 0 owns cell 0 for player 0, game 1 cell 8 for player 1
    final = np.zeros((2, 3, 3), np.int8)
    final[0, 0, 0], final[1, 2, 2] = 1, -1
    game = np.repeat([0, 1], [4, 3])
    sign = np.where(arrays["player"] == 0, 1, -1).astype(np.int8)
    arrays["ownership"] = final[game] * sign[:, None, None]
    return arrays


def test_version_1_and_2_shards_are_upgraded(tmp_path):
    v2 = version_2_arrays(np.random.default_rng(1))
    v1 = dict(v2)
    v1["generation"] = np.array(7)  # version 1: one shard-wide scalar
    del v1["policy_weight"]  # version 1 had no policy weights
    shard = read_shard(write_shard(tmp_path / "g000007-old.shard", v1, {}, version=1))
    np.testing.assert_array_equal(shard.arrays["generation"], np.full(7, 7))
    np.testing.assert_array_equal(shard.arrays["policy_weight"], np.ones(7))
    np.testing.assert_array_equal(shard.arrays["game_resigned"], [False, False])
    upgraded = read_shard(write_shard(tmp_path / "g000007-v2.shard", v2, {}, version=2)).arrays
    assert "ownership" not in upgraded
    expected = np.zeros((2, 3, 3), np.int8)
    expected[0, 0, 0], expected[1, 2, 2] = 1, -1  # back to player 0's view, once per game
    np.testing.assert_array_equal(upgraded["game_ownership"], expected)
    newer = write_shard(tmp_path / "future.shard", shard.arrays, {}, version=FORMAT_VERSION + 1)
    with pytest.raises(CorruptFileError, match=r"future\.shard.*newer"):
        read_shard(newer)


def test_window_keeps_the_most_recent_positions(tmp_path):
    for gen, lengths in enumerate([[4, 4], [5], [3, 2]]):
        write_games(tmp_path, lengths, generation=gen, seed=gen)
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
    from conftest import make_synthetic_batch

    batch = make_synthetic_batch(rng, [40], (1, h, w), w)
    batch.obs, batch.mask = obs, np.eye(w, dtype=bool)[cols]
    batch.policy = np.eye(w, dtype=np.float32)[cols]
    write_shard(tmp_path / shard_name(0, 0), batch.shard_arrays(0, 0), {})
    window = ReplayBuffer(tmp_path).window(100)
    sample = window.sample(64, rng, action_perms=action_perms, cell_perms=cell_perms)
    stone_col = sample["obs"][:, 0, h - 1].argmax(axis=1)
    np.testing.assert_array_equal(sample["policy"].argmax(axis=1), stone_col)
    np.testing.assert_array_equal(sample["mask"].argmax(axis=1), stone_col)
    assert sample["obs"].dtype == np.float32
    assert 0 < np.sum(stone_col >= 4) < 64, "both the identity and the mirror are drawn"
    plain = window.sample(64, rng)
    assert np.all(plain["obs"][:, 0, h - 1].argmax(axis=1) < 3), "no augmentation if no perms"


def test_final_ownership_and_score_are_seen_by_the_player_to_move(tmp_path):
    from conftest import make_synthetic_batch

    batch = make_synthetic_batch(
        np.random.default_rng(4), [3, 2, 2], OBS, A, ownership=True, score=True
    )
    batch.resigned[1] = True  # a resigned game and a capped one: no final result to learn
    batch.truncated[2] = True
    write_shard(tmp_path / shard_name(0, 0), batch.shard_arrays(0, 0), META)
    window = ReplayBuffer(tmp_path).window(100)
    own, score = batch.final_ownership, batch.final_score
    assert own is not None and score is not None
    sign = np.array([1, -1, 1, 1, -1, 1, -1])  # players 0 1 0 | 0 1 | 0 1
    game = [0, 0, 0, 1, 1, 2, 2]
    np.testing.assert_array_equal(window.arrays["ownership"], own[game] * sign[:, None, None])
    np.testing.assert_allclose(window.arrays["score"], score[game] * sign)
    np.testing.assert_array_equal(window.arrays["final_weight"], [1, 1, 1, 0, 0, 0, 0])
    sample = window.sample(16, np.random.default_rng(0))
    assert sample["ownership"].dtype == np.float32 and sample["ownership"].shape == (16, 3, 3)
    assert sample["score"].shape == (16,) and sample["final_weight"].shape == (16,)


def test_a_window_without_final_targets_in_every_shard_has_none(tmp_path):
    write_games(tmp_path, [3], generation=0, ownership=True, score=True)
    write_games(tmp_path, [2], generation=1)
    window = ReplayBuffer(tmp_path).window(100)
    assert not {"ownership", "score", "final_weight"} & set(window.arrays)
    assert len(ReplayBuffer(tmp_path).window(2)) == 2  # the newest shard alone: none either


def test_ownership_moves_with_the_board_under_a_symmetry():
    """By hand: symmetry 4 of `dihedral_perms(3, 3)` is the transpose, (r, c) -> (c, r)."""
    cell_perms = dihedral_perms(3, 3)
    action_perms = cell_perms
    obs = np.zeros((1, 1, 3, 3), np.float32)
    obs[0, 0, 0, 1] = 1.0  # a stone at row 0, column 1
    ownership = np.zeros((1, 3, 3), np.float32)
    ownership[0, 0, 1], ownership[0, 2, 0] = 1.0, -1.0
    batch = {
        "obs": obs,
        "policy": np.eye(9, dtype=np.float32)[[1]],
        "mask": np.ones((1, 9), bool),
        "ownership": ownership,
    }
    out = augment(batch, np.array([4]), action_perms, cell_perms)
    expected = np.zeros((3, 3), np.float32)
    expected[1, 0], expected[0, 2] = 1.0, -1.0  # (0, 1) -> (1, 0) and (2, 0) -> (0, 2)
    np.testing.assert_array_equal(out["ownership"][0], expected)
    assert out["obs"][0, 0, 1, 0] == 1.0 and out["obs"].sum() == 1.0  # the stone went along
    assert out["policy"][0].argmax() == 3  # cell (1, 0)
