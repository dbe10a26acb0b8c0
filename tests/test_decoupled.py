"""Guards the decoupled mode (``selfplay.decoupled``, `distill.flywheel.decoupled`): the
recipe switch is refused, one line and exit 2 with nothing written, where it cannot run
(neither actors nor Ray units, an on-policy loss, a cap <= 0); the cap on learner samples per
position is exact on hand-made counts; a run plays data generation d with weights version
max(d-1, 0), records each shard's version and the staleness, and keeps its learner
samples within the cap; and ``kill -9`` of the training process (mid-arena, and by an
actor while the learner trains), then ``--resume``, ends with exactly the uninterrupted
decoupled run: the same shards byte for byte, the same final weights.

The kills come from the write hook of `distill.fileio`, as in tests/test_train_actors.py;
no timer is involved."""

from __future__ import annotations

import io
import signal

import pytest
import torch
from conftest import SMOKE, TINY, one_error, sets
from killing import digest, run_until_killed, uninterrupted_run

from distill.actors.pool import ActorPool
from distill.cli import main
from distill.errors import ConfigError
from distill.flywheel.decoupled import capped_steps, played_with
from distill.flywheel.generation import Learner, fits_done, load_version
from distill.flywheel.loop import train
from distill.flywheel.run_dir import RunDir, checkpoint_name
from distill.learn import read_checkpoint, save_checkpoint
from distill.progress import Progress
from distill.recipe import load_recipe, recipe_to_yaml
from distill.registry import make
from distill.replay import read_shard

#: 3 generations of 4 rounds of 2 games, on one actor process with its own net.
DECOUPLED = [
    *TINY,
    "selfplay.games_per_generation=8",
    "selfplay.concurrent_games=2",
    "selfplay.actors=1",
    "selfplay.inference=local",
    "selfplay.decoupled=true",
    "budget.generations=3",
]


def quiet() -> Progress:
    return Progress(io.StringIO(), quiet=True)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ["selfplay.decoupled=true"],
            "selfplay.decoupled: true needs actor processes to keep playing while the "
            "learner trains: set selfplay.actors >= 1 or train with --ray",
        ),
        (
            [
                "selfplay.actors=1",
                "selfplay.decoupled=true",
                "credit.policy_loss=reinforce",
                "selfplay.actor=policy",
            ],
            "credit.policy_loss: reinforce is on-policy",
        ),
        (["learner.max_samples_per_position=0"], "max_samples_per_position must be > 0"),
    ],
)
def test_a_recipe_decoupled_cannot_run_is_one_line_and_writes_nothing(
    tmp_path, capsys, overrides, expected
):
    root = tmp_path / "run"
    assert main(["train", str(SMOKE), *sets([*TINY, *overrides]), "--run-dir", str(root)]) == 2
    assert expected in one_error(capsys, "train")
    assert not root.exists()


def test_the_library_refuses_a_decoupled_run_without_actors_before_writing(tmp_path):
    recipe = load_recipe(SMOKE, [*TINY, "selfplay.decoupled=true"])  # valid with --ray
    run = RunDir.create(tmp_path / "run", recipe_to_yaml(recipe))
    with pytest.raises(ConfigError, match="needs actor processes"):
        train(run, quiet())
    assert run.read_state().shards == [] and not list(run.replay.iterdir())


def test_the_cap_limits_learner_samples_per_recorded_position():
    # 100 positions x 4 samples = 400 samples allowed; 0 steps of 32 done: 12 steps fit
    assert capped_steps(50, 32, 4.0, 100, 0) == 12
    assert capped_steps(10, 32, 4.0, 100, 0) == 10  # the recipe's steps, when they fit
    assert capped_steps(10, 32, 4.0, 100, 12) == 0  # 384 done: 16 left, less than a batch
    assert capped_steps(10, 32, 4.0, 200, 12) == 10  # 800 - 384 = 416 samples: 13 steps
    assert capped_steps(20, 32, 4.0, 200, 12) == 13
    assert capped_steps(10, 16, 0.5, 57, 0) == 1  # floor(28.5) = 28 samples: one batch
    assert capped_steps(10, 16, 0.5, 57, 5) == 0  # already past the cap: none, never < 0
    assert [played_with(d) for d in range(4)] == [0, 0, 1, 2]


def test_a_decoupled_run_records_versions_staleness_and_keeps_the_cap(tmp_path):
    """A server evaluates the actor's leaves here: versions change only between rounds."""
    overrides = [
        *DECOUPLED,
        "selfplay.inference=server",
        "learner.max_samples_per_position=0.5",
        "learner.steps_per_generation=8",
    ]
    run = RunDir.create(tmp_path / "run", recipe_to_yaml(load_recipe(SMOKE, overrides)))
    state = train(run, quiet())
    assert state.finished and state.games == 24 and len(state.checkpoints) == 3
    versions = [read_shard(run.replay / name).meta["weights_version"] for name in state.shards]
    assert versions == [0] * 8 + [1] * 4  # data generation d: version max(d - 1, 0)
    rows = run.read_metrics()
    assert [r["staleness"] for r in rows] == ["0", "1", "1"]
    assert [r["staleness_max"] for r in rows] == ["0", "1", "1"]
    for row in rows:  # the cap: samples so far <= 0.5 x positions so far, and as many as fit
        samples, positions = int(row["learner_steps"]) * 16, int(row["positions"])
        assert samples <= 0.5 * positions < samples + 16
        assert float(row["samples_per_position"]) == pytest.approx(samples / positions, 1e-4)
        assert float(row["learner_wait_s"]) >= 0.0
    assert sorted(p.name for p in run.replay.iterdir()) == state.shards


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return uninterrupted_run(tmp_path_factory.mktemp("ref"), SMOKE, DECOUPLED)


def test_kill_9_mid_arena_and_mid_fit_then_resume_equals_the_uninterrupted_run(
    tmp_path, uninterrupted, one_torch_thread
):
    ref_run, ref_state = uninterrupted
    root = tmp_path / "run"
    # 1. killed as generation 0's metrics row is written: fit 0 and arena 0 are done, the
    #    actor plays data generation 1 (version 0): none of it is recorded yet
    first = [str(SMOKE), *sets(DECOUPLED), "--run-dir", str(root)]
    result = run_until_killed(first, "unnamed:metrics.csv:1")
    assert result.returncode == -signal.SIGKILL, result.stderr
    state = RunDir(root).read_state()
    assert (state.phase, state.shards, len(state.checkpoints)) == (
        "learned",
        ref_state.shards[:4],
        1,
    )
    # 2. resumed, it replays data generation 1 with version 0 (the initial net, rebuilt);
    #    the actor, about to name data generation 2's first shard, kills it while it fits
    #    or evaluates generation 1 (before it could record any of data generation 2)
    result = run_until_killed(["--resume", str(root)], "unnamed:g000002-r0000.shard:1:parent")
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert RunDir(root).read_state().shards == ref_state.shards[:8]
    state = train(RunDir.open(root), quiet())  # the last resume, in this process
    assert state.finished
    for key in ("generation", "shards", "checkpoints", "games", "positions", "learner_steps"):
        assert getattr(state, key) == getattr(ref_state, key), key
    assert sorted(p.name for p in (root / "replay").iterdir()) == ref_state.shards
    for name in ref_state.shards:  # the games of the uninterrupted run, byte for byte
        assert digest(root / "replay" / name) == digest(ref_run.replay / name), name
    ours = read_checkpoint(root / "checkpoints" / state.checkpoints[-1])["net"]
    theirs = read_checkpoint(ref_run.checkpoints / ref_state.checkpoints[-1])["net"]
    assert all(torch.equal(ours[k], v) for k, v in theirs.items())
    # generation 0's self-play metrics went with the killed session (as in coupled runs)
    assert [r["staleness"] for r in RunDir(root).read_metrics()] == ["", "1", "1"]


def _begun_from_other_weights(tmp_path, overrides: list[str]) -> tuple[RunDir, dict]:
    """A run dir laid out as `distill pretrain` and `distill export` leave one: its
    first checkpoint gen-00000.ckpt holds weights other than the recipe's seeded
    initial net (those of seed 7). Returns the run and those weights."""
    recipe = load_recipe(SMOKE, overrides)
    run = RunDir.create(tmp_path / "run", recipe_to_yaml(recipe))
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    other = Learner.create(load_recipe(SMOKE, [*overrides, "seed=7"]), domain)
    name = checkpoint_name(-1)
    save_checkpoint(run.checkpoints / name, other.module, extra={"generation": 0})
    state = run.read_state()
    state.checkpoints = [name]
    run.write_state(state)
    return run, other.weights()


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_version_0_of_a_pretrained_or_exported_run_is_its_gen_00000(tmp_path):
    run, begun = _begun_from_other_weights(tmp_path, DECOUPLED)
    recipe, state = load_recipe(SMOKE, DECOUPLED), run.read_state()
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    seeded = Learner.create(recipe, domain).weights()
    assert not _same(begun, seeded)
    assert fits_done(state) == 0
    assert _same(load_version(recipe, run, state, domain, 0).weights(), begun)
    tabula_rasa = RunDir.create(tmp_path / "tr", recipe_to_yaml(recipe))
    zero = load_version(recipe, tabula_rasa, tabula_rasa.read_state(), domain, 0)
    assert _same(zero.weights(), seeded)


def test_a_decoupled_run_begun_from_gen_00000_plays_its_first_rounds_with_it(tmp_path, monkeypatch):
    """Data generations 0 and 1 are played by version 0 (`played_with`): for a run made
    by `distill pretrain` or `distill export`, that is its gen-00000.ckpt, not the
    recipe's seeded initial net (which once played them and undid a warm start)."""
    published: dict[int, dict] = {}
    original = ActorPool.set_weights

    def spy(self, state_dict, version=None):
        published.setdefault(int(version or 0), {k: v.clone() for k, v in state_dict.items()})
        return original(self, state_dict, version)

    monkeypatch.setattr(ActorPool, "set_weights", spy)
    run, begun = _begun_from_other_weights(tmp_path, DECOUPLED)
    state = train(run, quiet())
    assert state.finished and state.checkpoints[0] == "gen-00000.ckpt"
    assert sorted(published) == [0, 1]
    assert _same(published[0], begun)
    assert _same(published[1], read_checkpoint(run.checkpoints / "gen-00001.ckpt")["net"])
