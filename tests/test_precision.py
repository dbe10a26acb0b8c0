"""The recipe's ``precision`` (`distill.devices`): which dtype self-play inference and the
learner use on each device; a run in bfloat16 on the CPU with local actors trains (the
learner under Lightning's bf16-mixed, float32 weights in its checkpoints); a local actor
really evaluates in bfloat16; an unknown precision is one line, exit 2, nothing
written; and `distill bench learner` times both dtypes on the same batch."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from conftest import SMOKE, TINY, one_error, sets

import distill.devices
import distill.flywheel.generation as generation
from distill.actors import ActorPool
from distill.actors.actor import LocalEvaluator
from distill.cli import main
from distill.devices import inference_dtype, resolve_device
from distill.errors import ConfigError
from distill.flywheel.loop import train
from distill.flywheel.run_dir import RunDir
from distill.learn import read_checkpoint
from distill.progress import Progress
from distill.recipe import load_recipe, recipe_to_yaml
from distill.registry import make


@pytest.mark.parametrize(
    ("gpu", "device", "precision", "expected"),
    [
        (False, "auto", "auto", ("cpu", "float32", "32-true")),
        (False, "cpu", "bfloat16", ("cpu", "bfloat16", "bf16-mixed")),
        (False, "auto", "float32", ("cpu", "float32", "32-true")),
        (True, "auto", "auto", ("cuda", "bfloat16", "bf16-mixed")),
        (True, "cuda", "float32", ("cuda", "float32", "32-true")),
        (True, "cpu", "auto", ("cpu", "float32", "32-true")),
        (True, "cpu", "bfloat16", ("cpu", "bfloat16", "bf16-mixed")),
    ],
)
def test_precision_sets_inference_and_learner_dtypes(monkeypatch, gpu, device, precision, expected):
    monkeypatch.setattr(distill.devices, "cuda_available", lambda: gpu)
    placement = resolve_device(device, precision)
    assert (placement.device, placement.inference_dtype, placement.precision) == expected
    assert inference_dtype(placement.device, precision) == placement.inference_dtype


def test_an_unknown_precision_is_refused():
    with pytest.raises(ConfigError, match="precision must be auto, float32 or bfloat16"):
        resolve_device("cpu", "float16")


def test_an_unknown_precision_in_a_recipe_is_one_line_and_writes_nothing(tmp_path, capsys):
    root = tmp_path / "run"
    assert (
        main(["train", str(SMOKE), *sets([*TINY, "precision=bf16"]), "--run-dir", str(root)]) == 2
    )
    assert "precision" in one_error(capsys, "train")
    assert not root.exists()


def test_a_local_actor_evaluates_in_the_dtype_it_is_given(tmp_path, one_torch_thread):
    domain = make("go", size=9)
    recipe = load_recipe("go9-smoke")
    single = LocalEvaluator(recipe.network, domain, "float32")
    half = LocalEvaluator(recipe.network, domain, "bfloat16")
    torch.save(single.net.state_dict(), tmp_path / "weights.pt")
    half.load(str(tmp_path / "weights.pt"), 1)  # as an actor gets the learner's weights
    rng = np.random.default_rng(0)
    obs = (rng.random((8, *domain.obs_shape)) < 0.3).astype(np.float32)
    mask = np.ones((8, domain.num_actions), np.bool_)
    (logits32, value32), (logits16, value16) = single(obs, mask), half(obs, mask)
    gap = float(np.abs(logits32 - logits16).max())
    assert 0.0 < gap < 0.1, gap  # rounded to bfloat16 (8 bits of mantissa), not a different net
    assert np.abs(value32 - value16).max() < 0.05


def test_a_bfloat16_run_with_local_actors_trains_in_bf16_mixed(tmp_path, monkeypatch):
    seen: list[str | None] = []
    fit = generation.fit_generation

    def spy(*args, **kwargs):
        seen.append(kwargs.get("precision"))
        return fit(*args, **kwargs)

    monkeypatch.setattr(generation, "fit_generation", spy)
    specs: list[str] = []
    start = ActorPool._start

    def spy_start(pool, name, target, args):
        specs.append(args[0].dtype)  # the ActorSpec an actor process starts from
        return start(pool, name, target, args)

    monkeypatch.setattr(ActorPool, "_start", spy_start)
    overrides = [
        *TINY,
        "precision=bfloat16",
        "budget.generations=2",
        "selfplay.games_per_generation=4",
        "selfplay.concurrent_games=2",
        "selfplay.actors=2",
        "selfplay.inference=local",
    ]
    recipe = load_recipe(SMOKE, overrides)
    run = RunDir.create(tmp_path / "run", recipe_to_yaml(recipe))
    state = train(run, Progress(io.StringIO(), quiet=True))
    assert state.finished and state.generation == 2
    assert seen == ["bf16-mixed", "bf16-mixed"]
    assert specs == ["bfloat16", "bfloat16"]  # both actors' own nets
    weights = read_checkpoint(run.checkpoints / state.checkpoints[-1])["net"]
    tensors = [t for t in _tensors(weights) if t.is_floating_point()]
    assert tensors and all(t.dtype == torch.float32 for t in tensors)


def _tensors(tree):
    """Every tensor in a nested dict/list structure (a checkpoint)."""
    if isinstance(tree, torch.Tensor):
        yield tree
    elif isinstance(tree, dict):
        for value in tree.values():
            yield from _tensors(value)
    elif isinstance(tree, list | tuple):
        for value in tree:
            yield from _tensors(value)


def test_bench_learner_times_both_dtypes_on_one_batch(capsys, one_torch_thread):
    assert (
        main(["bench", "learner", "--recipe", "go9-smoke", "--steps", "1", "--repeats", "1"]) == 0
    )
    row = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert row["recipe"] == "go9-smoke" and set(row["samples_per_s"]) == {"float32", "bfloat16"}
    assert all(speed > 0 for speed in row["samples_per_s"].values())
    assert row["ratio"] == pytest.approx(
        row["samples_per_s"]["bfloat16"] / row["samples_per_s"]["float32"]
    )
    # the same weights and batch: the losses agree to bfloat16's precision, not exactly
    assert row["loss"]["float32"] == pytest.approx(row["loss"]["bfloat16"], rel=0.02)


def test_bench_inference_measures_a_recipes_own_network():
    from argparse import Namespace

    from distill.bench.inference import _network
    from distill.nets import count_flops

    args = Namespace(recipe="go9", board=(5, 5), planes=3, channels=8, blocks=1)
    net, obs_shape, actions, title = _network(args)
    domain = make("go", size=9, komi=7.5)
    assert (obs_shape, actions) == (domain.obs_shape, domain.num_actions)
    assert "go9" in title
    # go9's ResNet 5x40 with global pooling: about 23 MFLOP a position (docs/go.md)
    assert 20e6 < count_flops(net, obs_shape) < 26e6
