"""Guards the built-in recipes: they ship inside the package (``distill.recipes``, in the
wheel too), ``distill recipes`` lists them one line each, ``distill train NAME`` runs one
from any directory, a path still works, and anything else is one error line listing the
built-in names."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from distill.cli import main
from distill.errors import ConfigError
from distill.recipe import builtin_recipes, find_recipe, load_recipe

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p.stem for p in (ROOT / "recipes").glob("*.yaml"))
TINY = [
    "search.num_simulations=4",
    "selfplay.cheap_simulations=2",
    "learner.batch_size=8",
    "arena.games=2",
    "arena.error_positions=2",
    "arena.references=[random]",
    "budget.generations=1",
]


def test_builtin_recipes_are_the_recipes_folder():
    assert sorted(builtin_recipes()) == SHIPPED
    assert all(path.is_file() for path in builtin_recipes().values())


def test_recipes_verb_lists_each_with_its_first_comment(capsys):
    assert main(["recipes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in SHIPPED:
        first = (ROOT / "recipes" / f"{name}.yaml").read_text().splitlines()[0].lstrip("# ")
        assert any(line.split() and line.split()[0] == name and first in line for line in lines)
    assert main(["recipes", "--show", "tictactoe"]) == 0
    assert capsys.readouterr().out == (ROOT / "recipes" / "tictactoe.yaml").read_text()


def test_train_runs_a_builtin_recipe_by_name_from_any_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no recipes/ folder here
    args = ["train", "tictactoe-smoke", *(x for o in TINY for x in ("--set", o)), "--quiet"]
    assert main(args) == 0, capsys.readouterr().err
    state = json.loads((tmp_path / "runs" / "tictactoe-smoke" / "state.json").read_text())
    assert state["finished"]


def test_a_path_still_works_and_a_name_with_yaml_too(tmp_path):
    mine = tmp_path / "tictactoe"  # a file of a built-in's name wins: it is what you named
    mine.write_text("name: mine\ndomain: {id: tictactoe}\n")
    assert load_recipe(mine).name == "mine"
    assert find_recipe("connect4.yaml") == builtin_recipes()["connect4"]
    assert load_recipe("tictactoe").name == "tictactoe"


@pytest.mark.parametrize("given", ["nosuch", "recipes/tictactoe.yaml", "../connect4"])
def test_neither_a_file_nor_a_name_lists_the_builtins(given, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no such recipe file, and no built-in recipe"):
        find_recipe(given)
    assert main(["train", given]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "built-in: connect4, connect4-smoke, tictactoe" in err
    assert not (tmp_path / "runs").exists()


def test_the_wheel_ships_the_recipes_and_position_sets(tmp_path):
    pip_wheel = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps"]
    result = subprocess.run(
        [*pip_wheel, "--no-build-isolation", "--quiet", "--wheel-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("distill-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"distill/recipes/{name}.yaml" for name in SHIPPED} <= names
    data = {
        f"distill/domains/{p.parent.parent.name}/data/{p.name}"
        for p in ROOT.glob("domains/*/data/*.txt")
    }
    assert data and data <= names
