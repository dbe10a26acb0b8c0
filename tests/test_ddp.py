"""Guards the data-parallel learner (`learner.devices: N`, distill.learn.ddp) on CPU with
2 gloo processes: every rank ends with the same parameters, the driver's module gets
them back with the optimizer state and step count (so the next generation continues the
schedule), the generation's checkpoint is written once, by the driver, holding those
weights, and a batch that does not split evenly is a recipe error."""

from __future__ import annotations

import csv
import io

import pytest
import torch
from conftest import SMOKE, TINY

from distill.errors import ConfigError
from distill.flywheel.loop import train
from distill.flywheel.run_dir import RunDir
from distill.learn import read_checkpoint
from distill.learn.ddp import weights_digest
from distill.metrics import parse_rows
from distill.progress import Progress
from distill.recipe import load_recipe, recipe_to_yaml

OVERRIDES = [*TINY, "learner.devices=2", "budget.generations=1", "arena.min_games=2"]


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory):
    recipe = load_recipe(SMOKE, OVERRIDES)
    run = RunDir.create(tmp_path_factory.mktemp("ddp") / "run", recipe_to_yaml(recipe))
    captured: dict[str, object] = {}

    import distill.learn.ddp as ddp

    real_read = ddp._read_rank

    def spy(out, rank):  # keep every rank's result for the test
        result = real_read(out, rank)
        captured[f"rank{rank}"] = result
        return result

    ddp._read_rank = spy
    try:
        state = train(run, Progress(io.StringIO()))
    finally:
        ddp._read_rank = real_read
    return run, state, captured


def test_ranks_agree_and_the_checkpoint_holds_their_weights(ddp_run):
    run, state, ranks = ddp_run
    assert state.finished and set(ranks) == {"rank0", "rank1"}
    for name, tensor in ranks["rank1"]["params"].items():  # the same weights, to float order
        assert torch.allclose(tensor, ranks["rank0"]["params"][name], rtol=0, atol=1e-5), name
    assert state.checkpoints == ["gen-00001.ckpt"]
    assert sorted(p.name for p in run.checkpoints.iterdir()) == ["gen-00001.ckpt"]
    payload = read_checkpoint(run.checkpoints / "gen-00001.ckpt")
    steps = load_recipe(SMOKE, OVERRIDES).learner.steps_per_generation
    assert payload["steps_done"] == steps == state.learner_steps
    assert payload["optimizer"] is not None and payload["optimizer"]["state"]

    from distill.learn.checkpoint import build_net_from_checkpoint

    net = build_net_from_checkpoint(run.checkpoints / "gen-00001.ckpt")
    assert weights_digest(net) == ranks["rank0"]["digest"]
    for name, tensor in ranks["rank0"]["net"].items():
        assert torch.equal(tensor, payload["net"][name]), name


def test_the_fit_is_logged_once_with_both_ranks(ddp_run):
    run, _, ranks = ddp_run
    with (run.root / "metrics.csv").open() as f:
        rows = parse_rows(csv.DictReader(f))
    assert len(rows) == 1 and rows[0].learner_steps == ranks["rank0"]["steps_done"]
    events = list((run.root / "tb" / "gen00001").glob("events.out.tfevents.*"))
    assert len(events) == 1  # rank 0 alone logs


def test_batch_must_split_evenly_over_devices():
    with pytest.raises(ConfigError, match="devices must be >= 1 and divide batch_size"):
        load_recipe(SMOKE, [*TINY, "learner.batch_size=15", "learner.devices=2"])


def test_ranks_that_drift_apart_are_refused_and_float_noise_is_not():
    from distill.errors import DistillError
    from distill.learn.ddp import _check_agreement

    base = {"w": torch.ones(3), "b": torch.zeros(2)}
    noisy = {"w": torch.ones(3) + 1e-7, "b": torch.zeros(2)}
    _check_agreement([{"params": base}, {"params": noisy}])
    apart = {"w": torch.tensor([1.0, 1.0, 1.01]), "b": torch.zeros(2)}
    with pytest.raises(DistillError, match=r"rank 1 .*\(w: largest difference"):
        _check_agreement([{"params": base}, {"params": apart}])
