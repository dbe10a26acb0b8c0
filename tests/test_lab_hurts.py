"""Guards `distill lab hurts` ("when MCTS hurts", reproduced): on a tic-tac-toe network
trained for one generation, flipping the sign of every value (p = 1) makes the search's
net improvement over the raw policy, by the oracle, lower than with clean values (p = 0)
(measured: +0.19 clean, 0.00 flipped; it turns negative on the run's final network, see
docs/claims.md); bad rates end with one error line and exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distill.cli import main

ROOT = Path(__file__).resolve().parents[1]
ONE_GENERATION = [
    "budget.generations=1",
    "arena.games=0",
    "arena.error_positions=0",
    "arena.perfect_play_check=false",
    "arena.references=[random]",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hurts") / "run"
    args = [x for o in ONE_GENERATION for x in ("--set", o)]
    assert main(["train", "tictactoe", *args, "--run-dir", str(root), "--quiet"]) == 0
    return root


def test_sign_flips_make_search_worse_than_the_policy(trained, tmp_path):
    out = tmp_path / "hurts"
    args = ["lab", "hurts", str(trained), "--out", str(out), "--rates", "0,1", "--positions", "24"]
    assert main(args) == 0
    data = json.loads((out / "hurts.json").read_text())
    clean, flipped = data["rows"]
    assert (clean["rate"], flipped["rate"]) == (0.0, 1.0) and data["positions"] == 72
    assert flipped["net"] < clean["net"]
    assert flipped["net"] == pytest.approx(flipped["improve"] - flipped["worse"])
    assert (out / "hurts.png").stat().st_size > 0


def test_bad_rate_is_one_line(trained, tmp_path, capsys):
    assert main(["lab", "hurts", str(trained), "--out", str(tmp_path / "h"), "--rates", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--rates" in err[0]
