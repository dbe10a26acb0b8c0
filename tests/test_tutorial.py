"""Guards the "write a domain plugin" tutorial: its code runs, passes the conformance
checker, joins the registry through the entry-point group, as the page says; its
pyproject.toml builds a plugin package with that entry point; its solver is exact; and
its recipe trains, with the oracle opponent and exact error rates."""

from __future__ import annotations

import csv
import functools
import importlib
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import distill
from distill.cli import main
from distill.testing import check_domain

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial"


@pytest.fixture()
def nim_on_path(tmp_path, monkeypatch):
    """Put the tutorial module on sys.path plus a dist-info declaring its entry point."""
    dist = tmp_path / "nim_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: nim-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text('[distill.domains]\nnim = "nim:make"\n'.replace('"', ""))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(TUTORIAL))
    importlib.invalidate_caches()
    yield importlib.import_module("nim")
    sys.modules.pop("nim", None)


def test_tutorial_domain_passes_check_domain(nim_on_path):
    check_domain(nim_on_path.make())


def test_tutorial_plugin_registers_through_entry_point(nim_on_path):
    assert "nim" in distill.list_domains()
    game = distill.make("nim").initial().play("3")
    assert str(game) == "18 stones, player 1 to move"


def test_tutorial_rules(nim_on_path):
    game = distill.make("nim").initial()
    for move in ["3"] * 7:  # 21 stones, seven takes of three: player 0 takes the last one
        game.play(move)
    assert game.is_over and game.value == -1.0 and game.to_play == 1
    with pytest.raises(distill.IllegalActionError):
        game.play("1")
    with pytest.raises(distill.MoveParseError):
        distill.make("nim").initial().play("4")


@functools.cache
def _wins(stones: int) -> bool:
    """Independent reference: can the player to move with `stones` left force a win?"""
    return any(take == stones or not _wins(stones - take) for take in (1, 2, 3) if take <= stones)


def test_tutorial_solver_is_exact(nim_on_path):
    domain = distill.make("nim")
    for stones in range(1, 22):
        state = [stones, 0]
        scores = nim_on_path.solve(state)
        for take, score in zip((1, 2, 3), scores, strict=True):
            if take > stones:
                assert score is None
            else:
                assert (score > 0) == (take == stones or not _wins(stones - take)), (stones, take)
    assert distill.solve_moves(domain, "3 3") == [-1, -1, 1]


def test_tutorial_pyproject_builds_the_plugin_package(tmp_path):
    for name in ("pyproject.toml", "nim.py"):
        shutil.copy(TUTORIAL / name, tmp_path / name)
    pip_wheel = [sys.executable, "-m", "pip", "wheel", str(tmp_path), "--no-deps"]
    result = subprocess.run(
        [*pip_wheel, "--no-build-isolation", "--quiet", "--wheel-dir", str(tmp_path / "w")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = (tmp_path / "w").glob("distill_nim-*.whl")
    files = zipfile.ZipFile(wheel)
    assert "nim.py" in files.namelist()
    (entry_points,) = [n for n in files.namelist() if n.endswith("entry_points.txt")]
    assert "[distill.domains]\nnim = nim:make" in files.read(entry_points).decode()


def test_tutorial_recipe_trains_with_exact_error_rates(nim_on_path, tmp_path, capsys):
    run_dir = tmp_path / "run"
    shrink = [
        "selfplay.games_per_generation=4",
        "selfplay.concurrent_games=4",
        "learner.steps_per_generation=2",
        "arena.games=2",
        "arena.error_positions=4",
        "budget.generations=1",
    ]
    args = ["train", str(TUTORIAL / "nim.yaml"), "--run-dir", str(run_dir), "--quiet"]
    assert main(args + [x for o in shrink for x in ("--set", o)]) == 0, capsys.readouterr().err
    with (run_dir / "metrics.csv").open() as handle:
        row = next(csv.DictReader(handle))
    for key in ("search_err_begin", "policy_err_end"):
        assert 0.0 <= float(row[key]) <= 1.0, key
    assert "\noracle,reference," in (run_dir / "arena" / "ratings.csv").read_text()
