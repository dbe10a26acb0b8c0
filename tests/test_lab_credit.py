"""Guards `distill lab credit`: a tiny tic-tac-toe run's self-play games, replayed from the
shards' ``action`` field, give value-target statistics against the solver's exact values
that are consistent (MSE = bias² + variance, λ=1 equals z, counts per phase add up), and
bad input (a λ outside [0, 1], shards without actions, a domain without a solver) ends
with one error line and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import SMOKE, sets
from conftest import TINY as BASE_TINY

from distill.cli import main
from distill.replay.format import FORMAT_VERSION
from distill.replay.shards import read_shard, write_shard

# the shared tiny run, without an arena: the lab reads only self-play
TINY = [*BASE_TINY, "arena.games=0", "arena.error_positions=0", "budget.generations=1"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("lab") / "run"
    assert main(["train", str(SMOKE), *sets(TINY), "--run-dir", str(root), "--quiet"]) == 0
    return root


def one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("distill lab: error: "), err
    return err[0]


def test_credit_json_is_consistent(tiny_run, tmp_path):
    out = tmp_path / "credit"
    assert main(["lab", "credit", str(tiny_run), "--out", str(out)]) == 0
    data = json.loads((out / "credit.json").read_text())
    assert (out / "credit.png").stat().st_size > 0
    assert data["domain"] == "tictactoe" and data["games"] > 0
    expected = {"z", "q", "lambda=0", "lambda=0.5", "lambda=0.8", "lambda=0.95", "lambda=1"}
    assert expected | {"mix=0.25", "mix=0.5", "mix=0.75"} == set(data["stats"])
    for phases in data["stats"].values():
        assert phases["all"]["count"] == data["positions"]
        assert sum(phases[p]["count"] for p in data["phases"]) == data["positions"]
        for s in phases.values():
            if s["count"]:
                assert s["mse"] == pytest.approx(s["bias"] ** 2 + s["variance"], abs=1e-9)
    assert data["stats"]["lambda=1"]["all"] == pytest.approx(data["stats"]["z"]["all"])
    # z is a game outcome (+-1 or 0) and the exact value too: its error is 0 or a multiple of 1
    assert data["stats"]["z"]["all"]["mse"] <= 4.0


def test_exact_values_are_the_solvers(tiny_run):
    """The replayed exact value of a game's first position is tic-tac-toe's draw (0)."""
    from distill.lab.credit import _game_exact
    from distill.registry import make

    shard = read_shard(next((tiny_run / "replay").glob("*.shard")))
    n = int(shard.arrays["game_length"][0])
    exact = _game_exact(
        make("tictactoe"), shard.arrays["action"][:n], shard.arrays["player"][:n], 0, {}
    )
    assert exact[0] == 0 and set(np.unique(exact)) <= {-1.0, 0.0, 1.0}
    # the game's last position is decided by the move played: exact value +1 if it won
    final = shard.arrays["game_final_value"][0]
    if final != 0:  # the last mover won: its position was a win
        assert exact[-1] == 1


def test_max_positions_and_min_ply_bound_the_work(tiny_run, tmp_path):
    out = tmp_path / "c"
    args = ["lab", "credit", str(tiny_run), "--out", str(out), "--min-ply", "3"]
    assert main([*args, "--max-positions", "5"]) == 0
    data = json.loads((out / "credit.json").read_text())
    assert data["min_ply"] == 3 and data["max_positions"] == 5
    assert data["stats"]["z"]["begin"]["count"] == 0 and data["stats"]["z"]["begin"]["mse"] is None


@pytest.mark.parametrize("lambdas", ["0,1.5", "-0.1", "x"])
def test_bad_lambda_is_one_line(tiny_run, tmp_path, capsys, lambdas):
    out = tmp_path / "c"
    assert main(["lab", "credit", str(tiny_run), "--out", str(out), "--lambdas", lambdas]) == 2
    assert "--lambdas" in one_error(capsys)
    assert not out.exists()


def test_shards_without_actions_are_one_line(tiny_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "old"
    shutil.copytree(tiny_run, run)
    for path in (run / "replay").glob("*.shard"):
        shard = read_shard(path)
        arrays = {k: v for k, v in shard.arrays.items() if k != "action"}
        path.unlink()
        write_shard(path, arrays, shard.meta, version=FORMAT_VERSION)
    assert main(["lab", "credit", str(run), "--out", str(tmp_path / "c")]) == 2
    assert "no 'action' field" in one_error(capsys)


def test_domain_without_solver_is_one_line(tiny_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "nosolver"
    shutil.copytree(tiny_run, run)
    recipe = run / "recipe.yaml"
    recipe.write_text(recipe.read_text().replace("id: tictactoe", "id: go"))
    assert main(["lab", "credit", str(run), "--out", str(tmp_path / "c")]) == 2
    assert "no exact solver" in one_error(capsys)
