"""Guards every recipe in recipes/: each one trains end to end (self-play, learning,
arena, checkpoint) through `distill train` with its budget shrunk by --set overrides, so
recipes cannot rot as the code changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distill.cli import main

RECIPES = sorted((Path(__file__).resolve().parents[1] / "recipes").glob("*.yaml"))
SHRINK = [
    "budget.generations=1",
    "budget.max_minutes=null",
    "selfplay.games_per_generation=2",
    "selfplay.concurrent_games=1",  # two rounds: recipes with 2 actors need one each
    "search.num_simulations=4",
    "selfplay.cheap_simulations=2",
    "learner.steps_per_generation=2",
    "learner.batch_size=8",
    "learner.warmup_steps=0",
    "replay.window_positions=1000",
    "arena.games=2",
    "arena.calibration_games=2",
    "arena.simulations=4",
    "arena.error_positions=2",
    "arena.perfect_play_check=false",
    "ladder.games=2",  # recipes with a ladder (go9): two games against random only, so
    "ladder.simulations=2",  # the test needs no GNU Go (test_ladder_in_loop covers it)
    "ladder.opponents=[random]",
]
#: Recipes whose network or games are too big for a CPU test even at SHRINK's budget: also
#: shrink the net and cap the games (go19's own CPU twin, go19-smoke, runs unshrunk).
SHRINK_MORE = {
    "go19": [
        "network.resnet.channels=8",
        "network.resnet.blocks=1",
        "network.resnet.global_pool_every=0",
        "domain.kwargs.max_moves=20",
    ],
}


@pytest.mark.parametrize("recipe", RECIPES, ids=[p.stem for p in RECIPES])
def test_recipe_trains_one_tiny_generation(recipe, tmp_path, capsys):
    run_dir = tmp_path / "run"
    args = ["train", str(recipe), "--run-dir", str(run_dir), "--quiet"]
    overrides = SHRINK + SHRINK_MORE.get(recipe.stem, [])
    assert main(args + [x for o in overrides for x in ("--set", o)]) == 0, capsys.readouterr().err
    state = json.loads((run_dir / "state.json").read_text())
    assert state["finished"] and state["games"] == 2 and state["learner_steps"] == 2
    assert len(state["checkpoints"]) == 1 and (run_dir / "metrics.csv").is_file()
    assert "finished 1 generations" in capsys.readouterr().out
