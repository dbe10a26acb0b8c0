"""Guards `distill lab resign` (claim (c), false resignations): the counts follow the
definitions (a resignation is false when the solver says the position is not lost), the
exact values are the solver's, a value head that always says "lost" resigns every scored
position and is wrong exactly on the ones that are not lost, and bad input (a recipe
that never resigns, a threshold outside (-1, 0), a domain without a solver) ends with
one error line and exit code 2, with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import SMOKE, one_error, sets
from conftest import TINY as BASE_TINY

from distill.cli import main
from distill.lab.resign import measure, resign_row, selfplay_counts

TINY = [*BASE_TINY, "arena.games=0", "arena.error_positions=0", "budget.generations=1"]


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("resign") / "run"
    assert main(["train", str(SMOKE), *sets(TINY), "--run-dir", str(root), "--quiet"]) == 0
    return root


def test_resign_row_counts():
    values = np.array([-0.99, -0.99, 0.5, -0.99, -0.2])
    exact = np.array([-1, 0, 1, 1, -1])
    row = resign_row("net", "end", values, exact, -0.95)
    assert (row.positions, row.lost, row.would_resign, row.false_resign, row.missed) == (
        5,
        2,
        3,
        2,
        1,
    )
    assert row.false_rate == pytest.approx(2 / 3) and row.false_share == pytest.approx(0.4)
    assert resign_row("net", "end", values, exact, -0.999).false_rate is None


class _Constant:
    """An evaluator with uniform priors and one value everywhere."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n, a = mask.shape
        return np.zeros((n, a), np.float32), np.full(n, self.value, np.float32)


def test_a_value_head_that_always_says_lost_is_wrong_where_the_solver_says_not(tiny_run):
    from distill.arena.agent import load_agent
    from distill.arena.match import replay_lines
    from distill.arena.positions import position_set

    agent = load_agent(tiny_run)
    agent.evaluator = _Constant(-1.0)
    rows = {(r.source, r.phase): r for r in measure(agent, -0.5, 8, 4)}
    domain = agent.domain
    lost_total = 0
    for bucket in domain.eval_buckets or {}:
        positions = position_set(domain, bucket, 8, 0)
        games = replay_lines(domain, [p.moves for p in positions])
        lost = sum(max(s for s in domain.solver(g.store[0]) if s is not None) < 0 for g in games)
        net = rows["net", bucket]
        assert net.lost == lost and net.would_resign == net.positions == len(positions)
        assert net.false_resign == net.positions - lost and net.missed == 0
        lost_total += lost
    assert rows["net", "all"].lost == lost_total == rows["search", "all"].lost
    agent.evaluator = _Constant(1.0)
    assert all(r.would_resign == 0 for r in measure(agent, -0.5, 8, 4) if r.source == "net")


def test_resign_json_and_selfplay_counts(tiny_run, tmp_path):
    out = tmp_path / "resign"
    args = ["lab", "resign", str(tiny_run), "--out", str(out), "--threshold", "-0.5"]
    assert main([*args, "--positions", "6"]) == 0
    data = json.loads((out / "resign.json").read_text())
    assert (out / "resign.png").stat().st_size > 0
    assert data["threshold"] == -0.5 and data["domain"] == "tictactoe"
    assert data["simulations"] == 6  # the recipe's self-play budget (TINY sets it)
    rows = {(r["source"], r["phase"]): r for r in data["rows"]}
    for source in ("search", "net"):
        phases = [r for (s, p), r in rows.items() if s == source and p != "all"]
        for key in ("positions", "lost", "would_resign", "false_resign", "missed"):
            assert rows[source, "all"][key] == sum(r[key] for r in phases)
        assert all(r["false_resign"] <= r["would_resign"] for r in phases)
    from distill.flywheel.run_dir import RunDir

    assert data["selfplay"] == selfplay_counts(RunDir.open(tiny_run).read_metrics())


def test_selfplay_counts_sum_the_metrics():
    rows = [{"would_resign": "2", "false_resign": "1"}, {"would_resign": "3", "false_resign": ""}]
    assert selfplay_counts(rows) == {"would_resign": 5, "false_resign": 1}
    assert selfplay_counts([{}]) == {"would_resign": None, "false_resign": None}


def test_a_recipe_that_never_resigns_needs_a_threshold(tiny_run, tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["lab", "resign", str(tiny_run), "--out", str(out)]) == 2
    assert "never resigns" in one_error(capsys, "lab") and not out.exists()


@pytest.mark.parametrize("threshold", ["0.5", "-1", "0"])
def test_a_threshold_outside_the_range_is_one_line(tiny_run, tmp_path, capsys, threshold):
    out = tmp_path / "r"
    assert main(["lab", "resign", str(tiny_run), "--out", str(out), "--threshold", threshold]) == 2
    assert "--threshold" in one_error(capsys, "lab") and not out.exists()


def test_domain_without_solver_is_one_line(tiny_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "nosolver"
    shutil.copytree(tiny_run, run)
    recipe = run / "recipe.yaml"
    recipe.write_text(recipe.read_text().replace("id: tictactoe", "id: go"))
    args = ["lab", "resign", str(run), "--out", str(tmp_path / "r"), "--threshold", "-0.5"]
    assert main(args) == 2
    assert "no exact solver" in one_error(capsys, "lab")
