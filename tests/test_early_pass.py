"""Guards ``selfplay.min_pass_ply``: the early pass collapse of a young Go net is
reproduced without the guard and prevented with it; the guard's policy target and move
choice on hand-made rows; the recipe and the worker refuse it for a game without a pass."""

from __future__ import annotations

import numpy as np
import pytest

import distill
from distill.errors import ConfigError
from distill.flywheel.early_pass import without_pass
from distill.flywheel.selfplay import SelfPlayWorker
from distill.recipe import SelfPlaySection, load_recipe
from distill.search import SearchConfig

KOMI_PLANE = 17  # domains/go/features.py: komi from the view of the player to move


def white_wins_pass_first(obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A young net's view after one fit: white (komi > 0 for the mover) wins everything,
    and the pass is by far the likeliest move."""
    logits = np.zeros(mask.shape, np.float32)
    logits[:, -1] = 6.0
    value = 0.95 * np.sign(obs[:, KOMI_PLANE, 0, 0]).astype(np.float32)
    return logits, value


def worker(algorithm: str, min_pass_ply: int, games: int = 8) -> SelfPlayWorker:
    go = distill.make("go", size=5, komi=7.5)
    search = SearchConfig(algorithm=algorithm, num_simulations=16, gumbel_num_considered=8)
    config = SelfPlaySection(
        temperature_moves=0,
        full_search_fraction=0.5,
        cheap_simulations=4,
        min_pass_ply=min_pass_ply,
    )
    return SelfPlayWorker(
        go, white_wins_pass_first, search=search, selfplay=config, num_games=games
    )


@pytest.mark.parametrize("algorithm", ["gumbel", "puct"])
def test_without_the_guard_the_games_collapse_and_with_it_they_do_not(algorithm):
    collapsed = worker(algorithm, 0).play(np.random.default_rng(0))
    assert (collapsed.length == 2).all()  # black passes, white passes back: komi wins
    guarded = worker(algorithm, 10).play(np.random.default_rng(0))
    pass_action = 25
    early = guarded.ply < 10
    assert not (guarded.action[early] == pass_action).any()
    assert (guarded.length > 10).all()
    assert (guarded.policy[early, pass_action] == 0).all()
    np.testing.assert_allclose(guarded.policy[early].sum(axis=1), 1.0, rtol=1e-5)
    late = guarded.full_search & ~early
    assert (guarded.policy[late, pass_action] > 0).any()  # later, the pass is a move again


def test_actor_policy_never_passes_early():
    go = distill.make("go", size=5, komi=7.5)
    config = SelfPlaySection(actor="policy", min_pass_ply=6)
    w = SelfPlayWorker(
        go, white_wins_pass_first, search=SearchConfig(), selfplay=config, num_games=8
    )
    batch = w.play(np.random.default_rng(1))
    early = batch.ply < 6
    assert not (batch.action[early] == 25).any()
    assert (batch.policy[early, 25] == 0).all()
    assert (batch.policy[~early, 25] > 0.5).all()  # the behaviour policy loves passing


def test_without_pass_on_hand_made_rows():
    legal = np.array(
        [
            [1, 1, 1, 1],  # pass chosen: becomes the best other move
            [1, 1, 0, 1],  # all mass on the pass: the prior over the others takes over
            [0, 0, 0, 1],  # only the pass is legal: unchanged
            [1, 1, 1, 1],  # a tie between moves 0 and 2: the prior decides
        ],
        dtype=bool,
    )
    policy = np.array(
        [[0.1, 0.3, 0.2, 0.4], [0.0, 0.0, 0.0, 1.0], [0, 0, 0, 1.0], [0.3, 0.1, 0.3, 0.3]],
        dtype=np.float32,
    )
    prior = np.array(
        [[0.25] * 4, [0.6, 0.2, 0.0, 0.2], [0, 0, 0, 1.0], [0.1, 0.1, 0.5, 0.3]], np.float32
    )
    moves, target = without_pass(np.array([3, 3, 3, 3]), policy, prior, legal, 3)
    np.testing.assert_array_equal(moves, [1, 0, 3, 2])
    np.testing.assert_allclose(target[0], [1 / 6, 3 / 6, 2 / 6, 0], rtol=1e-5)
    np.testing.assert_allclose(target[1], [0.75, 0.25, 0, 0], rtol=1e-5)
    np.testing.assert_array_equal(target[2], [0, 0, 0, 1])
    np.testing.assert_allclose(target[3], [3 / 7, 1 / 7, 3 / 7, 0], rtol=1e-5)
    kept, _ = without_pass(np.array([2, 0, 3, 1]), policy, prior, legal, 3)
    np.testing.assert_array_equal(kept, [2, 0, 3, 1])  # moves other than the pass stay


def test_refused_for_a_game_without_a_pass(tmp_path):
    ttt = distill.make("tictactoe")
    with pytest.raises(ConfigError, match="min_pass_ply needs a domain with a pass move"):
        SelfPlayWorker(
            ttt,
            white_wins_pass_first,
            search=SearchConfig(),
            selfplay=SelfPlaySection(min_pass_ply=4),
            num_games=2,
        )
    with pytest.raises(ConfigError, match=r"selfplay\.min_pass_ply needs a domain with a pass"):
        load_recipe("tictactoe", ["selfplay.min_pass_ply=4"])
    with pytest.raises(ConfigError, match="min_pass_ply must be >= 0"):
        load_recipe("go9-smoke", ["selfplay.min_pass_ply=-1"])
