"""Guards the search diagnostics (`distill.arena.diagnostics`) and the value corruption of
``distill lab hurts``: improvement and worse rates, the reliability table and its ECE,
immediate wins taken and losses blocked on hand-picked tic-tac-toe positions, the
calibration file, the new metrics columns, and `CorruptedValues`."""

from __future__ import annotations

import numpy as np
import pytest

from distill.arena.diagnostics import (
    Reliability,
    expected_calibration_error,
    improvement,
    read_reliability,
    record_reliability,
    reliability,
    terminal_accuracy,
)
from distill.arena.positions import ScoredPosition
from distill.lab.hurts import CorruptedValues
from distill.metrics import ArenaMetrics, GenerationMetrics
from distill.registry import make
from distill.solve import solve_moves


def scored(moves: list[int]) -> ScoredPosition:
    scores = tuple(solve_moves("tictactoe", moves))
    return ScoredPosition(tuple(moves), scores, max(s for s in scores if s is not None))


# X: 0, 1 / O: 3, 4, X to move: 2 wins at once, 5 only blocks.
WIN = [0, 3, 1, 4]
# X: 0, 8 / O: 3, 4, X to move: no win; every move but 5 lets O win (3-4-5).
BLOCK = [0, 3, 8, 4]


def test_improvement_counts_better_and_worse_moves():
    positions = [scored(WIN), scored(WIN), scored(BLOCK)]
    policy = np.array([5, 2, 5])
    search = np.array([2, 5, 5])  # better, worse, equal
    assert improvement(positions, policy, search) == (pytest.approx(1 / 3), pytest.approx(1 / 3))


def test_terminal_accuracy_on_hand_picked_positions():
    positions = [scored(WIN), scored(BLOCK)]
    out = terminal_accuracy(
        make("tictactoe"), positions, {"a": np.array([2, 5]), "b": np.array([5, 6])}
    )
    assert out == {
        "a_wins_taken": 1.0,
        "a_losses_blocked": 1.0,
        "b_wins_taken": 0.0,
        "b_losses_blocked": 0.0,
    }


def test_terminal_accuracy_is_none_without_qualifying_positions():
    out = terminal_accuracy(make("tictactoe"), [scored([])], {"a": np.array([4])})
    assert out == {"a_wins_taken": None, "a_losses_blocked": None}


def test_reliability_table_and_ece():
    predicted = np.array([-0.95, -0.9, 0.05, 0.95])
    exact = np.array([-1.0, -1.0, 1.0, 1.0])
    table = reliability(predicted, exact)
    assert len(table) == 10 and sum(r.count for r in table) == 4
    assert table[0].count == 2 and table[0].mean_predicted == pytest.approx(-0.925)
    assert table[0].mean_exact == -1.0 and table[1].mean_predicted is None
    # ECE: (2 * 0.075 + 1 * 0.95 + 1 * 0.05) / 4
    assert expected_calibration_error(table) == pytest.approx((0.15 + 0.95 + 0.05) / 4)


def test_reliability_file_round_trip(tmp_path):
    table = (Reliability(-1.0, -0.8, -0.9, -1.0, 3), Reliability(-0.8, -0.6, None, None, 0))
    record_reliability(tmp_path, 0, table)
    record_reliability(tmp_path, 1, table[:1])
    record_reliability(tmp_path, 0, table[:1])  # a redone arena rewrites its own entry
    assert read_reliability(tmp_path) == {0: list(table[:1]), 1: list(table[:1])}


def test_diagnostic_columns_round_trip():
    arena = ArenaMetrics(improve=0.25, worse=0.05, value_ece=0.1, search_wins_taken=1.0)
    row = GenerationMetrics(arena=arena).to_row()
    assert row["search_improve"] == 0.25 and "policy_wins_taken" not in row
    back = GenerationMetrics.from_row({k: str(v) for k, v in row.items()})
    assert back.arena == arena


def fixed_evaluator(obs, mask):
    return np.zeros(mask.shape, np.float32), np.linspace(-0.5, 0.5, obs.shape[0]).astype(np.float32)


def test_corrupted_values():
    obs, mask = np.zeros((5, 2, 3, 3), np.float32), np.ones((5, 9), bool)
    _, clean = fixed_evaluator(obs, mask)
    assert np.array_equal(CorruptedValues(fixed_evaluator, 0.0, "flip")(obs, mask)[1], clean)
    logits, flipped = CorruptedValues(fixed_evaluator, 1.0, "flip")(obs, mask)
    assert np.array_equal(flipped, -clean) and not logits.any()
    noisy = CorruptedValues(fixed_evaluator, 1.0, "noise", seed=1)(obs, mask)[1]
    assert np.all(np.abs(noisy) <= 1.0) and not np.array_equal(noisy, clean)
    with pytest.raises(Exception, match="rate"):
        CorruptedValues(fixed_evaluator, 1.5, "flip")
