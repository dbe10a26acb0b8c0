"""Guards `distill teacher gnugo`: GNU Go self-play games written as SGF with varied
openings on the 3rd-5th lines, adjudicated by distill's rules, and a rerun that completes
the directory without replaying finished games (needs GNU Go; skipped without it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from distill.cli import main
from distill.domains.go.sgf import load_sgf
from distill.gtp.client import GNUGO
from distill.warmstart.teacher import game_opening, opening_points

pytestmark = [
    pytest.mark.gnugo,
    pytest.mark.skipif(not Path(GNUGO).exists(), reason="GNU Go is not installed"),
]


def test_openings_are_balanced_points_and_vary_by_game():
    points = opening_points(9)
    assert len(points) == 25 and 4 * 9 + 4 in points and 0 not in points  # E5 in, A9 out
    openings = [tuple(game_opening(9, 2, 0, n)) for n in range(1, 25 * 24 + 1)]
    assert len(set(openings)) == 25 * 24  # every ordered pair once before any repeats
    assert all(set(o) <= set(points) and o[0] != o[1] for o in openings)
    assert game_opening(9, 2, 0, 25 * 24 + 1) == list(openings[0])
    assert game_opening(9, 2, 0, 7) == game_opening(9, 2, 0, 7)  # a pure function


def test_teacher_writes_sgf_games_and_resumes(tmp_path, capsys):
    out = tmp_path / "games"
    argv = ["teacher", "gnugo", "--games", "2", "--size", "7", "--level", "0", "--out", str(out)]
    assert main(argv) == 0
    files = sorted(out.glob("*.sgf"))
    assert [f.name for f in files] == ["game-00001.sgf", "game-00002.sgf"]
    for number, path in enumerate(files, start=1):
        _, actions, info = load_sgf(path)
        assert actions[:2] == game_opening(7, 2, 0, number)
        assert info["result"] and len(actions) > 10
    before = [f.stat().st_mtime_ns for f in files]
    assert main([*argv[:3], "3", *argv[4:]]) == 0  # one more game; the two are kept
    assert [f.stat().st_mtime_ns for f in files] == before
    assert len(list(out.glob("*.sgf"))) == 3
    assert "wrote 1 games" in capsys.readouterr().out
