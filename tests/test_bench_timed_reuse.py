"""Guards `distill bench timed-reuse`: both players search the same positions, one
reusing its tree, for each algorithm asked."""

from __future__ import annotations

import json

import pytest

from distill.cli import main


def test_bench_timed_reuse_measures_both_players_on_the_same_moves(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["bench", "timed-reuse", "--recipe", "go9-smoke", "--seconds", "0.05",
            "--moves", "3", "--leaves", "2"]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    assert [row["algorithm"] for row in rows] == ["puct", "gumbel"]
    for row in rows:
        assert row["moves"] == 3 == len(row["visits_reuse"]) == len(row["visits_fresh"])
        assert min(row["visits_reuse"]) > 0 and min(row["visits_fresh"]) > 0
        mean_ratio = row["visits_reuse_mean"] / row["visits_fresh_mean"]
        assert row["ratio_of_means"] == pytest.approx(mean_ratio)
    assert "root visits of a timed move" in captured.err
