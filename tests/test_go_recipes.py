"""Guards the Go recipes: go9 and go9-warmstart play 9x9 at komi 7.5 under Tromp-Taylor
with KataGo's switches on (ownership and score heads, playout-cap randomization, global
pooling, resignation with no-resign games) and differ only where the warm start should;
go9-smoke trains end to end and its learner really fits the ownership and score heads.
go19-smoke is go19 at a tiny budget and its self-play mixes the three board sizes; a
padded (multi-size) domain refuses a net that does not read its board mask. (Every recipe
also trains one shrunk generation in test_recipes_smoke.py.)"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from distill.cli import main
from distill.errors import ConfigError
from distill.gtp.client import GNUGO
from distill.recipe import load_recipe

RECIPES = Path(__file__).resolve().parents[1] / "recipes"
#: Loading a recipe starts its ladder's opponents (GNU Go); without GNU Go, test the rest.
NO_GNUGO = [] if Path(GNUGO).exists() else ["ladder.opponents=[random]"]


def test_go9_has_the_katago_switches_on() -> None:
    recipe = load_recipe(RECIPES / "go9.yaml", NO_GNUGO)
    assert recipe.domain.id == "go" and recipe.domain.kwargs == {"size": 9, "komi": 7.5}
    heads = recipe.network.heads
    assert heads.ownership and heads.score
    assert recipe.network.resnet.global_pool_every > 0
    assert recipe.selfplay.full_search_fraction < 1.0
    assert recipe.selfplay.resign_threshold is not None and recipe.selfplay.no_resign_fraction > 0
    assert recipe.replay.augment  # ownership targets are turned with the board
    assert recipe.budget.max_minutes is not None and recipe.budget.max_minutes <= 180
    assert recipe.ladder.every > 0 and recipe.ladder.opponents[0] == "random"


def test_warmstart_differs_from_go9_only_in_learning_rate_and_budget() -> None:
    go9, warm = (load_recipe(RECIPES / f"{n}.yaml", NO_GNUGO) for n in ("go9", "go9-warmstart"))
    sections = ("domain", "network", "search", "selfplay", "credit", "replay", "arena", "ladder")
    for section in sections:
        assert getattr(go9, section) == getattr(warm, section), section
    changed = {
        f.name
        for f in dataclasses.fields(go9.learner)
        if getattr(go9.learner, f.name) != getattr(warm.learner, f.name)
    }
    assert changed == {"lr", "warmup_steps"}


def test_go9_smoke_trains_ownership_and_score(tmp_path, capsys) -> None:
    run = tmp_path / "run"
    args = ["train", str(RECIPES / "go9-smoke.yaml"), "--run-dir", str(run), "--quiet"]
    assert main(args) == 0, capsys.readouterr().err
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert len(rows) == 2
    for row in rows:
        assert float(row["loss_ownership"]) > 0 and float(row["loss_score"]) > 0


def test_go19_smoke_is_go19_at_a_tiny_budget() -> None:
    go19, smoke = (load_recipe(RECIPES / f"{n}.yaml") for n in ("go19", "go19-smoke"))
    assert go19.domain.sizes == smoke.domain.sizes == (19, 13, 9)
    assert go19.network.mask_plane == smoke.network.mask_plane == 0
    assert (go19.network.resnet.channels, go19.network.resnet.blocks) >= (128, 10)
    for heads in (go19.network.heads, smoke.network.heads):
        assert heads.ownership and heads.score
    assert go19.search.algorithm == smoke.search.algorithm == "gumbel"


def test_go19_smoke_self_play_mixes_the_sizes(tmp_path, capsys) -> None:
    """A recipe with domain.sizes trains a generation on games of every size."""
    from distill.replay import read_shard

    run = tmp_path / "run"
    args = ["train", str(RECIPES / "go19-smoke.yaml"), "--run-dir", str(run), "--quiet"]
    assert main(args) == 0, capsys.readouterr().err
    obs = np.concatenate([read_shard(p).arrays["obs"] for p in sorted(run.glob("replay/*"))])
    board_points = set(obs[:, 0].sum(axis=(1, 2)).astype(int).tolist())  # plane 0: the board
    assert board_points == {81, 169, 361}
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert float(rows[0]["loss_ownership"]) > 0


def test_a_padded_domain_needs_the_mask_plane(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"network\.mask_plane must be 0"):
        load_recipe(RECIPES / "go19-smoke.yaml", ["network.mask_plane=null"])
    with pytest.raises(ConfigError, match="sizes cannot be combined"):
        load_recipe(RECIPES / "go19-smoke.yaml", ["domain.kwargs.size=9"])
