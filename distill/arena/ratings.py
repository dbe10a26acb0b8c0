"""Bradley–Terry ratings on the Elo scale, with confidence intervals.

Model (Bradley & Terry 1952; fitted as in Hunter 2004, "MM algorithms for
generalized Bradley–Terry models"): player i beats j with probability
``p_ij = 1 / (1 + 10 ** ((r_j - r_i) / 400))`` (Elo scale). A draw counts as
half a win for each side. Ratings maximize the log-likelihood by Newton's
method on the ratings, with one anchor player fixed at 0 (e.g. the random
player) so the scale is identified; a tiny Gaussian prior (``prior_games``
virtual draws against every opponent, as in BayesElo) keeps ratings finite
when a player won every game. Standard errors come from the inverse of the
observed Fisher information (the Hessian at the optimum) with the anchor
removed; the 95% interval is ±1.96 standard errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ELO = 400.0 / np.log(10.0)  # Elo points per natural-log unit of strength


@dataclass(frozen=True)
class Rating:
    """A player's rating: Elo and the half-width of its 95% confidence interval."""

    name: str
    elo: float
    ci95: float


def bradley_terry(
    names: Sequence[str],
    results: Sequence[tuple[int, int, float, int]],
    *,
    anchor: int = 0,
    prior_games: float = 0.5,
    iterations: int = 50,
) -> list[Rating]:
    """Fit ratings from pairwise results.

    Args:
        names: player names; index i in `results` refers to names[i].
        results: (i, j, score_i, games): player i scored `score_i` points (1 per win,
            0.5 per draw) in `games` games against player j.
        anchor: index of the player whose rating is fixed at 0.
        prior_games: virtual drawn games added to every pair that met (regularization).
        iterations: Newton steps (the problem is concave; a few dozen are plenty).
    """
    n = len(names)
    wins = np.zeros((n, n))
    games = np.zeros((n, n))
    for i, j, score, count in results:
        wins[i, j] += score + prior_games / 2
        wins[j, i] += count - score + prior_games / 2
        games[i, j] += count + prior_games
        games[j, i] += count + prior_games
    theta = np.zeros(n)  # natural-log strengths
    free = np.array([k for k in range(n) if k != anchor], dtype=np.int64)
    hessian = np.eye(len(free))
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(theta[None, :] - theta[:, None]))  # p[i, j] = P(i beats j)
        gradient = (wins - games * p).sum(axis=1)
        info = games * p * (1 - p)
        full = np.diag(info.sum(axis=1)) - info  # observed Fisher information
        hessian = full[np.ix_(free, free)] + 1e-9 * np.eye(len(free))
        if len(free) == 0:
            break
        step = np.linalg.solve(hessian, gradient[free])
        theta[free] += step
        if np.max(np.abs(step)) < 1e-10:
            break
    stderr = np.zeros(n)
    if len(free):
        stderr[free] = np.sqrt(np.clip(np.diag(np.linalg.inv(hessian)), 0.0, None))
    return [
        Rating(names[k], float(ELO * theta[k]), float(1.96 * ELO * stderr[k])) for k in range(n)
    ]


def elo_difference(score: float) -> float:
    """Elo difference implied by a mean score in (0, 1) (clipped to ±800)."""
    s = float(np.clip(score, 1e-2, 1 - 1e-2))
    return float(np.clip(-400.0 * np.log10(1.0 / s - 1.0), -800.0, 800.0))


__all__ = ["Rating", "bradley_terry", "elo_difference"]
