"""Guards self-play: same seed → identical games; what is recorded per position matches a
replay of the moves (observation, mask, player, policy on legal moves only); outcomes,
resignation (with its no-resign fraction and false-resignation count), move caps,
playout-cap flags, move choice, and the replay shard written from a round."""

from __future__ import annotations

import numpy as np
import pytest

import distill
from distill.flywheel.selfplay import SelfPlayWorker
from distill.logits import ILLEGAL_LOGIT
from distill.recipe import SelfPlaySection
from distill.replay import read_shard, shard_meta, shard_name, write_shard
from distill.search import RolloutEvaluator, SearchConfig, Searcher, uniform_evaluator


def hashed_evaluator(obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic, position-dependent logits and values (a stand-in for a network)."""
    flat = obs.reshape(obs.shape[0], -1)
    weights = np.sin(np.arange(flat.shape[1] * mask.shape[1])).reshape(flat.shape[1], -1)
    logits = (flat @ weights).astype(np.float32)
    value = np.tanh(flat @ np.cos(np.arange(flat.shape[1]))).astype(np.float32) * 0.5
    return np.where(mask, logits, ILLEGAL_LOGIT).astype(np.float32), value


def x_is_lost_evaluator(obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Uniform logits; value -0.9 when X (equal stone counts) is to move, else +0.9."""
    own, opp = obs[:, 0].sum(axis=(1, 2)), obs[:, 1].sum(axis=(1, 2))
    value = np.where(own == opp, -0.9, 0.9).astype(np.float32)
    return np.zeros(mask.shape, np.float32), value


@pytest.fixture(scope="module")
def ttt():
    return distill.make("tictactoe")


def make_worker(domain, evaluator=hashed_evaluator, games=6, **selfplay):
    search = SearchConfig(num_simulations=12, dirichlet_alpha=1.0)
    config = SelfPlaySection(
        **{"temperature_moves": 2, "full_search_fraction": 0.6, "cheap_simulations": 3, **selfplay}
    )
    return SelfPlayWorker(domain, evaluator, search=search, selfplay=config, num_games=games)


RANDOMNESS = [{}, {"random_move_fraction": 0.5}, {"random_opening_plies": 4}]


@pytest.mark.parametrize("randomness", RANDOMNESS)
def test_same_seed_same_games_other_seed_other_games(ttt, randomness):
    worker = make_worker(ttt, **randomness)
    a = worker.play(np.random.default_rng(7))
    fresh = make_worker(ttt, **randomness)
    b = fresh.play(np.random.default_rng(7))  # a fresh worker, same seed
    for key in ("obs", "mask", "policy", "root_value", "action", "full_search", "final_value"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key), err_msg=key)
    c = worker.play(np.random.default_rng(8))
    assert not np.array_equal(a.action, c.action) or not np.array_equal(a.length, c.length)


@pytest.mark.parametrize("randomness", RANDOMNESS)
def test_records_match_a_replay_of_the_moves(ttt, randomness):
    worker = make_worker(ttt, games=5, **randomness)
    batch = worker.play(np.random.default_rng(3))
    assert batch.num_games == 5 and batch.num_positions == int(batch.length.sum())
    assert batch.full_search.any() and not batch.full_search.all()  # playout caps drawn
    for g in range(batch.num_games):
        rows = np.flatnonzero(batch.game == g)
        np.testing.assert_array_equal(batch.ply[rows], np.arange(rows.size))
        game = distill.Position(ttt)
        for r in rows:
            np.testing.assert_array_equal(batch.obs[r], game.observe())
            np.testing.assert_array_equal(batch.mask[r], game.legal_mask())
            assert batch.to_play[r] == game.to_play
            assert np.all(batch.policy[r][~batch.mask[r]] == 0)
            assert batch.policy[r].sum() == pytest.approx(1.0, abs=1e-5)
            game.play(int(batch.action[r]))
        assert game.is_over  # no resignation or cap configured
        value = game.value if game.to_play == batch.final_player[g] else -game.value
        assert batch.final_value[g] == value
    outcome = batch.first_player_outcomes()
    assert set(np.unique(outcome)) <= {-1.0, 0.0, 1.0}


def off_search(batch, rows=None):  # share of full-search plies not playing a most visited move
    full = np.flatnonzero(batch.full_search if rows is None else batch.full_search & rows)
    played = batch.policy[full, batch.action[full]]
    return np.mean(played < batch.policy[full].max(axis=1))


def test_random_move_fraction_replaces_search_moves(ttt):
    rng = np.random.default_rng
    assert off_search(make_worker(ttt, games=16, temperature_moves=0).play(rng(5))) == 0.0
    worker = make_worker(ttt, games=16, temperature_moves=0, random_move_fraction=0.8)
    assert off_search(worker.play(rng(5))) > 0.4  # ~0.8 * (1 - 1 / legal moves)
    with pytest.raises(ValueError, match="random_move_fraction"):
        SelfPlaySection(random_move_fraction=1.0)


def test_random_opening_plies_randomizes_only_the_opening(ttt):
    worker = make_worker(ttt, games=32, temperature_moves=0, random_opening_plies=3)
    batch = worker.play(np.random.default_rng(5))
    assert off_search(batch, batch.ply >= 3) == 0.0  # after ply 3: the search's move
    assert off_search(batch, batch.ply < 3) > 0.2  # k ~ U{0..3}: ~half of these plies random
    with pytest.raises(ValueError, match="random_opening_plies"):
        SelfPlaySection(random_opening_plies=-1)


def test_resignation_and_its_no_resign_fraction(ttt):
    resigning = make_worker(
        ttt,
        x_is_lost_evaluator,
        games=8,
        resign_threshold=-0.5,
        no_resign_fraction=0.0,
        full_search_fraction=1.0,
    )
    batch = resigning.play(np.random.default_rng(0))
    assert batch.resigned.all() and (batch.length == 1).all()
    np.testing.assert_array_equal(batch.first_player_outcomes(), -np.ones(8))
    playing_on = make_worker(
        ttt,
        x_is_lost_evaluator,
        games=8,
        resign_threshold=-0.5,
        no_resign_fraction=1.0,
        full_search_fraction=1.0,
    )
    batch = playing_on.play(np.random.default_rng(0))
    assert not batch.resigned.any() and batch.would_resign.all() and (batch.length >= 5).all()
    # X would have resigned: a false resignation wherever X did not actually lose
    np.testing.assert_array_equal(batch.false_resign, batch.first_player_outcomes() >= 0)


def test_only_full_searches_resign(ttt):
    # Cheap playout-cap searches are too noisy to end a game on: with almost no full
    # searches, X's hopeless-looking cheap values must not make it resign.
    worker = make_worker(
        ttt,
        x_is_lost_evaluator,
        games=8,
        resign_threshold=-0.5,
        no_resign_fraction=0.0,
        full_search_fraction=0.01,
    )
    batch = worker.play(np.random.default_rng(0))
    for g in np.flatnonzero(batch.resigned):  # a resignation ends on a full search
        assert batch.full_search[np.flatnonzero(batch.game == g)[-1]]
    assert (batch.length >= 5).any()  # and cheap plies did not end the games early


def test_state_level_and_jitted_evaluators_work_in_selfplay(ttt):
    for evaluator in (RolloutEvaluator(ttt, num_rollouts=2), uniform_evaluator):
        batch = make_worker(ttt, evaluator, games=4).play(np.random.default_rng(1))
        assert batch.num_games == 4 and batch.num_positions == int(batch.length.sum())


def test_move_cap_truncates_as_a_draw(ttt):
    batch = make_worker(ttt, games=3, max_moves=3).play(np.random.default_rng(1))
    assert batch.truncated.all() and (batch.length == 3).all()
    assert (batch.final_value == 0).all()


@pytest.mark.parametrize("algorithm", ["puct", "gumbel"])
def test_selfplay_plays_the_searchers_move_at_its_temperature(ttt, monkeypatch, algorithm):
    """One move choice: the worker passes each game's temperature (the recipe's in the
    first `temperature_moves` plies, 0 after) to the search and plays `SearchResult.action`."""
    calls = []
    original = Searcher.run

    def spy(self, store, idx, rng, **kwargs):
        result = original(self, store, idx, rng, **kwargs)
        calls.append((np.asarray(kwargs["temperature"]).copy(), result.action.copy()))
        return result

    monkeypatch.setattr(Searcher, "run", spy)
    worker = make_worker(ttt, games=4, temperature_moves=2, temperature=0.7)
    worker.search = SearchConfig(num_simulations=12, algorithm=algorithm)
    batch = worker.play(np.random.default_rng(4))
    assert len(calls) == int(batch.length.max())
    for ply, (temperature, action) in enumerate(calls):
        rows = np.flatnonzero(batch.ply == ply)  # games still playing, in game order
        live = temperature[: rows.size]
        np.testing.assert_array_equal(live, np.full(rows.size, 0.7 if ply < 2 else 0.0))
        assert np.all(temperature[rows.size :] == 0.0)  # idle rows: no rng draw
        np.testing.assert_array_equal(batch.action[rows], action[: rows.size])


def test_round_written_as_a_replay_shard(tmp_path, ttt):
    batch = make_worker(ttt, games=4).play(np.random.default_rng(2))
    path = write_shard(
        tmp_path / shard_name(3, 0), batch.shard_arrays(3, 3_000_000), shard_meta(ttt)
    )
    shard = read_shard(path)
    a = shard.arrays
    assert shard.num_positions == batch.num_positions and shard.num_games == 4
    np.testing.assert_array_equal(a["obs"].astype(np.float32), batch.obs)
    np.testing.assert_array_equal(a["policy_weight"], batch.full_search.astype(np.float32))
    np.testing.assert_array_equal(a["game_id"], 3_000_000 + np.arange(4))
    np.testing.assert_array_equal(a["game_final_value"], batch.final_value)
    np.testing.assert_array_equal(a["game_length"], batch.length)
    assert (a["generation"] == 3).all()
    assert "game_ownership" not in a and "game_score" not in a  # tic-tac-toe offers neither
    assert shard.meta == {"domain": "tictactoe", "obs_shape": [2, 3, 3], "num_actions": 9}
