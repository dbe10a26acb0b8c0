"""Elo on a ladder of opponents of known strength: the model and its fit.

Model (Elo 1978; the logistic Bradley-Terry form): a player rated R scores against an
opponent rated R_i with probability

    p(R - R_i) = 1 / (1 + 10 ** (-(R - R_i) / 400))

per game, draws counting half a win, games independent. Given s_i points in n_i games
against opponents of known ratings R_i (the anchors), the maximum-likelihood R solves
sum_i (s_i - n_i p(R - R_i)) = 0 (`fit_elo`; the log-likelihood is concave in R). Its
95% interval is the profile-likelihood one: every R whose log-likelihood lies within
chi2(1, 0.95) / 2 = 1.92 of the maximum. When every game was won (lost) the maximum is
at +inf (-inf): then only the lower (upper) bound exists. The anchors are taken as
exact, so the interval covers the ladder's games only.

Anchors (`GNUGO_ELO`): GNU Go 3.8 levels measured against each other on 9x9, komi 7.5,
Tromp-Taylor, with ``--capture-all-dead``, from balanced openings (docs/go.md lists the
matches); the scale puts level 10 at 0. An opponent without an anchor (``random``, any
other engine) counts in the win-rate table but not in the Elo fit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Rating of GNU Go 3.8 per level on the ladder scale (level 10 = 0): the joint
#: maximum-likelihood fit of 40 games each of level 10 vs 5 (21-19), 5 vs 0 (23-17) and
#: 10 vs 0 (27-13) on 9x9, komi 7.5, two-move balanced openings, ``--capture-all-dead``
#: (`distill match --opening-plies 2`; docs/go.md, "Ladder anchors"). 95% profile
#: intervals: level 5 -126..+53, level 0 -200..-17.
GNUGO_ELO: dict[int, float] = {10: 0.0, 5: -36.0, 0: -107.0}
#: Half the 95% quantile of chi-square with one degree of freedom (profile likelihood).
HALF_CHI2_95 = 1.920729
#: Ratings are searched within +-this many points of the anchors.
SEARCH_RANGE = 4000.0


@dataclass(frozen=True)
class Score:
    """Points `points` (wins + draws / 2) in `games` games against an opponent rated `rating`."""

    rating: float
    points: float
    games: int


@dataclass(frozen=True)
class EloEstimate:
    """A maximum-likelihood rating and its 95% interval (None: unbounded on that side).

    `elo` is None when the maximum is at infinity (every game won or every game lost).
    """

    elo: float | None
    low: float | None
    high: float | None

    def text(self) -> str:
        """``1234 [1100, 1350]``, ``> 1100`` or ``< -800``; ``n/a`` without games."""
        if self.elo is not None:
            return f"{_whole(self.elo)} [{_whole(self.low)}, {_whole(self.high)}]"
        if self.low is not None:
            return f"> {_whole(self.low)}"
        if self.high is not None:
            return f"< {_whole(self.high)}"
        return "n/a"


def _whole(value: float | None) -> str:
    """A rating rounded to a whole number ("-0" shows as "0"); "?" when unbounded."""
    return "?" if value is None else str(round(value) + 0)


def expected_score(difference: float) -> float:
    """p(R - R_i): the expected score of the better-by-`difference` player."""
    return 1.0 / (1.0 + 10.0 ** (-difference / 400.0))


def log_likelihood(rating: float, scores: Sequence[Score]) -> float:
    """Log-likelihood of `rating` given the scores (draws as half points)."""
    total = 0.0
    for score in scores:
        p = min(max(expected_score(rating - score.rating), 1e-300), 1 - 1e-16)
        total += score.points * math.log(p) + (score.games - score.points) * math.log(1 - p)
    return total


def fit_elo(scores: Sequence[Score]) -> EloEstimate:
    """The maximum-likelihood rating and its profile-likelihood 95% interval."""
    scores = [s for s in scores if s.games > 0]
    if not scores:
        return EloEstimate(None, None, None)
    points = sum(s.points for s in scores)
    games = sum(s.games for s in scores)
    lo = min(s.rating for s in scores) - SEARCH_RANGE
    hi = max(s.rating for s in scores) + SEARCH_RANGE
    if points >= games:  # all won: the likelihood rises to 1 at +inf
        return EloEstimate(None, _crossing(scores, lo, hi, 0.0, rising=True), None)
    if points <= 0:  # all lost: it rises to 1 at -inf
        return EloEstimate(None, None, _crossing(scores, lo, hi, 0.0, rising=False))
    best = _bisect(lambda r: _gradient(r, scores), lo, hi)
    top = log_likelihood(best, scores)
    low = _crossing(scores, lo, best, top, rising=True)
    high = _crossing(scores, best, hi, top, rising=False)
    return EloEstimate(best, low, high)


def single_opponent_elo(
    rating: float, rate: float, low: float, high: float
) -> tuple[float | None, float | None, float | None]:
    """(elo, low, high) implied by a score rate against one opponent rated `rating`, with
    its interval mapped from the rate's (Wilson) interval; None where unbounded."""

    def invert(p: float) -> float | None:
        if p <= 0 or p >= 1:
            return None
        return rating + 400.0 * math.log10(p / (1.0 - p))

    return invert(rate), invert(low), invert(high)


def _gradient(rating: float, scores: Sequence[Score]) -> float:
    return sum(s.points - s.games * expected_score(rating - s.rating) for s in scores)


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of a decreasing function `f` in [lo, hi] (to 0.01 Elo)."""
    while hi - lo > 0.01:
        mid = (lo + hi) / 2
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _crossing(scores: Sequence[Score], lo: float, hi: float, top: float, *, rising: bool) -> float:
    """Where the log-likelihood crosses top - 1.92 in [lo, hi] (it rises there if `rising`)."""
    level = top - HALF_CHI2_95
    sign = 1.0 if rising else -1.0
    return _bisect(lambda r: -sign * (log_likelihood(r, scores) - level), lo, hi)


__all__ = [
    "GNUGO_ELO",
    "EloEstimate",
    "Score",
    "expected_score",
    "fit_elo",
    "log_likelihood",
    "single_opponent_elo",
]
