"""Guards `distill bench symmetries`: every count asked searches the same positions, the
first is the baseline of the ratios, and a count the board has not is one error."""

from __future__ import annotations

import json

import pytest

from distill.cli import main


def test_bench_symmetries_measures_each_count_on_the_same_positions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["bench", "symmetries", "--recipe", "go9-smoke", "--seconds", "0.05",
            "--positions", "2", "--leaves", "2", "--counts", "0", "1", "8"]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    assert [row["symmetries"] for row in rows] == [0, 1, 8]
    for row in rows:
        assert row["positions"] == 2 == len(row["per_position"])
        assert min(row["per_position"]) > 0
        assert row["ratio"] == pytest.approx(row["visits_per_s"] / rows[0]["visits_per_s"])
    assert rows[0]["ratio"] == 1.0
    assert "timed search with symmetries" in captured.err
    assert main([*argv[:-3], "9"]) == 2
    assert "symmetries must be 1..8" in capsys.readouterr().err
    assert main([*argv[:-3], "1", "1"]) == 2
    assert "each count once" in capsys.readouterr().err
