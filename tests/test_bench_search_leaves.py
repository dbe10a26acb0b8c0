"""Guards `distill bench search-leaves`: each leaves setting is measured on both
positions in every repeat, against the first setting of the same run."""

from __future__ import annotations

import json

import pytest

from distill.cli import main


@pytest.mark.parametrize("recipe", ["go9-smoke", "tictactoe-smoke"])  # Gumbel, PUCT
def test_bench_search_leaves_measures_each_setting_side_by_side(
    recipe: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "search-leaves", "--recipe", recipe, "--leaves", "1", "2",
            "--seconds", "0.05", "--repeats", "2", "--plies", "4"]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    assert [row["leaves"] for row in rows] == [1, 2]
    assert rows[0]["ratio"] == 1.0
    base = rows[0]["simulations_per_s"]
    for row in rows:
        assert len(row["samples"]) == 4  # 2 repeats x 2 positions
        assert all(rate > 0 for rate in row["samples"])
        assert row["ratio"] == pytest.approx(row["simulations_per_s"] / base)
    assert "timed search of one game" in captured.err


def test_bench_search_leaves_refuses_zero_leaves(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bench", "search-leaves", "--leaves", "0"])
    assert exc.value.code == 2
    assert "--leaves" in capsys.readouterr().err
