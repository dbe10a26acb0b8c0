"""Guards the random-playout sampler of the Go engine: every draw is a legal action and
draws are uniform over the legal actions, pass included (chi-square), so the engine
benchmark measures honest uniformly random play."""

from __future__ import annotations

import numpy as np
from numba import njit

from distill.domains.go import make
from distill.domains.go.engine import legal_points, play
from distill.domains.go.playout import _collect_empties, pick_random_legal, random_below, seed_rng


@njit(cache=True)
def _histogram(state, draws, seed):
    cells = int(state[0] * state[0])
    rng = seed_rng(seed)
    empties = np.empty(cells, np.int64)
    where = np.empty(cells, np.int64)
    counts = np.zeros(cells + 1, np.int64)
    for _ in range(draws):
        count = _collect_empties(state, empties, where)
        action, _captures = pick_random_legal(state, empties, where, count, rng)
        counts[action] += 1
    return counts


@njit(cache=True)
def _below_counts(m, draws, seed):
    rng = seed_rng(seed)
    counts = np.zeros(m, np.int64)
    for _ in range(draws):
        counts[random_below(rng, m)] += 1
    return counts


def _chi_square(counts: np.ndarray) -> float:
    expected = counts.sum() / counts.size
    return float(((counts - expected) ** 2 / expected).sum())


def test_random_below_is_uniform():
    counts = _below_counts(7, 700_000, 5)
    assert counts.sum() == 700_000
    assert _chi_square(counts) < 22.5  # chi-square, 6 dof: p ~ 0.001


def test_pick_random_legal_is_uniform_over_legal_moves():
    domain = make(size=5, komi=0.5)
    store = domain.new_store(1)
    domain.reset(store, [0])
    state = store[0]
    moves = np.random.default_rng(3)
    for _ in range(18):  # a mid-game position with captures and illegal points about
        mask = np.zeros(26, np.bool_)
        legal_points(state, mask)
        play(state, int(moves.choice(np.flatnonzero(mask))))
    mask = np.zeros(26, np.bool_)
    legal_count = legal_points(state, mask)
    assert 2 < legal_count < 26
    before = state.copy()
    counts = _histogram(state, 400_000, 11)
    assert np.array_equal(state, before)  # sampling does not change the position
    assert (counts[~mask] == 0).all()  # never an illegal action
    # p ~ 0.001 bound for legal_count - 1 degrees of freedom (Wilson-Hilferty).
    dof = legal_count - 1
    bound = dof * (1 - 2 / (9 * dof) + 3.09 * np.sqrt(2 / (9 * dof))) ** 3
    assert _chi_square(counts[mask]) < bound
