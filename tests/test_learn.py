"""Guards `distill.learn`: the losses as plain functions (ownership and score by hand),
the module built from the recipe's learner section, the LR schedule, that the learner
really fits a tiny fixed dataset read from replay shards (loss falls a lot within a few
dozen steps, logs are written), optimizer state and the schedule carried across
generations (fresh Trainers), and checkpoints (round trip, weights_only load, corruption
and mismatch errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import distill
from distill.errors import CorruptFileError
from distill.learn import (
    DistillModule,
    ReplayDataModule,
    build_net_from_checkpoint,
    fit_generation,
    load_checkpoint,
    lr_factor,
    ownership_loss,
    policy_loss,
    save_checkpoint,
    score_loss,
    value_loss,
    wdl_target,
)
from distill.nets import HeadsConfig, NetConfig, ResNetConfig, build_net
from distill.recipe import LearnerSection
from distill.replay import shard_name, write_shard

pytestmark = pytest.mark.usefixtures("one_torch_thread")


OBS, A = (2, 3, 3), 9
CONFIG = NetConfig(
    resnet=ResNetConfig(channels=16, blocks=2, global_pool_every=2, global_pool_channels=4),
    heads=HeadsConfig(
        policy_channels=8, value_channels=8, value_hidden=16, short_term_horizons=(2.0,)
    ),
)


def test_policy_loss_ignores_illegal_moves():
    logits = torch.tensor([[1.0, 2.0, 30.0], [0.0, 0.0, 0.0]], requires_grad=True)
    mask = torch.tensor([[True, True, False], [True, True, True]])
    target = torch.tensor([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])
    loss = policy_loss(logits, target, mask)
    row0 = -(
        0.5 * math.log(math.exp(1) / (math.exp(1) + math.exp(2)))
        + 0.5 * math.log(math.exp(2) / (math.exp(1) + math.exp(2)))
    )
    expected = (row0 + math.log(3.0)) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    loss.backward()
    assert logits.grad is not None and logits.grad[0, 2] == 0.0
    weighted = policy_loss(logits.detach(), target, mask, torch.tensor([1.0, 0.0]))
    assert weighted.item() == pytest.approx(row0, rel=1e-6)


def test_value_losses():
    v, t = torch.tensor([0.5, -0.5]), torch.tensor([1.0, 0.0])
    assert value_loss(v, t).item() == pytest.approx((0.25 + 0.25) / 2)
    soft = wdl_target(torch.tensor([1.0, 0.0, -0.4]))
    torch.testing.assert_close(soft, torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [0, 0.6, 0.4]]))
    torch.testing.assert_close(soft[:, 0] - soft[:, 2], torch.tensor([1.0, 0.0, -0.4]))
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1]]))
    assert value_loss(v[:1], torch.tensor([1.0]), logits).item() == pytest.approx(-math.log(0.7))


def test_ownership_and_score_losses_by_hand():
    # ownership rows: errors (0.5, -1, 0, 0) -> mean 0.3125; (0, 0, 0, 2) -> mean 1.0
    pred = torch.tensor([[[0.5, -1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 1.0]]])
    target = torch.tensor([[[0.0, 0.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, -1.0]]])
    assert ownership_loss(pred, target).item() == pytest.approx((0.3125 + 1.0) / 2)
    weight = torch.tensor([1.0, 0.0])  # the second game was resigned: no target
    assert ownership_loss(pred, target, weight).item() == pytest.approx(0.3125)
    # score, scale 4: errors 2/4 = 0.5 (quadratic: 0.125) and 12/4 = 3 (linear: 3 - 0.5)
    score = torch.tensor([3.0, -7.0])
    margin = torch.tensor([1.0, 5.0])
    assert score_loss(score, margin, 4.0).item() == pytest.approx((0.125 + 2.5) / 2)
    assert score_loss(score, margin, 4.0, weight).item() == pytest.approx(0.125)


def test_module_is_built_from_the_learner_section():
    config = LearnerSection(optimizer="sgd", lr=0.05, momentum=0.8, weight_decay=1e-3)
    module = DistillModule(build_net(CONFIG, OBS, A), config, total_steps=7)
    assert module.config is config and module.total_steps == 7
    opt = module.configure_optimizers()["optimizer"]
    assert isinstance(opt, torch.optim.SGD) and opt.defaults["momentum"] == 0.8
    assert [g["weight_decay"] for g in opt.param_groups] == [1e-3, 0.0]
    assert DistillModule(build_net(CONFIG, OBS, A)).total_steps == 100  # one generation


def test_lr_schedule():
    args = {"schedule": "cosine", "warmup_steps": 10, "total_steps": 110, "min_ratio": 0.1}
    assert lr_factor(0, **args) == pytest.approx(0.1)
    assert lr_factor(9, **args) == pytest.approx(1.0)
    assert lr_factor(60, **args) == pytest.approx(0.55)
    assert lr_factor(110, **args) == pytest.approx(0.1)
    assert lr_factor(10_000, **args) == pytest.approx(0.1)
    assert lr_factor(50, **{**args, "schedule": "constant"}) == 1.0


def write_fixed_dataset(root) -> None:
    """32 positions with random one-hot policy targets and outcomes (a memorization task)."""
    from conftest import make_synthetic_batch

    rng = np.random.default_rng(0)
    batch = make_synthetic_batch(rng, [8] * 4, OBS, A)
    batch.mask[:] = True
    batch.full_search[:] = True
    batch.policy = np.eye(A, dtype=np.float32)[rng.integers(0, A, 32)]
    batch.final_value = rng.choice([-1.0, 1.0], 4).astype(np.float32)
    batch.final_player[:] = 0
    write_shard(root / shard_name(0, 0), batch.shard_arrays(0, 0), {})


@pytest.fixture()
def trained(tmp_path):
    write_fixed_dataset(tmp_path / "replay")
    torch.manual_seed(0)
    config = LearnerSection(lr=1e-2, weight_decay=0.0, schedule="constant")
    module = DistillModule(build_net(CONFIG, OBS, A), config)
    data = ReplayDataModule.for_domain(
        tmp_path / "replay",
        distill.make("tictactoe"),
        augment=False,
        window_positions=1000,
        batch_size=32,
        batches_per_epoch=10,
        horizons=(2.0,),
        seed=0,
    )
    return module, data, tmp_path


def full_loss(module: DistillModule, data: ReplayDataModule) -> float:
    data.setup("fit")
    assert data.window is not None
    arrays = data.window.arrays
    batch = {
        "obs": torch.from_numpy(arrays["obs"].astype(np.float32)),
        "mask": torch.from_numpy(arrays["mask"]),
        "policy": torch.from_numpy(arrays["policy"]),
        "value_target": torch.from_numpy(arrays["value_target"]),
        "short_term": torch.from_numpy(arrays["short_term"]),
    }
    module.net.eval()
    with torch.no_grad():
        loss = float(module.compute_losses(batch)["loss"])
    module.net.train()
    return loss


def test_learner_overfits_a_tiny_dataset(trained):
    module, data, tmp_path = trained
    before = full_loss(module, data)
    metrics = fit_generation(module, data, steps=40, log_dir=tmp_path / "logs", version="gen0")
    after = full_loss(module, data)
    assert after < 0.1 * before, (before, after)  # measured: 3.26 -> 0.04
    assert metrics["steps"] == 40 and module.steps_done == 40
    assert metrics["train/loss"] < metrics["mean/loss"]
    assert (tmp_path / "logs" / "csv" / "gen0" / "metrics.csv").exists()
    assert any((tmp_path / "logs" / "tb" / "gen0").iterdir())
    assert module.optimizer_state is not None
    fit_generation(module, data, steps=5, log_dir=tmp_path / "logs", version="gen1")
    assert module.steps_done == 45  # the schedule's step count carries across generations
    state = module.optimizer_state["state"]
    assert int(next(iter(state.values()))["step"]) == 45  # so does AdamW's state


def test_cosine_schedule_continues_across_fits(trained):
    _, data, tmp_path = trained
    config = LearnerSection(lr=1e-2, schedule="cosine", warmup_steps=2, min_lr_ratio=0.1)
    module = DistillModule(build_net(CONFIG, OBS, A), config, total_steps=12)

    def lr_now() -> float:
        assert module.optimizer_state is not None
        return float(module.optimizer_state["param_groups"][0]["lr"])

    def expected(step: int) -> float:
        return 1e-2 * lr_factor(
            step, schedule="cosine", warmup_steps=2, total_steps=12, min_ratio=0.1
        )

    fit_generation(module, data, steps=4, log_dir=tmp_path / "a")
    assert lr_now() == pytest.approx(expected(4))  # the rate for the next step
    fit_generation(module, data, steps=4, log_dir=tmp_path / "b")  # a fresh Trainer
    assert lr_now() == pytest.approx(expected(8))  # not restarted at step 4 of a new schedule


def test_checkpoint_round_trip_and_corruption(trained):
    module, data, tmp_path = trained
    fit_generation(module, data, steps=2, log_dir=tmp_path / "logs")
    path = save_checkpoint(tmp_path / "ckpt" / "gen0001.ckpt", module, extra={"generation": 1})
    fresh = DistillModule(build_net(CONFIG, OBS, A))
    payload = load_checkpoint(path, fresh)
    assert payload["extra"] == {"generation": 1} and fresh.steps_done == 2
    for key, value in module.net.state_dict().items():
        torch.testing.assert_close(fresh.net.state_dict()[key], value)
    assert fresh.optimizer_state is not None
    assert fresh.optimizer_state["param_groups"] == module.optimizer_state["param_groups"]
    rebuilt = build_net_from_checkpoint(path).eval()
    obs = torch.rand(4, *OBS)
    torch.testing.assert_close(rebuilt(obs)["value"], module.net.eval()(obs)["value"])

    wrong = DistillModule(build_net(NetConfig(), OBS, A))
    with pytest.raises(CorruptFileError, match="do not fit"):
        load_checkpoint(path, wrong)
    data_bytes = bytearray(path.read_bytes())
    data_bytes[-100] ^= 0x10
    path.write_bytes(bytes(data_bytes))
    with pytest.raises(CorruptFileError, match=r"gen0001\.ckpt.*checksum"):
        load_checkpoint(path, fresh)
    path.write_bytes(bytes(data_bytes[:1000]))
    with pytest.raises(CorruptFileError, match="truncated"):
        load_checkpoint(path, fresh)


def test_datamodule_yields_augmented_tensor_batches(trained):
    _, _, tmp_path = trained
    domain = distill.make("tictactoe")
    data = ReplayDataModule.for_domain(tmp_path / "replay", domain, batch_size=8, seed=1)
    assert data.action_perms is domain.action_perms
    batch = next(iter(data.train_dataloader()))
    assert batch["obs"].shape == (8, *OBS) and batch["obs"].dtype == torch.float32
    assert batch["mask"].dtype == torch.bool and batch["policy"].shape == (8, A)
    torch.testing.assert_close(batch["policy"].sum(dim=1), torch.ones(8))
    assert batch["value_target"].shape == (8,)
