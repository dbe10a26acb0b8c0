"""Guards `distill train --ray` (distill.scale.ray_selfplay) on a local Ray cluster.

The tic-tac-toe smoke recipe trains two generations on 2 Ray units; one unit is
SIGKILLed after it played round 0 of generation 1 and before it returned it (the games in
flight), Ray restarts it and the round is played again. The run's shards and final
checkpoint must be byte-identical to an in-process run of the same recipe: no game lost,
none counted twice, and the units used each generation's weights. A two-node cluster
simulated on this machine gets one unit a node through ``--ray HOST:PORT``. Bad input
(Ray missing, an address where nothing listens) is one error line, exit 2, nothing
written.

CI installs ``distill[ray]`` (make install); the Ray run is skipped only where Ray is not
importable.
"""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import SMOKE, TINY, one_error, sets

from distill.cli import main
from distill.flywheel.loop import train
from distill.flywheel.run_dir import RunDir
from distill.learn import read_checkpoint
from distill.progress import Progress
from distill.recipe import load_recipe, recipe_to_yaml
from distill.replay import read_shard
from distill.scale.ray_selfplay import KILL_HOOK_ENV, check_address

needs_ray = pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="ray is not installed (distill[ray])"
)
OVERRIDES = [*TINY, "selfplay.ray_actors=2", "arena.min_games=2"]


def train_on_ray_killing_once(root, overrides):
    """`distill train --ray auto` of the smoke recipe with `overrides` into root/run, the
    unit that plays round 0 of generation 1 killed once (after playing it, before
    returning it); returns (marker file, the run's output). The run must succeed."""
    marker = root / "killed"
    env = {**os.environ, KILL_HOOK_ENV: f"1:0:{marker}"}
    command = [sys.executable, "-m", "distill.cli", "train", str(SMOKE), *sets(overrides)]
    command += ["--run-dir", str(root / "run"), "--ray", "auto", "--ray-object-store-mb", "128"]
    log = root / "train.log"
    with log.open("w") as out:  # a file, not a pipe: Ray's daemons may hold a pipe open
        # The timeout only turns a hang into a failure (the run takes about a minute).
        code = subprocess.run(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=1800
        ).returncode
    assert code == 0, log.read_text()
    return marker, log.read_text()


@pytest.fixture(scope="module")
def ray_run(tmp_path_factory):
    """The smoke recipe trained through the CLI with --ray auto, one unit killed once."""
    root = tmp_path_factory.mktemp("ray")
    marker, text = train_on_ray_killing_once(root, OVERRIDES)
    return root, marker, text


@needs_ray
def test_a_killed_unit_is_restarted_and_the_run_matches_an_in_process_run(
    ray_run, tmp_path, one_torch_thread
):
    root, marker, stdout = ray_run
    assert marker.is_file()  # the unit really died once
    assert "Ray: 2 self-play unit(s)" in stdout
    assert "round 0 of generation 1 died; the round is played again" in stdout
    ray_dir = RunDir.open(root / "run")
    state = ray_dir.read_state()
    shards = [read_shard(ray_dir.replay / name) for name in state.shards]
    game_ids = np.concatenate([s.arrays["game_id"] for s in shards])
    assert state.finished and state.games == 16 == len(set(game_ids.tolist()))
    assert sorted(p.name for p in ray_dir.replay.iterdir()) == state.shards

    local = RunDir.create(tmp_path / "local", recipe_to_yaml(load_recipe(SMOKE, OVERRIDES)))
    assert train(local, Progress(io.StringIO())).games == 16
    for name in state.shards:
        assert (ray_dir.replay / name).read_bytes() == (local.replay / name).read_bytes()
    last = state.checkpoints[-1]
    assert (ray_dir.checkpoints / last).read_bytes() == (local.checkpoints / last).read_bytes()


@needs_ray
def test_two_nodes_get_one_unit_each_through_the_address(tmp_path):
    """A two-node Ray cluster on this machine (`ray.cluster_utils.Cluster`: two raylets of
    one CPU each, as two machines would be): ``distill train --ray HOST:PORT`` with no
    ``ray_actors`` starts one unit a node, placed one a node, and trains the smoke
    recipe to its end."""
    from ray.cluster_utils import Cluster

    store = 80 * 2**20
    cluster = Cluster(
        initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": store}
    )
    try:
        cluster.add_node(num_cpus=1, object_store_memory=store)
        cluster.wait_for_nodes()
        overrides = [*TINY, "arena.min_games=2"]
        command = [sys.executable, "-m", "distill.cli", "train", str(SMOKE), *sets(overrides)]
        command += ["--run-dir", str(tmp_path / "run"), "--ray", cluster.address]
        log = tmp_path / "train.log"
        with log.open("w") as out:  # a file, not a pipe (Ray's daemons may hold a pipe)
            code = subprocess.run(
                command, stdout=out, stderr=subprocess.STDOUT, timeout=1800
            ).returncode
        assert code == 0, log.read_text()
    finally:
        cluster.shutdown()
    assert "Ray: 2 self-play unit(s) on 2 of the cluster's 2 node(s)" in log.read_text()
    state = RunDir.open(tmp_path / "run").read_state()
    assert state.finished and state.games == 16


#: Decoupled on 2 Ray units: 3 generations of 4 rounds of 2 games.
DECOUPLED = [
    *TINY,
    "selfplay.games_per_generation=8",
    "selfplay.concurrent_games=2",
    "selfplay.ray_actors=2",
    "selfplay.decoupled=true",
    "budget.generations=3",
    "arena.min_games=2",
]


@needs_ray
def test_decoupled_on_ray_units_matches_actor_processes_after_a_unit_dies(
    tmp_path, one_torch_thread
):
    """``selfplay.decoupled`` through `RayActorPool`: round 0 of data generation 1 (played
    while the learner fits generation 0) loses its unit once; the run ends with the
    shards and weights of the same schedule on actor processes, byte for byte, each
    shard recording the version the schedule names."""
    marker, text = train_on_ray_killing_once(tmp_path, DECOUPLED)
    assert marker.is_file() and "round 0 of generation 1 died; the round is played again" in text
    ray_dir = RunDir.open(tmp_path / "run")
    state = ray_dir.read_state()
    assert state.finished and state.games == 24 and len(state.shards) == 12
    versions = [read_shard(ray_dir.replay / n).meta["weights_version"] for n in state.shards]
    assert versions == [0] * 8 + [1] * 4  # data generation d: version max(d - 1, 0)

    actors = [*DECOUPLED, "selfplay.actors=2", "selfplay.inference=local"]
    local = RunDir.create(tmp_path / "actors", recipe_to_yaml(load_recipe(SMOKE, actors)))
    assert train(local, Progress(io.StringIO())).shards == state.shards
    for name in state.shards:
        assert (ray_dir.replay / name).read_bytes() == (local.replay / name).read_bytes()
    last = state.checkpoints[-1]
    ours = read_checkpoint(ray_dir.checkpoints / last)["net"]
    theirs = read_checkpoint(local.checkpoints / last)["net"]
    assert all(torch.equal(ours[k], v) for k, v in theirs.items())


def test_without_ray_installed_one_line_and_nothing_written(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    run = tmp_path / "run"
    assert main(["train", str(SMOKE), "--run-dir", str(run), "--ray", "auto"]) == 2
    assert "pip install 'distill[ray]'" in one_error(capsys, "train")
    assert not run.exists()


@needs_ray
@pytest.mark.parametrize(
    ("address", "expected"),
    [("127.0.0.1:1", "no Ray cluster answers there"), ("nowhere", "HOST:PORT")],
)
def test_unreachable_address_one_line_and_nothing_written(tmp_path, capsys, address, expected):
    run = tmp_path / "run"
    assert main(["train", str(SMOKE), "--run-dir", str(run), "--ray", address]) == 2
    err = one_error(capsys, "train")
    assert f"--ray {address}" in err and expected in err
    assert not run.exists()


@needs_ray
def test_more_units_than_cores_one_line_and_nothing_written(tmp_path, capsys):
    run, too_many = tmp_path / "run", (os.cpu_count() or 1) + 1
    argv = ["train", str(SMOKE), "--run-dir", str(run), "--ray", "auto"]
    assert main([*argv, "--set", f"selfplay.ray_actors={too_many}"]) == 2
    assert f"ray_actors={too_many}" in one_error(capsys, "train")
    assert not run.exists()


def test_check_address_accepts_auto_and_a_listening_port():
    import socket

    check_address("auto")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        check_address(f"127.0.0.1:{server.getsockname()[1]}")
        check_address(f"ray://127.0.0.1:{server.getsockname()[1]}")


def test_zero_ray_actors_is_a_recipe_error(tmp_path, capsys):
    assert main(["train", str(SMOKE), "--set", "selfplay.ray_actors=0"]) == 2
    assert "ray_actors must be >= 1" in one_error(capsys, "train")
