"""Guards the size-transfer lab (`distill lab transfer`, `distill.lab.transfer`) and its
solver-free Go checks (`distill.domains.go.checks`): every tactics answer is re-checked
with a flood fill independent of the engine, an evaluator that knows the answers scores
1 and an uninformed one scores near the random rate the lab reports, and the command runs
end to end on a run trained on 9x9 (go9-smoke), scoring it on 19x19."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from distill.cli import main
from distill.domains.go import board_array
from distill.domains.go.checks import group_at, settled_cases, tactics_cases
from distill.lab.transfer import ownership_rates, tactics_rates
from distill.logits import ILLEGAL_LOGIT

RECIPES = Path(__file__).resolve().parents[1] / "recipes"


@pytest.fixture(scope="module")
def tactics():
    return tactics_cases(19, 12, seed=5)


def test_tactics_answers_hold_by_flood_fill(tactics):
    assert {c.kind for c in tactics} == {"capture", "save"}
    for case in tactics:
        board = board_array(case.position().store[0])
        mover = 1 if case.position().to_play == 0 else 2
        colour = 3 - mover if case.kind == "capture" else mover
        in_atari = []
        for r, c in zip(*np.nonzero(board == colour), strict=True):
            _, libs = group_at(board, int(r), int(c))
            if len(libs) == 1:
                in_atari.append(next(iter(libs)))
        liberty = in_atari[0]
        assert len(set(in_atari)) == 1, "one group in atari"
        assert liberty[0] * 19 + liberty[1] in case.answers
        assert 0 < len(case.answers) < case.legal_count


class Oracle:
    """Knows every case's answer and owner: logits peak on an answer, ownership is right."""

    def __init__(self, tactics=(), settled=(), wrong: bool = False) -> None:
        self.tactics, self.settled, self.sign = list(tactics), list(settled), -1 if wrong else 1

    def __call__(self, obs, mask):
        logits = np.where(mask, 0.0, ILLEGAL_LOGIT).astype(np.float32)
        for row, case in enumerate(self.tactics):
            logits[row, case.answers[0]] = self.sign * 5.0
        return logits, np.zeros(len(obs), np.float32)

    def auxiliary(self, obs):
        own = np.zeros((len(obs), 19, 19), np.float32)
        for row, case in enumerate(self.settled):
            mover = 1 if case.position().to_play == 0 else -1
            own[row].reshape(-1)[case.points] = self.sign * case.owner * mover * 0.9
        return {"ownership": own}


def test_an_oracle_scores_one_and_a_contrarian_scores_zero(tactics):
    settled = settled_cases(19, 4, seed=5)
    right = tactics_rates(Oracle(tactics), tactics)
    assert right["all"].rate == 1.0 and right["capture"].n + right["save"].n == len(tactics)
    assert 0 < right["all"].random < 0.05  # about one legal move in 340
    assert tactics_rates(Oracle(tactics, wrong=True), tactics)["all"].hits == 0
    owned = ownership_rates(Oracle(settled=settled), settled)
    assert owned is not None and owned["points"].rate == 1.0 and owned["groups"].rate == 1.0
    assert owned["eyes"].n == 2 * owned["groups"].n  # two eyes a group
    assert owned["eyes"].n + owned["stones"].n == owned["points"].n
    wrong = ownership_rates(Oracle(settled=settled, wrong=True), settled)
    assert wrong is not None and wrong["points"].rate == 0.0 and wrong["points"].random == 0.5


def test_lab_transfer_scores_a_9x9_run_on_19x19(tmp_path, capsys):
    run, out = tmp_path / "run", tmp_path / "lab"
    train = ["train", str(RECIPES / "go9-smoke.yaml"), "--run-dir", str(run), "--quiet"]
    assert main([*train, "--set", "budget.generations=1"]) == 0, capsys.readouterr().err
    args = ["lab", "transfer", str(run), "--out", str(out), "--positions", "8"]
    assert main(args) == 0, capsys.readouterr().err
    result = json.loads((out / "transfer.json").read_text())
    assert result["trained_sizes"] == [9] and result["size"] == 19
    assert result["tactics"]["all"]["n"] == 8 and result["ownership"]["points"]["n"] > 0
    assert "tactics capture" in capsys.readouterr().out
    control = tmp_path / "control"
    assert main([*args[:3], "--out", str(control), "--positions", "4", "--untrained"]) == 0
    assert json.loads((control / "transfer.json").read_text())["checkpoint"] == "untrained"
    capsys.readouterr()
    assert main([*args[:-2], "--size", "9"]) == 2
    assert "--size must be in 13..19" in capsys.readouterr().err
