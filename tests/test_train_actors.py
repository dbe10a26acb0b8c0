"""Guards `distill train` on actor processes and on a chosen device (`distill.devices`,
`distill.flywheel.rounds`): ``device: cuda`` without a GPU and more ``selfplay.actors``
than cores are one line, exit 2, nothing written; with actors the weights reach every
round by version and each shard records it; and ``kill -9`` of the training process
while actors are mid-game, then ``--resume``, ends with exactly the run that
self-play in the training process itself writes (local actors evaluate with the same
weights and seeds), so only the games in flight were lost and none was counted twice.

The kills come from the write hook of `distill.fileio`, as in tests/test_resume.py: an
actor about to name its shard SIGKILLs the training process (``...:parent``), and the
actors die with it (`distill.actors.lifeline`); no timer is involved."""

from __future__ import annotations

import io
import os
import signal

import pytest
import torch
from conftest import SMOKE, TINY, one_error, sets
from killing import digest, run_until_killed, uninterrupted_run

import distill.devices
from distill.cli import main
from distill.devices import check_machine, resolve_device
from distill.errors import ConfigError
from distill.flywheel.loop import train
from distill.flywheel.run_dir import RunDir
from distill.learn import read_checkpoint
from distill.progress import Progress
from distill.recipe import load_recipe, recipe_to_yaml
from distill.replay import read_shard

#: 2 generations of 4 rounds of 2 games: with 2 actors, 2 pool rounds per generation.
ROUNDS = [*TINY, "selfplay.games_per_generation=8", "selfplay.concurrent_games=2"]
ACTORS = [*ROUNDS, "selfplay.actors=2", "selfplay.inference=local"]


def quiet() -> Progress:
    return Progress(io.StringIO(), quiet=True)


def test_resolve_device_follows_the_machine(monkeypatch):
    monkeypatch.setattr(distill.devices, "cuda_available", lambda: False)
    assert resolve_device("auto") == resolve_device("cpu")
    assert (resolve_device("cpu").accelerator, resolve_device("cpu").precision) == (
        "cpu",
        "32-true",
    )
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        resolve_device("cuda")
    monkeypatch.setattr(distill.devices, "cuda_available", lambda: True)
    auto = resolve_device("auto")
    assert (auto.device, auto.inference_dtype, auto.precision) == ("cuda", "bfloat16", "bf16-mixed")
    assert resolve_device("cpu").device == "cpu"  # an explicit cpu wins over a present GPU


#: One more actor than cores, with a round for each (more actors than rounds is refused
#: by the recipe itself, whatever the machine).
TOO_MANY_ACTORS = [
    f"selfplay.actors={(os.cpu_count() or 1) + 1}",
    f"selfplay.games_per_generation={(os.cpu_count() or 1) + 1}",
    "selfplay.concurrent_games=1",
]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (["device=cuda"], "recipe field device: device: cuda, but torch sees no CUDA GPU"),
        (TOO_MANY_ACTORS, "recipe field selfplay.actors: "),
    ],
)
def test_a_recipe_this_machine_cannot_run_writes_nothing(
    tmp_path, capsys, monkeypatch, overrides, expected
):
    monkeypatch.setattr(distill.devices, "cuda_available", lambda: False)
    root = tmp_path / "run"
    assert main(["train", str(SMOKE), *sets([*TINY, *overrides]), "--run-dir", str(root)]) == 2
    assert expected in one_error(capsys, "train")
    assert not root.exists()
    with pytest.raises(ConfigError, match=r"selfplay\.actors|device"):
        check_machine(load_recipe(SMOKE, overrides))


def test_resume_on_a_machine_without_the_gpu_changes_nothing(tmp_path, capsys, monkeypatch):
    root = tmp_path / "run"
    recipe = load_recipe(SMOKE, [*TINY, "device=cuda"])
    RunDir.create(root, recipe_to_yaml(recipe))
    (root / "replay" / "stray.shard").write_bytes(b"unrecorded")  # resume would delete it
    monkeypatch.setattr(distill.devices, "cuda_available", lambda: False)
    assert main(["train", "--resume", str(root)]) == 2
    assert "no CUDA GPU" in one_error(capsys, "train")
    assert (root / "replay" / "stray.shard").exists()


@pytest.fixture(scope="module")
def in_process(tmp_path_factory):
    """The same run with self-play in the training process: the reference."""
    return uninterrupted_run(tmp_path_factory.mktemp("ref"), SMOKE, ROUNDS)


def test_kill_9_while_actors_play_then_resume_loses_only_games_in_flight(
    tmp_path, in_process, one_torch_thread
):
    ref_run, ref_state = in_process
    root = tmp_path / "run"
    # 1. the training process dies while round 3 (of 0..3) is being written by actor 1 and
    #    actor 0 plays or writes round 2: rounds 0 and 1 are recorded, 2 and 3 are not
    first = [str(SMOKE), *sets(ACTORS), "--run-dir", str(root)]
    result = run_until_killed(first, "unnamed:g000000-r0003.shard:1:parent")
    assert result.returncode == -signal.SIGKILL, result.stderr
    state = RunDir(root).read_state()
    assert (state.rounds_done, state.shards) == (2, ref_state.shards[:2])
    # 2. resumed, it replays rounds 2 and 3 and dies after the first fit, before recording it
    result = run_until_killed(["--resume", str(root)], "written:gen-00001.ckpt:1")
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert RunDir(root).read_state().shards == ref_state.shards[:4]
    state = train(RunDir.open(root), quiet())  # the last resume, in this process
    assert state.finished
    for key in ("generation", "shards", "checkpoints", "games", "positions", "learner_steps"):
        assert getattr(state, key) == getattr(ref_state, key), key
    assert sorted(p.name for p in (root / "replay").iterdir()) == ref_state.shards
    for name in ref_state.shards:  # the games the in-process run played, byte for byte
        assert digest(root / "replay" / name) == digest(ref_run.replay / name), name
    ours = read_checkpoint(root / "checkpoints" / state.checkpoints[-1])["net"]
    theirs = read_checkpoint(ref_run.checkpoints / ref_state.checkpoints[-1])["net"]
    assert all(torch.equal(ours[k], v) for k, v in theirs.items())


def test_server_actors_play_each_generation_with_its_weights_version(tmp_path):
    overrides = [*ROUNDS, "selfplay.actors=1", "selfplay.inference=server"]
    run = RunDir.create(tmp_path / "run", recipe_to_yaml(load_recipe(SMOKE, overrides)))
    state = train(run, quiet())
    assert state.finished and state.games == 16 and len(state.shards) == 8
    versions = [read_shard(run.replay / name).meta["weights_version"] for name in state.shards]
    assert versions == [0, 0, 0, 0, 1, 1, 1, 1]  # version k = the weights of gen-k.ckpt
    assert (run.games / "gen-00001.txt").read_text().count("result") == 2


def test_actors_play_every_board_size_of_a_multi_size_recipe(tmp_path):
    """go19-smoke (19, 13 and 9 in one padded frame) on 2 actors: every size is played,
    and each shard names the weights version it was played with."""
    import numpy as np

    go19 = SMOKE.parent / "go19-smoke.yaml"
    two_rounds = ["selfplay.concurrent_games=3", "selfplay.actors=2", "selfplay.inference=local"]
    overrides = [*two_rounds, "budget.generations=1"]
    run = RunDir.create(tmp_path / "run", recipe_to_yaml(load_recipe(go19, overrides)))
    state = train(run, quiet())
    assert state.finished and state.games == 6
    shards = [read_shard(run.replay / name) for name in state.shards]
    on_board = np.concatenate([s.arrays["obs"][:, 0].sum(axis=(1, 2)) for s in shards])
    assert set(np.unique(on_board).astype(int)) == {81, 169, 361}  # the mask plane's area
    assert [s.meta["weights_version"] for s in shards] == [0] * len(shards)


@pytest.mark.parametrize("inference", ["server", "local", "in-process"])
def test_actors_search_with_the_score_utility(tmp_path, inference):
    """go9-smoke with KataGo's score utility on: the margins reach the actors' searches
    from the inference server's slots (or the actor's own net, or the training process's
    own; a search whose evaluator gives none refuses to start), and a generation trains.
    Where the same weights and seeds replay the same games (local actors, in-process),
    the games without the utility differ: the margins steer the search."""
    go9 = SMOKE.parent / "go9-smoke.yaml"
    base = ["budget.generations=1"]
    if inference != "in-process":
        base += ["selfplay.actors=1", f"selfplay.inference={inference}"]
    utility = ["search.score_utility_static=0.5", "search.score_utility_dynamic=0.5"]
    moves = []
    for extra in (utility, []):
        run = RunDir.create(
            tmp_path / f"run{len(extra)}", recipe_to_yaml(load_recipe(go9, [*base, *extra]))
        )
        state = train(run, quiet())
        assert state.finished and state.games == 4
        moves.append([read_shard(run.replay / name).arrays["action"] for name in state.shards])
    if inference != "server":
        pairs = zip(*moves, strict=True)
        assert any(a.shape != b.shape or (a != b).any() for a, b in pairs)
