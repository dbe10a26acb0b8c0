"""Guards the ladder's parts that need no run: balanced openings (on the third line or
higher, distinct up to the board's symmetries, legal), the opponents list syntax, the
GNU Go anchors, and the Elo fit against values computed by hand (a single opponent's
closed form, the profile-likelihood bounds, all-won and all-lost games)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import distill
from distill.domain import Position
from distill.errors import ConfigError
from distill.gtp.elo import (
    GNUGO_ELO,
    HALF_CHI2_95,
    Score,
    expected_score,
    fit_elo,
    log_likelihood,
    single_opponent_elo,
)
from distill.gtp.ladder import anchor_elo, balanced_openings, folder_name, split_opponents


def _symmetric_forms(line: list[int], n: int) -> set[tuple[int, ...]]:
    """Every image of a move list under the 8 symmetries (computed with numpy's rot90/flip)."""
    forms = set()
    board = np.arange(n * n).reshape(n, n)
    for k in range(4):
        for flip in (False, True):
            image = np.rot90(board, k)
            image = np.fliplr(image) if flip else image
            where = {int(image[r, c]): r * n + c for r in range(n) for c in range(n)}
            forms.add(tuple(where[a] for a in line))
    return forms


def test_balanced_openings_are_distinct_up_to_symmetry_and_legal() -> None:
    go = distill.make("go", size=9)
    openings = balanced_openings(go, 40, np.random.default_rng(0), plies=2)
    seen: set[tuple[int, ...]] = set()
    for line in openings:
        assert len(line) == 2
        for action in line:
            row, col = divmod(action, 9)
            assert 2 <= row <= 6 and 2 <= col <= 6  # the third line or higher
        Position(go).play_all(line)  # legal
        forms = _symmetric_forms(line, 9)
        assert not forms & seen, line
        seen |= forms
    one = balanced_openings(go, 10, np.random.default_rng(0), plies=1)
    assert len({tuple(x) for x in one}) == 6  # 25 points, 6 up to symmetry; then repeated
    assert balanced_openings(go, 3, np.random.default_rng(0), plies=0) == [[], [], []]
    five = balanced_openings(distill.make("go", size=5), 2, np.random.default_rng(1))
    assert all(1 <= a // 5 <= 3 for line in five for a in line)
    with pytest.raises(ConfigError, match="for Go"):
        balanced_openings(distill.make("tictactoe"), 2, np.random.default_rng(0))


def test_opponent_lists_anchors_and_folders() -> None:
    assert split_opponents("random, gnugo:level=0,capture=0,gnugo:level=5,,gtp:x --a=1") == [
        "random",
        "gnugo:level=0,capture=0",
        "gnugo:level=5",
        "gtp:x --a=1",
    ]
    assert anchor_elo("gnugo:level=10") == 0.0 and GNUGO_ELO[10] == 0.0
    assert anchor_elo("gnugo") == GNUGO_ELO.get(0)
    assert anchor_elo("gnugo:level=10,capture=0") is None  # another engine setting
    assert anchor_elo("random") is None and anchor_elo("gnugo:level=x") is None
    assert folder_name("gnugo:level=5") == "gnugo-level-5"
    assert folder_name("gtp:/usr/bin/x --y") == "gtp-usr-bin-x-y"


def test_elo_fit_matches_the_closed_form_for_one_opponent() -> None:
    # 3 points of 4 against an opponent rated 100: p = 3/4, so R = 100 + 400 log10(3).
    fit = fit_elo([Score(100.0, 3.0, 4)])
    assert fit.elo == pytest.approx(100 + 400 * math.log10(3), abs=0.05)
    top = log_likelihood(fit.elo, [Score(100.0, 3.0, 4)])  # type: ignore[arg-type]
    for bound in (fit.low, fit.high):
        drop = top - log_likelihood(bound, [Score(100.0, 3.0, 4)])  # type: ignore[arg-type]
        assert drop == pytest.approx(HALF_CHI2_95, abs=1e-3)
    assert fit.low < fit.elo < fit.high  # type: ignore[operator]
    assert single_opponent_elo(100.0, 0.75, 0.5, 1.0) == (
        pytest.approx(100 + 400 * math.log10(3)),
        pytest.approx(100.0),
        None,
    )


def test_elo_fit_over_several_opponents_zeroes_the_score_gradient() -> None:
    scores = [Score(0.0, 2.5, 10), Score(-300.0, 7.0, 10), Score(-600.0, 9.0, 10)]
    fit = fit_elo(scores)
    assert fit.elo is not None
    expected = sum(s.games * expected_score(fit.elo - s.rating) for s in scores)
    assert expected == pytest.approx(18.5, abs=0.01)  # points scored = points expected


def test_all_won_or_all_lost_gives_a_one_sided_interval() -> None:
    won = fit_elo([Score(0.0, 5.0, 5)])
    assert won.elo is None and won.high is None and won.low is not None
    assert log_likelihood(won.low, [Score(0.0, 5.0, 5)]) == pytest.approx(-HALF_CHI2_95, abs=1e-3)
    assert won.text().startswith("> ")
    lost = fit_elo([Score(0.0, 0.0, 5)])
    assert lost.elo is None and lost.low is None and lost.high == pytest.approx(-won.low)  # type: ignore[operator]
    assert fit_elo([]).text() == "n/a"
