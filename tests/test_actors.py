"""Guards the actor pool (`distill.actors`): N spawn-started actor processes playing
self-play rounds, evaluated by one inference server through shared memory or by a local
copy of the net each. Local actors must reproduce the in-process `SelfPlayWorker` game for
game; server actors must write complete shards whose positions the server counted;
a bad actor count and a dead child are one clear error."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import distill
from distill.actors import ActorPool, check_actor_count
from distill.errors import ConfigError, DistillError
from distill.flywheel.selfplay import SelfPlayWorker
from distill.inference import NetEvaluator
from distill.nets import NetConfig, ResNetConfig, build_net
from distill.recipe import SelfPlaySection
from distill.replay import read_shard
from distill.search import SearchConfig

NET = NetConfig(resnet=ResNetConfig(channels=8, blocks=1, global_pool_every=0))
SEARCH = SearchConfig(algorithm="gumbel", num_simulations=8, gumbel_num_considered=4)
SELFPLAY = SelfPlaySection(temperature_moves=0)


def _pool(**kwargs) -> ActorPool:
    return ActorPool(
        "tictactoe",
        {},
        net_config=NET,
        search=SEARCH,
        selfplay=SELFPLAY,
        actors=2,
        games_per_actor=4,
        **kwargs,
    )


def _weights() -> dict[str, torch.Tensor]:
    torch.manual_seed(3)
    domain = distill.make("tictactoe")
    return build_net(NET, domain.obs_shape, domain.num_actions).state_dict()


def test_local_actors_play_the_in_process_games(tmp_path, one_torch_thread):
    domain = distill.make("tictactoe")
    net = build_net(NET, domain.obs_shape, domain.num_actions)
    net.load_state_dict(_weights())
    paths = [tmp_path / "a.shard", tmp_path / "b.shard"]
    with _pool(inference="local") as pool:
        pool.set_weights(_weights())
        stats = pool.play([[1, 0], [1, 1]], paths, 0, [0, 100])
    assert [s["version"] for s in stats] == [1, 1]
    for key, path, s in zip(([1, 0], [1, 1]), paths, stats, strict=True):
        worker = SelfPlayWorker(
            domain, NetEvaluator(net), search=SEARCH, selfplay=SELFPLAY, num_games=4
        )
        batch = worker.play(np.random.default_rng(key))
        shard = read_shard(path)
        assert shard.num_games == 4 == s["games"]
        assert shard.num_positions == batch.num_positions == s["positions"]
        np.testing.assert_array_equal(shard.arrays["policy"], batch.policy)
        assert s["outcomes"] == batch.first_player_outcomes().tolist()


def test_server_actors_write_shards_the_server_counted(tmp_path):
    paths = [tmp_path / "a.shard", None]
    with _pool() as pool:
        pool.set_weights(_weights())
        pool.server_stats(reset=True)
        stats = pool.play([[2, 0], [2, 1]], paths, 0, [0, 100])
        server = pool.server_stats()
    assert read_shard(paths[0]).num_positions == stats[0]["positions"] > 0
    assert server["positions"] == sum(s["evaluated"] for s in stats)
    assert 1 <= server["batch_mean"] <= server["batch_p95"] <= 2 * 4 + 2


def test_null_server_measures_the_actors_alone():
    with _pool(null=True) as pool:
        stats = pool.play([[4, 0], [4, 1]], [None, None], 0, [0, 4])
        server = pool.server_stats()
    assert server["forward_s"] == 0.0 and server["positions"] == sum(s["evaluated"] for s in stats)


def test_bad_actor_counts_and_failures_are_one_clear_error(tmp_path):
    with pytest.raises(ConfigError, match=r"actors must be in 1\.\."):
        check_actor_count(0)
    with pytest.raises(ConfigError, match=r"actors must be in 1\.\."):
        check_actor_count(10_000)
    (tmp_path / "file").write_text("not a directory")
    with _pool(inference="local") as pool, pytest.raises(DistillError, match="actor 0 failed"):
        pool.play([[0], [1]], [tmp_path / "file" / "y.shard", None], 0, [0, 4])


def test_bench_selfplay_with_actors_prints_one_json_line(capsys):
    from distill.bench.selfplay import main

    argv = ["--domain", "tictactoe", "--games", "4", "--simulations", "4", "--channels", "8"]
    assert main([*argv, "--blocks", "1", "--actors", "1", "--null"]) == 0
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["inference"] == "null" and line["gpu_busy_share"] is None
    assert line["evals_per_s"] > 0 and line["positions_per_s"] > 0 and line["host_us_per_sim"] > 0
    assert 1 <= line["batch_mean"] <= line["batch_p95"] <= 4 + 1
