"""Guards the ownership and score heads end to end on 5x5 Go: a self-play round records
each game's final ownership and score (player 0's view, equal to the Go rules' own
scoring of the replayed game), the shard stores them, the learner's window turns them
into targets for the player to move, augmentation carries ownership with the board (the
left-right mirror, checked by hand), and training steps reduce both losses."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import distill
from distill.domains.go import ownership as go_ownership
from distill.domains.go import tromp_taylor_score
from distill.flywheel.selfplay import SelfPlayWorker
from distill.learn import DistillModule, ReplayDataModule, fit_generation
from distill.nets import HeadsConfig, NetConfig, ResNetConfig, build_net
from distill.recipe import LearnerSection, SelfPlaySection
from distill.replay import ReplayBuffer, augment, read_shard, shard_meta, shard_name, write_shard
from distill.search import SearchConfig, uniform_evaluator

pytestmark = pytest.mark.usefixtures("one_torch_thread")

NET = NetConfig(
    resnet=ResNetConfig(channels=16, blocks=2, global_pool_every=2, global_pool_channels=4),
    heads=HeadsConfig(
        policy_channels=8, value_channels=8, value_hidden=16, ownership=True, score=True
    ),
)


@pytest.fixture(scope="module")
def go_round(tmp_path_factory):
    """One self-play round of 6 games of 5x5 Go, written as generation 0's first shard."""
    go = distill.make("go", size=5)
    worker = SelfPlayWorker(
        go,
        uniform_evaluator,
        search=SearchConfig(num_simulations=8),
        selfplay=SelfPlaySection(temperature_moves=50, cheap_simulations=2),
        num_games=6,
    )
    batch = worker.play(np.random.default_rng(0))
    root = tmp_path_factory.mktemp("replay")
    write_shard(root / shard_name(0, 0), batch.shard_arrays(0, 0), shard_meta(go))
    return go, batch, root


def test_selfplay_records_the_rules_final_ownership_and_score(go_round):
    go, batch, _ = go_round
    assert batch.final_ownership is not None and batch.final_score is not None
    for g in range(batch.num_games):
        final = distill.Position(go).play_all([int(a) for a in batch.game_moves(g)])
        assert final.is_over
        state = final.store[0]
        np.testing.assert_array_equal(batch.final_ownership[g], go_ownership(state))
        assert batch.final_score[g] == pytest.approx(tromp_taylor_score(state))
    assert len(np.unique(batch.final_score)) > 1  # the games differ


def test_shard_and_window_hold_the_targets_for_the_player_to_move(go_round):
    _, batch, root = go_round
    shard = read_shard(root / shard_name(0, 0))
    np.testing.assert_array_equal(shard.arrays["game_ownership"], batch.final_ownership)
    np.testing.assert_array_equal(shard.arrays["game_score"], batch.final_score)
    window = ReplayBuffer(root).window(10_000)
    assert len(window) == batch.num_positions
    for row in (0, 1, batch.num_positions - 1):  # black, white, and a game's last position
        sign = 1 if batch.to_play[row] == 0 else -1
        game = batch.game[row]
        assert batch.final_ownership is not None and batch.final_score is not None
        np.testing.assert_array_equal(
            window.arrays["ownership"][row], sign * batch.final_ownership[game]
        )
        assert window.arrays["score"][row] == pytest.approx(sign * batch.final_score[game])
    np.testing.assert_array_equal(window.arrays["final_weight"], 1.0)  # all played out


def test_augmentation_mirrors_ownership_with_the_board(go_round):
    go, _, root = go_round
    window = ReplayBuffer(root).window(10_000)
    sample = window.sample(4, np.random.default_rng(1))
    mirror = 1  # dihedral_perms: symmetry 1 maps (r, c) to (r, 4 - c)
    out = augment(sample, np.full(4, mirror), go.action_perms, go.cell_perms)
    np.testing.assert_array_equal(out["ownership"], sample["ownership"][:, :, ::-1])
    np.testing.assert_array_equal(out["obs"], sample["obs"][:, :, :, ::-1])
    np.testing.assert_array_equal(out["score"], sample["score"])  # a scalar stays


def test_training_reduces_the_ownership_and_score_losses(go_round, tmp_path):
    go, _, root = go_round
    torch.manual_seed(0)
    config = LearnerSection(lr=3e-3, weight_decay=0.0, schedule="constant", score_weight=1.0)
    module = DistillModule(build_net(NET, go.obs_shape, go.num_actions), config)
    data = ReplayDataModule.for_domain(
        root, go, window_positions=10_000, batch_size=64, batches_per_epoch=40, seed=0
    )
    data.setup("fit")
    batch = next(iter(data.train_dataloader()))
    with torch.no_grad():
        before = module.compute_losses(batch)
    assert {"ownership", "score"} <= set(before)
    fit_generation(module, data, steps=40, log_dir=tmp_path / "logs")
    module.net.eval()
    with torch.no_grad():
        after = module.compute_losses(batch)
    assert after["ownership"] < 0.8 * before["ownership"], (before, after)
    assert after["score"] < 0.8 * before["score"], (before, after)
