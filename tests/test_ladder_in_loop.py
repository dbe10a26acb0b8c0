"""Guards the ladder inside the training loop (recipe section ``ladder``,
`distill.flywheel.ladder`): a tiny Go run plays it every k generations and after the last
one, writes its games and ``ladder.json`` per checkpoint, records Elo, anchor, win rates,
wall time and time share in metrics.csv (the time counted in the run's elapsed time), and
``distill report`` draws the curve against wall time; a killed ladder's leftovers are
replaced; smoke recipes leave it off; a recipe whose ladder cannot run (an opponent that
does not start, a game that is not Go) is one error line, exit 2, nothing written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import SMOKE, one_error, sets

from distill.cli import main
from distill.flywheel.ladder import ladder_due, ladder_folder, ladder_step
from distill.flywheel.loop import load_run_recipe
from distill.flywheel.run_dir import RunDir, RunState
from distill.gtp.client import GNUGO
from distill.gtp.ladder import anchor_text
from distill.recipe import Recipe, load_recipe

RECIPES = Path(__file__).resolve().parents[1] / "recipes"

RECIPE = """
name: go5-ladder
seed: 0
domain: {id: go, kwargs: {size: 5, komi: 7.5}}
network:
  resnet: {channels: 8, blocks: 1, global_pool_every: 0}
  heads: {policy: dense, policy_channels: 4, value_channels: 4, value_hidden: 8}
search: {algorithm: puct, num_simulations: 4}
selfplay: {games_per_generation: 2, concurrent_games: 2, temperature_moves: 2}
learner: {steps_per_generation: 2, batch_size: 16}
arena: {every: 10, games: 2, min_games: 2, references: [random], calibration_games: 0,
        error_positions: 0}
ladder: {every: 2, opponents: [random], games: 3, simulations: 2}
budget: {generations: 3}
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5x5 Go run of three generations with the ladder every two (and after the last)."""
    root = tmp_path_factory.mktemp("go-ladder-run")
    recipe = root / "go5-ladder.yaml"
    recipe.write_text(RECIPE)
    assert main(["train", str(recipe), "--run-dir", str(root / "run")]) == 0
    return root / "run"


def test_the_ladder_runs_every_k_generations_and_after_the_last(run_dir: Path) -> None:
    folders = sorted(p.name for p in (run_dir / "ladder").iterdir())
    assert folders == ["gen-00002", "gen-00003"]
    for name in folders:
        ladder = json.loads((run_dir / "ladder" / name / "ladder.json").read_text())
        assert ladder["checkpoint"] == f"{name}.ckpt" and ladder["games_per_opponent"] == 3
        assert len(list((run_dir / "ladder" / name / "random").glob("game-*.sgf"))) == 3


def test_ladder_results_and_time_are_in_the_metrics(run_dir: Path) -> None:
    rows = list(csv.DictReader((run_dir / "metrics.csv").open()))
    assert [bool(r.get("ladder_s")) for r in rows] == [False, True, True]
    spent = 0.0
    for row in rows[1:]:
        ladder = json.loads((run_dir / "ladder" / f"gen-{int(row['generation']) + 1:05d}" /
                             "ladder.json").read_text())  # fmt: skip
        assert row["ladder_games"] == "3"
        assert row["ladder_win_rates"] == f"random={ladder['rows'][0]['win_rate']:.2f}"
        assert row["ladder_anchor"].startswith("none: no opponent of known rating")
        assert not row.get("ladder_elo") and ladder["elo"]["elo"] is None  # random has no rating
        spent += float(row["ladder_s"])
        # the ladder's time is the run's time: its share is of elapsed_s, which includes it
        # (elapsed_s also holds the few ms around the ladder that its own timer leaves out)
        assert float(row["ladder_share"]) == pytest.approx(spent / float(row["elapsed_s"]), 1e-2)
        assert spent < float(row["elapsed_s"])


def test_report_plots_the_ladder_against_wall_time(run_dir: Path) -> None:
    assert main(["report", str(run_dir)]) == 0
    assert (run_dir / "report" / "ladder.png").stat().st_size > 0


def test_a_killed_ladders_leftovers_are_replaced(run_dir: Path) -> None:
    run = RunDir.open(run_dir)
    recipe, state = load_run_recipe(run), run.read_state()
    folder = ladder_folder(run, 1)
    (folder / "random" / "game-004.sgf").write_text("(;GM[1]SZ[5])")  # a half-written extra
    (folder / "ladder.json").unlink()
    metrics = ladder_step(recipe, run, state, 1)
    assert metrics.games == 3 and (folder / "ladder.json").is_file()
    assert sorted(p.name for p in (folder / "random").glob("*.sgf")) == [
        "game-001.sgf",
        "game-002.sgf",
        "game-003.sgf",
    ]


def test_ladder_due() -> None:
    recipe = load_recipe(SMOKE, ["budget.generations=5"])
    assert not any(ladder_due(recipe, RunState(generation=g)) for g in range(5))  # off
    recipe = load_recipe(RECIPES / "go9-smoke.yaml", ["budget.generations=5", "ladder.every=2"])
    assert [g for g in range(5) if ladder_due(recipe, RunState(generation=g))] == [1, 3, 4]
    timed = load_recipe(
        RECIPES / "go9-smoke.yaml",
        ["ladder.every=9", "budget.generations=50", "budget.max_minutes=1"],
    )
    assert not ladder_due(timed, RunState(generation=3, elapsed_s=59.0))
    assert ladder_due(timed, RunState(generation=3, elapsed_s=60.0))  # the run's last generation


def test_smoke_recipes_and_the_default_leave_the_ladder_off() -> None:
    assert Recipe().ladder.every == 0
    smoke = sorted(RECIPES.glob("*smoke*.yaml"))
    assert smoke and all(load_recipe(path).ladder.every == 0 for path in smoke)


def test_anchor_text_names_the_scale() -> None:
    assert anchor_text(["random", "gnugo:level=10"]) == "GNU Go level 10 = 0"
    assert anchor_text(["random", "gnugo:level=0"]) == (
        "GNU Go level 10 = 0, through gnugo:level=0 = -107"
    )
    assert anchor_text(["random", "mcts"]).startswith("none: no opponent of known rating")


@pytest.mark.parametrize(
    ("recipe", "overrides", "words"),
    [
        (RECIPES / "go9-smoke.yaml", ['ladder.opponents=[random, "gtp:/nonexistent/engine"]'],
         "/nonexistent/engine"),
        (RECIPES / "go9-smoke.yaml", ["ladder.opponents=[nosuchplayer]"], "nosuchplayer"),
        (SMOKE, [], "for Go, not 'tictactoe'"),
    ],
)  # fmt: skip
def test_a_ladder_that_cannot_run_is_refused_at_load(
    recipe: Path,
    overrides: list[str],
    words: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    run = tmp_path / "run"
    args = ["train", str(recipe), "--run-dir", str(run), *sets(["ladder.every=1", *overrides])]
    assert main(args) == 2
    err = one_error(capsys, "train")
    assert "ladder" in err and words in err and not run.exists()


@pytest.mark.skipif(not Path(GNUGO).exists(), reason="GNU Go is not installed")
def test_a_gnugo_opponent_puts_the_elo_on_the_level_10_scale(tmp_path: Path) -> None:
    recipe = tmp_path / "go5-ladder.yaml"
    recipe.write_text(RECIPE)
    overrides = ["budget.generations=1", 'ladder.opponents=["gnugo:level=0"]', "ladder.games=2"]
    assert main(["train", str(recipe), "--run-dir", str(tmp_path / "run"), *sets(overrides)]) == 0
    row = next(csv.DictReader((tmp_path / "run" / "metrics.csv").open()))
    assert row["ladder_anchor"] == "GNU Go level 10 = 0, through gnugo:level=0 = -107"
    ladder = json.loads((tmp_path / "run" / "ladder" / "gen-00001" / "ladder.json").read_text())
    for key, column in (
        ("elo", "ladder_elo"),
        ("low", "ladder_elo_low"),
        ("high", "ladder_elo_high"),
    ):
        value = ladder["elo"][key]
        assert (
            not row.get(column)
            if value is None
            else float(row[column]) == pytest.approx(value, abs=0.01)
        )
    assert main(["report", str(tmp_path / "run")]) == 0  # a one-sided Elo is drawn as its bound
    assert (tmp_path / "run" / "report" / "ladder.png").stat().st_size > 0


def test_ladder_jobs_play_every_game_once_with_its_opening_and_colour(
    run_dir: Path, tmp_path: Path
) -> None:
    """``--jobs 2`` spreads the games over two processes; each game keeps the number,
    colour and opening it has when the ladder is played in one process."""
    common = ["ladder", str(run_dir), "--opponents", "random", "--games", "5",
              "--simulations", "2", "--seed", "3"]  # fmt: skip
    assert main([*common, "--out", str(tmp_path / "one")]) == 0
    assert main([*common, "--jobs", "2", "--out", str(tmp_path / "two")]) == 0
    one, two = (
        json.loads((tmp_path / name / "random" / "results.json").read_text())["games"]
        for name in ("one", "two")
    )
    assert [g["number"] for g in two] == [1, 2, 3, 4, 5]
    assert [g["a_colour"] for g in two] == [g["a_colour"] for g in one] == [0, 1, 0, 1, 0]
    assert [g["opening"] for g in two] == [g["opening"] for g in one] == [2] * 5
    files = sorted(p.name for p in (tmp_path / "two" / "random").glob("game-*.sgf"))
    assert files == [f"game-{n:03d}.sgf" for n in range(1, 6)]
    for n in range(1, 6):  # the same opening stones open game n in both ladders
        sgf = [(tmp_path / name / "random" / f"game-{n:03d}.sgf").read_text() for name in
               ("one", "two")]  # fmt: skip
        assert _first_moves(sgf[0], 2) == _first_moves(sgf[1], 2)
    ladder = json.loads((tmp_path / "two" / "ladder.json").read_text())
    assert ladder["rows"][0]["games"] == 5


def _first_moves(sgf: str, count: int) -> list[str]:
    import re

    return re.findall(r";[BW]\[[a-z]*\]", sgf)[:count]


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--jobs", "0", "jobs must be in 1.."),
        ("--jobs", "999", "jobs must be in 1.."),
        ("--resign", "0.5", "resign threshold must lie in (-1, 0)"),
        ("--resign", "-1", "resign threshold must lie in (-1, 0)"),
    ],
)
def test_ladder_jobs_and_resign_out_of_range_are_refused(
    run_dir: Path,
    flag: str,
    value: str,
    words: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    args = ["ladder", str(run_dir), "--opponents", "random", flag, value, "--out", str(out)]
    assert main(args) == 2
    assert words in one_error(capsys, "ladder") and not out.exists()


def test_a_recipe_ladder_with_more_jobs_than_cores_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    overrides = ["ladder.every=1", "ladder.jobs=999"]
    assert main(["train", str(RECIPES / "go9-smoke.yaml"), "--run-dir", str(run),
                 *sets(overrides)]) == 2  # fmt: skip
    err = one_error(capsys, "train")
    assert "ladder.jobs" in err and "cores" in err and not run.exists()


def test_a_resigning_agent_gives_up_lost_games(run_dir: Path, tmp_path: Path) -> None:
    """``--resign X``: the agent resigns when its root value falls below X (a threshold
    just under 0 makes this tiny net resign at once in most games)."""
    args = ["ladder", str(run_dir), "--opponents", "random", "--games", "6", "--simulations",
            "2", "--resign", "-0.000001", "--out", str(tmp_path / "out")]  # fmt: skip
    assert main(args) == 0
    games = json.loads((tmp_path / "out" / "random" / "results.json").read_text())["games"]
    resigned = [g for g in games if g["reason"] == "resign"]
    assert resigned and all("resigned" in g["note"] and "gen-" in g["note"] for g in resigned)
    assert all(g["result"] == ("W+R" if g["a_colour"] == 0 else "B+R") for g in resigned)


@pytest.mark.parametrize("value", ["0.5", "-1"])
def test_a_recipe_resign_threshold_outside_minus_one_to_zero_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="resign must be in"):
        load_recipe(RECIPES / "go9.yaml", [f"ladder.resign={value}"])
