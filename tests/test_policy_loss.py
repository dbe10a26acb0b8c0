"""Guards the policy-gradient path (``credit.policy_loss: reinforce | gae_actor_critic``,
``credit.entropy_bonus``, ``selfplay.actor: policy``): the losses and their gradient signs
on hand-computed batches, the advantages from `distill.credit`, the replay window's moves
(under symmetries too), the refusal of old shards and of bad configs, the policy actor's
sampling, and a short training run end to end."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
from conftest import SMOKE, TINY, make_synthetic_batch, one_error, sets
from torch import nn

from distill.cli import main
from distill.credit import ValueTargetConfig, gae_advantages, policy_advantages
from distill.errors import ConfigError, ShapeError
from distill.flywheel.loop import train
from distill.flywheel.run_dir import RunDir
from distill.flywheel.selfplay import SelfPlayWorker, masked_softmax, sample_actions
from distill.learn.losses import policy_entropy, policy_gradient_loss
from distill.learn.module import DistillModule
from distill.metrics import parse_rows
from distill.nets.model import POLICY, VALUE
from distill.progress import Progress
from distill.recipe import SelfPlaySection, load_recipe, recipe_to_yaml
from distill.registry import make
from distill.replay import ReplayBuffer, read_shard, write_shard
from distill.search import SearchConfig

MASK = torch.tensor([[True, True, True, False]])


def test_reinforce_loss_and_gradient_sign_by_hand():
    # uniform over 3 legal moves: -log(1/3) * G; d/dlogit_a = -G (1 - 1/3), others +G / 3
    for advantage in (1.0, -1.0):
        logits = torch.zeros(1, 4, requires_grad=True)
        loss = policy_gradient_loss(logits, MASK, torch.tensor([0]), torch.tensor([advantage]))
        assert loss.item() == pytest.approx(advantage * math.log(3), abs=1e-6)
        loss.backward()
        expected = advantage * torch.tensor([[-2 / 3, 1 / 3, 1 / 3, 0.0]])
        assert torch.allclose(logits.grad, expected, atol=1e-6)


def test_policy_gradient_loss_is_a_batch_mean_and_stops_gradient_at_the_advantage():
    logits = torch.tensor([[0.0, math.log(3.0), 0.0, 0.0]] * 2, requires_grad=True)
    advantage = torch.tensor([2.0, -1.0], requires_grad=True)
    loss = policy_gradient_loss(logits, MASK.repeat(2, 1), torch.tensor([1, 0]), advantage)
    # p = (0.2, 0.6, 0.2): -(2 log 0.6 - log 0.2) / 2
    assert loss.item() == pytest.approx(-(2 * math.log(0.6) - math.log(0.2)) / 2, abs=1e-6)
    loss.backward()
    assert advantage.grad is None
    assert logits.grad[0, 1] < 0 < logits.grad[1, 0]  # good move up, bad move down


def test_entropy_by_hand_and_the_bonus_pushes_toward_uniform():
    assert policy_entropy(torch.zeros(1, 4), MASK).item() == pytest.approx(math.log(3))
    logits = torch.tensor([[2.0, 0.0, 0.0, 5.0]], requires_grad=True)
    p = np.exp([2.0, 0.0, 0.0]) / np.exp([2.0, 0.0, 0.0]).sum()
    entropy = policy_entropy(logits, MASK)
    assert entropy.item() == pytest.approx(float(-(p * np.log(p)).sum()), abs=1e-6)
    (-entropy).backward()  # the bonus term -beta H, beta = 1
    assert logits.grad[0, 0] > 0 > logits.grad[0, 1]  # the likeliest move goes down
    assert logits.grad[0, 3] == 0  # illegal


def test_advantages_by_hand():
    # players 0, 1, 0; player 1 to move at the end and lost: player 0 won
    players, final_value, final_player = np.array([0, 1, 0]), -1.0, 1
    values = np.array([0.5, -0.25, 0.75], np.float32)
    z = policy_advantages(
        values, players, final_value, final_player, policy_loss="reinforce", gae_lambda=0.5
    )
    assert z.tolist() == [1.0, -1.0, 1.0]
    # delta_t = -v_{t+1} - v_t (alternating), v_3 = -1 for player 1, i.e. +1 for player 0
    deltas = np.array([0.25 - 0.5, -0.75 + 0.25, 1.0 - 0.75])
    a2 = deltas[2]
    a1 = deltas[1] - 0.5 * a2
    a0 = deltas[0] - 0.5 * a1
    gae = policy_advantages(
        values, players, final_value, final_player, policy_loss="gae_actor_critic", gae_lambda=0.5
    )
    np.testing.assert_allclose(gae, [a0, a1, a2], atol=1e-6)
    one = gae_advantages(values, players, final_value, final_player, 1.0)
    np.testing.assert_allclose(one, z - values, atol=1e-6)  # lambda 1: REINFORCE - baseline


class FixedNet(nn.Module):
    """Returns the same logits for every position (a learnable row) and value 0."""

    def __init__(self, logits: list[float]) -> None:
        super().__init__()
        self.logits = nn.Parameter(torch.tensor(logits))

    def forward(self, obs: torch.Tensor) -> dict[str, torch.Tensor]:
        b = obs.shape[0]
        return {POLICY: self.logits.expand(b, -1), VALUE: torch.zeros(b)}


def a_batch() -> dict[str, torch.Tensor]:
    return {
        "obs": torch.zeros(2, 1, 1, 4),
        "mask": MASK.repeat(2, 1),
        "policy": torch.tensor([[0.0, 1.0, 0.0, 0.0]] * 2),
        "policy_weight": torch.ones(2),
        "value_target": torch.zeros(2),
        "action": torch.tensor([0, 2]),
        "advantage": torch.tensor([1.0, 0.5]),
    }


@pytest.mark.parametrize("kind", ["distill", "reinforce", "gae_actor_critic"])
def test_module_picks_the_policy_term_and_adds_the_entropy_bonus(kind):
    credit = ValueTargetConfig(policy_loss=kind, entropy_bonus=0.5)
    module = DistillModule(FixedNet([0.0, 0.0, 0.0, 0.0]), credit=credit)
    losses = module.compute_losses(a_batch())
    expected = math.log(3) if kind == "distill" else (1.0 + 0.5) / 2 * math.log(3)
    assert losses["policy"].item() == pytest.approx(expected, abs=1e-6)
    assert losses["entropy"].item() == pytest.approx(math.log(3), abs=1e-6)
    total = expected - 0.5 * math.log(3)  # value loss 0
    assert losses["loss"].item() == pytest.approx(total, abs=1e-6)


def test_module_refuses_a_gradient_loss_without_moves():
    module = DistillModule(FixedNet([0.0] * 4), credit=ValueTargetConfig(policy_loss="reinforce"))
    batch = {k: v for k, v in a_batch().items() if k not in ("action", "advantage")}
    with pytest.raises(ConfigError, match="needs batches with the move played"):
        module.compute_losses(batch)


def shard_with_moves(tmp_path, rng, *, with_action=True):
    batch = make_synthetic_batch(rng, [3, 4], (2, 3, 3), 9)
    batch.mask[:] = True
    batch.action[:] = rng.integers(0, 9, batch.num_positions)
    arrays = batch.shard_arrays(0, 0)
    if not with_action:
        del arrays["action"]
    write_shard(tmp_path / "g000000-r0000.shard", arrays, {})
    return batch


def test_window_carries_moves_and_advantages(tmp_path):
    batch = shard_with_moves(tmp_path, np.random.default_rng(0))
    spec = ValueTargetConfig(policy_loss="reinforce")
    window = ReplayBuffer(tmp_path).window(100, value_config=spec)
    np.testing.assert_array_equal(window.arrays["action"], batch.action)
    # conftest's games end with value -1 for the final player: a loss for them
    z = np.where(batch.to_play == np.repeat(batch.final_player, batch.length), -1.0, 1.0)
    np.testing.assert_allclose(window.arrays["advantage"], z)
    assert "action" not in ReplayBuffer(tmp_path).window(100).arrays  # distill needs none


def test_symmetries_move_the_played_move_with_its_policy_mass(tmp_path):
    batch = shard_with_moves(tmp_path, np.random.default_rng(1))
    domain = make("tictactoe")
    spec = ValueTargetConfig(policy_loss="gae_actor_critic")
    window = ReplayBuffer(tmp_path).window(100, value_config=spec)
    one_hot = np.eye(9, dtype=np.float32)[window.arrays["action"]]
    window.arrays["policy"] = one_hot  # the played move as the only policy mass
    sample = window.sample(
        64,
        np.random.default_rng(2),
        action_perms=domain.action_perms,
        cell_perms=domain.cell_perms,
    )
    assert batch.num_positions == 7
    np.testing.assert_array_equal(sample["policy"].argmax(axis=1), sample["action"])


def test_old_shards_without_moves_are_refused_by_name(tmp_path):
    shard_with_moves(tmp_path, np.random.default_rng(3), with_action=False)
    spec = ValueTargetConfig(policy_loss="reinforce")
    with pytest.raises(ShapeError, match=r"g000000-r0000\.shard.*has no 'action'"):
        ReplayBuffer(tmp_path).window(100, value_config=spec)
    assert len(ReplayBuffer(tmp_path).window(100)) == 7  # distillation still reads it


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("credit.policy_loss=ppo", "credit.policy_loss"),
        ("credit.entropy_bonus=-0.1", "entropy_bonus must be >= 0"),
        ("credit.gae_lambda=1.5", "gae_lambda must be in [0, 1]"),
        ("selfplay.actor=mcts", "selfplay.actor"),
        ("selfplay.actor=policy", "records no search policy to distill"),
    ],
)
def test_bad_policy_config_is_one_clear_error(override, expected, tmp_path, capsys):
    with pytest.raises(ConfigError, match=expected.replace(".", r"\.").replace("[", r"\[")):
        load_recipe(SMOKE, [override])
    run_dir = tmp_path / "run"
    assert main(["train", str(SMOKE), *sets([override]), "--run-dir", str(run_dir)]) == 2
    assert expected in one_error(capsys, "train")
    assert not run_dir.exists()


def test_sampling_follows_the_policy_and_never_draws_a_zero():
    mask = np.array([[True, False, True, True]] * 20_000)
    probs = masked_softmax(np.tile([math.log(2.0), 9.0, 0.0, math.log(5.0)], (20_000, 1)), mask)
    np.testing.assert_allclose(probs[0], [0.25, 0.0, 0.125, 0.625], atol=1e-6)
    moves = sample_actions(probs, np.random.default_rng(0))
    counts = np.bincount(moves, minlength=4) / moves.shape[0]
    assert counts[1] == 0
    np.testing.assert_allclose(counts, probs[0], atol=0.015)  # ~4 standard errors


class ConstantEvaluator:
    """Logits favouring action 4 (the centre), value 0.25, for every position."""

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits = np.zeros(mask.shape, np.float32)
        logits[:, 4] = 1.0
        return logits, np.full(mask.shape[0], 0.25, np.float32)


def test_policy_actor_records_its_own_policy_and_value():
    domain = make("tictactoe")
    config = SelfPlaySection(actor="policy", temperature_moves=0)
    worker = SelfPlayWorker(
        domain, ConstantEvaluator(), search=SearchConfig(), selfplay=config, num_games=16
    )
    batch = worker.play(np.random.default_rng(0))
    again = worker.play(np.random.default_rng(0))
    np.testing.assert_array_equal(batch.action, again.action)  # deterministic in the seed
    assert batch.full_search.all() and np.all(batch.root_value == 0.25)
    np.testing.assert_allclose(
        batch.policy,
        masked_softmax(
            np.where(np.arange(9) == 4, 1.0, 0.0)[None].repeat(batch.num_positions, 0), batch.mask
        ),
        atol=1e-6,
    )
    assert batch.mask[np.arange(batch.num_positions), batch.action].all()
    first = batch.action[batch.ply == 0]
    assert 0 < np.mean(first == 4) < 1  # sampled (p = e / (e + 8) = 0.25), not the argmax


def test_short_gae_actor_critic_run(tmp_path, one_torch_thread):
    overrides = [
        *TINY,
        "selfplay.actor=policy",
        "credit.policy_loss=gae_actor_critic",
        "credit.entropy_bonus=0.01",
        "budget.generations=1",
    ]
    run = RunDir.create(tmp_path / "run", recipe_to_yaml(load_recipe(SMOKE, overrides)))
    state = train(run, Progress(io.StringIO()))
    assert state.finished
    shard = read_shard(run.replay / state.shards[-1])
    assert shard.arrays["policy_weight"].min() == 1.0 and "action" in shard.arrays
    rows = parse_rows(run.read_metrics())
    fits = [m.fit for m in rows if m.fit is not None]
    assert fits and all(math.isfinite(f.loss_policy or math.nan) for f in fits)
    assert all(0 < (f.policy_entropy or 0) <= math.log(9) for f in fits)
