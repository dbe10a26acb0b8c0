"""Bradley–Terry ratings on the Elo scale, with confidence intervals.

Model (Bradley & Terry 1952; fitted as in Hunter 2004, "MM algorithms for
generalized Bradley–Terry models"): player i beats j with probability
``p_ij = 1 / (1 + 10 ** ((r_j - r_i) / 400))`` (Elo scale). A draw counts as
half a win for each side, the usual Elo convention; since a draw carries less
variance than half a win and half a loss, the intervals are slightly
conservative where draws are common (BayesElo models draws with an extra
parameter instead; Coulom 2005). Ratings maximize the log-likelihood by
Newton's method, with one anchor player fixed at 0 (the random player) so the
scale is identified. A small Gaussian-like prior, ``prior_games`` virtual draws
between every pair that met (as in BayesElo), keeps ratings finite when a
player won every game.

Uncertainty: the covariance of the ratings is the inverse of the observed
Fisher information (the negative Hessian of the log-likelihood at the optimum)
with the anchor's row and column removed. A player's interval is relative to
the anchor (it grows along a chain of opponents); the interval of a
*difference* between two players (`RatingFit.difference`) also uses their
covariance and is the one that says whether two players are told apart.
All intervals are 95% normal intervals, ±1.96 standard errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ELO = 400.0 / np.log(10.0)  # Elo points per natural-log unit of strength
Z95 = 1.96  # two-sided 95% normal quantile

#: (i, j, score_i, games): player i scored `score_i` points (1 per win, 0.5 per draw)
#: in `games` games against player j.
PairResult = tuple[int, int, float, int]


@dataclass(frozen=True)
class Rating:
    """A player's rating: Elo and the half-width of its 95% confidence interval."""

    name: str
    elo: float
    ci95: float


@dataclass(frozen=True)
class RatingFit:
    """A fitted rating list.

    Attributes:
        names: player names, in input order.
        elo: float64[n], ratings (the anchor's is 0).
        covariance: float64[n, n], covariance of the ratings in Elo² (anchor row and
            column 0).
        anchor: index of the anchor player.
    """

    names: tuple[str, ...]
    elo: np.ndarray
    covariance: np.ndarray
    anchor: int

    def ci95(self, i: int) -> float:
        """Half-width of the 95% interval of player i's rating (relative to the anchor)."""
        return float(Z95 * np.sqrt(max(self.covariance[i, i], 0.0)))

    def ratings(self) -> list[Rating]:
        """One `Rating` per player, in input order."""
        return [Rating(n, float(self.elo[i]), self.ci95(i)) for i, n in enumerate(self.names)]

    def rating(self, name: str) -> Rating:
        """The `Rating` of the player called `name` (KeyError if absent)."""
        if name not in self.names:
            raise KeyError(name)
        i = self.names.index(name)
        return Rating(name, float(self.elo[i]), self.ci95(i))

    def difference(self, i: int, j: int) -> tuple[float, float]:
        """(r_i - r_j, half-width of its 95% interval)."""
        c = self.covariance
        var = c[i, i] + c[j, j] - 2.0 * c[i, j]
        return float(self.elo[i] - self.elo[j]), float(Z95 * np.sqrt(max(var, 0.0)))


def fit_ratings(
    names: Sequence[str],
    results: Sequence[PairResult],
    *,
    anchor: int = 0,
    prior_games: float = 0.5,
    iterations: int = 100,
) -> RatingFit:
    """Fit Bradley–Terry ratings from pairwise results (see the module docstring).

    Args:
        names: player names; index i in `results` refers to names[i].
        results: `PairResult` tuples; pairs may repeat (they are summed).
        anchor: index of the player whose rating is fixed at 0.
        prior_games: virtual drawn games added to every pair that met (regularization;
            0 = the plain maximum-likelihood fit, infinite after a clean sweep).
        iterations: at most this many Newton steps (the problem is concave; it
            usually converges in under ten).
    """
    n = len(names)
    wins, games = _tables(n, results, prior_games)
    theta = np.zeros(n)  # natural-log strengths
    free = np.array([k for k in range(n) if k != anchor], dtype=np.int64)
    information = np.eye(len(free))
    for _ in range(iterations):
        if len(free) == 0:
            break
        p = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))  # p[i, j] = P(i beats j)
        gradient = (wins - games * p).sum(axis=1)
        info = games * p * (1 - p)
        full = np.diag(info.sum(axis=1)) - info  # observed Fisher information
        information = full[np.ix_(free, free)] + 1e-9 * np.eye(len(free))
        # A capped Newton step (at most ~350 Elo) cannot overshoot far from a flat start
        # when one side of a pair won nearly every game.
        step = np.clip(np.linalg.solve(information, gradient[free]), -2.0, 2.0)
        theta[free] += step
        if np.max(np.abs(step)) < 1e-10:
            break
    covariance = np.zeros((n, n))
    if len(free):
        covariance[np.ix_(free, free)] = np.linalg.inv(information) * ELO**2
    return RatingFit(tuple(names), ELO * theta, covariance, anchor)


def _tables(
    n: int, results: Sequence[PairResult], prior_games: float
) -> tuple[np.ndarray, np.ndarray]:
    """(wins[n, n], games[n, n]): points of i against j, games between i and j (prior in)."""
    wins = np.zeros((n, n))
    games = np.zeros((n, n))
    met = np.zeros((n, n), dtype=bool)
    for i, j, score, count in results:
        if i == j:
            raise ValueError(f"a player cannot play itself (index {i})")
        wins[i, j] += score
        wins[j, i] += count - score
        games[i, j] += count
        games[j, i] += count
        met[i, j] = met[j, i] = count > 0 or met[i, j]
    wins += met * prior_games / 2
    games += met * prior_games
    return wins, games


def bradley_terry(
    names: Sequence[str],
    results: Sequence[PairResult],
    *,
    anchor: int = 0,
    prior_games: float = 0.5,
    iterations: int = 100,
) -> list[Rating]:
    """`fit_ratings(...).ratings()`: one `Rating` per player, anchor at 0."""
    fit = fit_ratings(names, results, anchor=anchor, prior_games=prior_games, iterations=iterations)
    return fit.ratings()


def elo_difference(score: float) -> float:
    """Elo difference implied by a mean score in (0, 1) (clipped to ±800)."""
    s = float(np.clip(score, 1e-2, 1 - 1e-2))
    return float(np.clip(-400.0 * np.log10(1.0 / s - 1.0), -800.0, 800.0))


def expected_score(difference: float) -> float:
    """Expected score of a player rated `difference` Elo above its opponent."""
    return float(1.0 / (1.0 + 10.0 ** (-difference / 400.0)))


__all__ = [
    "PairResult",
    "Rating",
    "RatingFit",
    "bradley_terry",
    "elo_difference",
    "expected_score",
    "fit_ratings",
]
