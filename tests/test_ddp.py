"""Guards the data-parallel learner (`learner.devices: N`, distill.learn.ddp) on CPU with
2 gloo processes, over two generations: every rank ends with the same parameters, bit
for bit (each rank steps its own copy: spawning had put them all in one shared memory),
the driver's module gets them back with the optimizer state and step count (so the next
generation continues the schedule, AdamW's step count included), the generation's
checkpoint is written once, by the driver, holding those weights, and a batch that does
not split evenly is a recipe error."""

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

OVERRIDES = [*TINY, "learner.devices=2", "budget.generations=2", "arena.min_games=2"]


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
    # private weights per rank, the same all-reduced gradients: the same bits
    assert ranks["rank1"]["digest"] == ranks["rank0"]["digest"]
    names = ["gen-00001.ckpt", "gen-00002.ckpt"]
    assert state.checkpoints == names == sorted(p.name for p in run.checkpoints.iterdir())
    first = read_checkpoint(run.checkpoints / names[0])
    payload = read_checkpoint(run.checkpoints / names[1])  # ranks captured: the last fit's
    steps = load_recipe(SMOKE, OVERRIDES).learner.steps_per_generation
    assert first["steps_done"] == steps  # the second fit continued the schedule:
    assert payload["steps_done"] == 2 * steps == state.learner_steps
    assert payload["optimizer"] is not None and payload["optimizer"]["state"]
    step = next(iter(payload["optimizer"]["state"].values()))["step"]
    assert int(step) == 2 * steps  # AdamW's own count went on from the first fit

    from distill.learn.checkpoint import build_net_from_checkpoint

    net = build_net_from_checkpoint(run.checkpoints / names[1])
    assert weights_digest(net) == ranks["rank0"]["digest"]
    for name, tensor in ranks["rank0"]["net"].items():
        assert torch.equal(tensor, payload["net"][name]), name


def test_the_fit_is_logged_once_with_both_ranks(ddp_run):
    run, _, ranks = ddp_run
    with (run.root / "metrics.csv").open() as f:
        rows = parse_rows(csv.DictReader(f))
    assert len(rows) == 2 and rows[-1].learner_steps == ranks["rank0"]["steps_done"]
    for gen in ("gen00001", "gen00002"):
        events = list((run.root / "tb" / gen).glob("events.out.tfevents.*"))
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
