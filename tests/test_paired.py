"""Guards `distill paired` (distill.arena.paired): the exact sign test against scipy and
hand values, the pair counts on hand-made results with draws, the refusal of matches
that were not played from the same openings and colours, and two real `distill match`
runs compared end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from distill.arena.match import GameRecord
from distill.arena.paired import pair_folders, pair_matches, sign_test
from distill.arena.results import write_results
from distill.cli import main
from distill.errors import DistillError


def _write(folder: Path, rows: list[tuple[int, float, tuple[int, ...]]]) -> Path:
    """A match folder whose game i has A at colour rows[i][0], colour 0's outcome
    rows[i][1] and opening rows[i][2]."""
    records = [
        GameRecord(n + 1, ("a", "b"), colour, outcome, "end", "", (*opening, 5, 6), len(opening))
        for n, (colour, outcome, opening) in enumerate(rows)
    ]
    folder.mkdir(parents=True)
    write_results(folder, records, ("a", "b"))
    return folder


def test_sign_test_hand_values() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(5, 0) == pytest.approx(2 / 32)  # five heads of five, two-sided
    assert sign_test(1, 9) == pytest.approx(2 * (1 + 10) / 1024)  # C(10,0) + C(10,1)
    assert sign_test(6, 6) == 1.0


def test_sign_test_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for a, b in [(24, 21), (23, 27), (11, 4), (0, 7), (31, 2), (10, 10)]:
        expected = stats.binomtest(a, a + b, 0.5).pvalue
        assert sign_test(a, b) == pytest.approx(expected, rel=1e-9)


def test_pair_counts_with_draws_and_colours(tmp_path: Path) -> None:
    # A's score per game: first folder 1, 1, 0.5, 0, 0; second 1, 0, 0, 0.5, 1
    first = _write(
        tmp_path / "x",
        [(0, 1.0, (1,)), (1, -1.0, (1,)), (0, 0.0, (2,)), (1, 1.0, (2,)), (0, -1.0, (3,))],
    )
    second = _write(
        tmp_path / "y",
        [(0, 1.0, (1,)), (1, 1.0, (1,)), (0, -1.0, (2,)), (1, 0.0, (2,)), (0, 1.0, (3,))],
    )
    result = pair_matches(first, second)
    assert (result.games, result.only_a, result.only_b) == (5, 0, 0)
    assert (result.score_a, result.score_b) == (2.5, 2.5)
    assert (result.better_a, result.better_b) == (2, 2)
    assert (result.both_won, result.neither_won) == (1, 0)
    assert result.p_value == 1.0 and result.openings_checked


def test_unpaired_games_are_counted_apart(tmp_path: Path) -> None:
    first = _write(tmp_path / "x", [(0, 1.0, (1,))] * 4)
    second = _write(tmp_path / "y", [(0, -1.0, (1,))] * 3)
    result = pair_matches(first, second)
    assert (result.games, result.only_a, result.only_b) == (3, 1, 0)
    assert (result.better_a, result.better_b) == (3, 0)


def test_other_openings_or_colours_are_refused(tmp_path: Path) -> None:
    base = _write(tmp_path / "x", [(0, 1.0, (1,)), (1, 1.0, (1,))])
    moved = _write(tmp_path / "y", [(0, 1.0, (1,)), (1, 1.0, (4,))])
    swapped = _write(tmp_path / "z", [(1, 1.0, (1,)), (0, 1.0, (1,))])
    with pytest.raises(DistillError, match=r"game 2: opening '1' .* '4'"):
        pair_matches(base, moved)
    with pytest.raises(DistillError, match=r"game 1: the agent had colour 0 .* and 1"):
        pair_matches(base, swapped)


def test_results_without_openings_pair_by_colour(tmp_path: Path) -> None:
    first = _write(tmp_path / "x", [(0, 1.0, (1,)), (1, 1.0, (1,))])
    second = _write(tmp_path / "y", [(0, 1.0, (7,)), (1, -1.0, (7,))])
    path = second / "results.json"
    payload = json.loads(path.read_text())
    for game in payload["games"]:
        del game["opening_moves"]  # as written before distill recorded openings
    path.write_text(json.dumps(payload))
    result = pair_matches(first, second)
    assert not result.openings_checked and (result.better_a, result.better_b) == (0, 1)


def test_ladder_folders_pair_by_opponent(tmp_path: Path) -> None:
    for run, outcome in (("l1", 1.0), ("l2", -1.0)):
        _write(tmp_path / run / "gnugo-level-10", [(0, outcome, (1,))] * 2)
        _write(tmp_path / run / f"only-{run}", [(0, 1.0, (1,))])
        (tmp_path / run / "ladder.json").write_text("{}")
    (result,) = pair_folders(tmp_path / "l1", tmp_path / "l2")
    assert result.opponent == "gnugo-level-10" and (result.better_a, result.better_b) == (2, 0)


def test_cli_bad_input_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    good = _write(tmp_path / "x", [(0, 1.0, (1,))])
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "results.json").write_text("{not json")
    (tmp_path / "e1").mkdir()
    (tmp_path / "e2").mkdir()
    for pair, words in (
        ((good, tmp_path / "missing"), "no such directory"),
        ((good, tmp_path / "bad"), "not a results file"),
        ((tmp_path / "e1", tmp_path / "e2"), "no opponent folder"),
    ):
        code = main(["paired", *map(str, pair)])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and words in err, err


def test_two_real_matches_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Two agents against the same opponent with the same seed and openings, then a
    third match with another seed, which is refused."""
    common = ["match", "--domain", "tictactoe", "--b", "mcts:sims=16", "--games", "8"]
    common += ["--opening-plies", "1"]
    for name, agent, seed in (("weak", "random", "5"), ("strong", "mcts:sims=64", "5")):
        out = tmp_path / name
        assert main([*common, "--a", agent, "--seed", seed, "--out", str(out)]) == 0
    assert main([*common, "--a", "random", "--seed", "6", "--out", str(tmp_path / "other")]) == 0
    capsys.readouterr()
    assert main(["paired", str(tmp_path / "weak"), str(tmp_path / "strong"), "--json"]) == 0
    line = json.loads(capsys.readouterr().out.strip())
    summaries = [
        json.loads((tmp_path / name / "results.json").read_text())["summary"][0]
        for name in ("weak", "strong")
    ]
    for key, row in zip(("score_a", "score_b"), summaries, strict=True):
        assert line[key] == row["wins"] + 0.5 * row["draws"]
    assert line["games"] == 8 and line["openings_checked"]
    assert line["better_a"] + line["better_b"] <= 8
    assert main(["paired", str(tmp_path / "weak"), str(tmp_path / "other")]) == 2
    assert "not the same openings" in capsys.readouterr().err
