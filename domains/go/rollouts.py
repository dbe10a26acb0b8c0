"""Light Go playouts for rollout MCTS players (``mcts:rollout=light``), inside numba.

Uniformly random playouts (`distill.search.RolloutEvaluator`) fill their own eyes,
so on a Go board their outcome says little about who is ahead. The classic
Monte-Carlo Go playout fixes that with one rule: never fill your own eye
(Brügmann 1993, "Monte Carlo Go"; Gelly et al. 2006, "Modification of UCT with
Patterns in Monte-Carlo Go", MoGo's random policy). A move is drawn uniformly
among the legal points of the player to move that are not its own eye; when
there is none the player passes. Two passes end the playout, which is then
scored by Tromp-Taylor, exactly as the real game will be. By default the playouts
also capture a group left in atari by the last move and extend a group it put in
atari (`tactical_move`, after MoGo's playout rules, Gelly et al. 2006, section 3).

Eye (the usual playout definition): an empty point whose on-board orthogonal
neighbours are all the mover's stones, and whose diagonal neighbours hold at most
one opponent stone (none when the point is on the edge or in a corner).

`LightRolloutEvaluator` is a `distill.search.StateEvaluator`: a hand-made prior
(`prior_logits`, or uniform) and the mean playout outcome from the leaf's
player-to-move perspective (+1 win, -1 loss, 0 jigo). Each leaf's playouts use its
own seed (splitmix64), so a search is reproducible for a given rng.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from distill.domain import Domain, as_index
from distill.errors import ConfigError

from .engine import (
    colour_at,
    copy_record,
    is_over,
    libs_of_root,
    next_of,
    play,
    root_of,
    score,
    try_point,
)
from .layout import LAST, NEIGHBOURS, SIZE, TO_PLAY

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True)
def _splitmix64(state: np.ndarray) -> np.uint64:
    """Next output of splitmix64 (Steele et al. 2014); state: uint64[1], advanced in place."""
    state[0] += _GOLDEN
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def is_own_eye(st: np.ndarray, p: int, colour: int) -> bool:
    """Whether empty point p is an eye of `colour` (1 black, 2 white), as defined above."""
    n = int(st[SIZE])
    for k in range(4):
        q = NEIGHBOURS[n, p, k]
        if q >= 0 and colour_at(st, q) != colour:
            return False
    row, col = p // n, p % n
    opponents, off_board = 0, 0
    for dr in (-1, 1):
        for dc in (-1, 1):
            r, c = row + dr, col + dc
            if r < 0 or r >= n or c < 0 or c >= n:
                off_board += 1
            elif colour_at(st, r * n + c) == 3 - colour:
                opponents += 1
    return opponents == 0 if off_board > 0 else opponents <= 1


@njit(cache=True)
def _a_liberty(st: np.ndarray, p: int) -> int:
    """An empty point next to the group of the stone at p (first found), or -1."""
    n = int(st[SIZE])
    q = p
    while True:
        for k in range(4):
            t = NEIGHBOURS[n, q, k]
            if t >= 0 and colour_at(st, t) == 0:
                return int(t)
        q = next_of(st, q)
        if q == p:
            return -1


@njit(cache=True)
def tactical_move(st: np.ndarray) -> int:
    """Capture or escape around the last move, or -1 (MoGo's first playout rules).

    1. If the group of the stone just played is in atari, capture it.
    2. Else if it put one of the mover's groups next to it in atari, extend that group
       on its last liberty (unless that fills the mover's own eye).
    Only legal moves are returned.
    """
    n = int(st[SIZE])
    last = int(st[LAST])
    if last < 0 or last >= n * n or colour_at(st, last) == 0:
        return -1
    mover = int(st[TO_PLAY]) + 1
    if libs_of_root(st, root_of(st, last)) == 1:
        liberty = _a_liberty(st, last)
        if liberty >= 0 and try_point(st, liberty, True) == 1:
            return liberty
    for k in range(4):
        q = NEIGHBOURS[n, last, k]
        if q >= 0 and colour_at(st, q) == mover and libs_of_root(st, root_of(st, q)) == 1:
            liberty = _a_liberty(st, q)
            if (
                liberty >= 0
                and not is_own_eye(st, liberty, mover)
                and try_point(st, liberty, True) == 1
            ):
                return liberty
    return -1


@njit(cache=True)
def _pick_move(st: np.ndarray, rng: np.ndarray, candidates: np.ndarray, tactics: bool) -> int:
    """The playout move of the player to move: a `tactical_move` when `tactics` finds one,
    else a uniformly random legal non-eye point, else pass (N*N)."""
    if tactics:
        move = tactical_move(st)
        if move >= 0:
            return move
    n = int(st[SIZE])
    colour = int(st[TO_PLAY]) + 1
    count = 0
    for p in range(n * n):
        if colour_at(st, p) == 0:
            candidates[count] = p
            count += 1
    while count > 0:
        k = int(_splitmix64(rng) % np.uint64(count))
        p = candidates[k]
        if not is_own_eye(st, p, colour) and try_point(st, p, True) == 1:
            return int(p)
        count -= 1
        candidates[k] = candidates[count]
    return n * n


@njit(cache=True)
def light_playout(
    st: np.ndarray, rng: np.ndarray, candidates: np.ndarray, tactics: bool = False
) -> float:
    """Play the light policy on `st` (in place) to the end; returns the Tromp-Taylor score.

    rng: uint64[1] splitmix64 state (advanced); candidates: int64[N*N] scratch.
    """
    while not is_over(st):
        play(st, _pick_move(st, rng, candidates, tactics))
    return score(st)


@njit(cache=True)
def batch_light_rollouts(
    store: np.ndarray,
    idx: np.ndarray,
    seeds: np.ndarray,
    num_rollouts: int,
    tactics: bool,
    values: np.ndarray,
) -> None:
    """values[k] := mean outcome of `num_rollouts` playouts from store[idx[k]], for its mover.

    store: int64[S, state_size]; idx: int64[K]; seeds: uint64[K]; values: float32[K].
    """
    scratch = np.empty(store.shape[1], dtype=np.int64)
    candidates = np.empty(int(store[idx[0], SIZE]) ** 2 if idx.shape[0] else 1, dtype=np.int64)
    rng = np.zeros(1, dtype=np.uint64)
    for k in range(idx.shape[0]):
        start = store[idx[k]]
        mover = int(start[TO_PLAY])
        rng[0] = seeds[k]
        total = 0.0
        for _ in range(num_rollouts):
            copy_record(start, scratch)
            black_lead = light_playout(scratch, rng, candidates, tactics)
            outcome = 1.0 if black_lead > 0 else (-1.0 if black_lead < 0 else 0.0)
            total += outcome if mover == 0 else -outcome
        values[k] = total / num_rollouts


#: Prior logits of `prior_logits` (log-odds against an ordinary point; pass and own eyes
#: are rarely right, first-line moves rarely right while the board is still open).
PASS_LOGIT = -3.0
EYE_LOGIT = -3.0
EDGE_LOGIT = -1.0


@njit(cache=True)
def prior_logits(store: np.ndarray, idx: np.ndarray, logits: np.ndarray) -> None:
    """logits[k] := a hand-made prior for store[idx[k]] (float32[K, A]; illegal ones ignored).

    0 for an ordinary point; `EYE_LOGIT` for filling one's own eye; `EDGE_LOGIT` for a
    first-line point while more than half the board is empty; `PASS_LOGIT` for pass while
    any point is empty. A progressive-bias style prior (Chaslot et al. 2008, "Progressive
    strategies for Monte-Carlo tree search") that steers PUCT's exploration.
    """
    for k in range(idx.shape[0]):
        st = store[idx[k]]
        n = int(st[SIZE])
        colour = int(st[TO_PLAY]) + 1
        empty = 0
        for p in range(n * n):
            empty += colour_at(st, p) == 0
        for p in range(n * n):
            row, col = p // n, p % n
            value = 0.0
            if colour_at(st, p) == 0 and is_own_eye(st, p, colour):
                value = EYE_LOGIT
            elif 2 * empty > n * n and (row == 0 or col == 0 or row == n - 1 or col == n - 1):
                value = EDGE_LOGIT
            logits[k, p] = value
        logits[k, n * n] = PASS_LOGIT if empty > 0 else 0.0


class LightRolloutEvaluator:
    """Mean outcome of `num_rollouts` light playouts (Go only), and a prior.

    Args:
        domain: a Go domain.
        num_rollouts: playouts per leaf.
        prior: "uniform" (logits 0) or "heuristic" (`prior_logits`).
        tactics: playouts capture and escape around the last move (`tactical_move`).
    """

    def __init__(
        self, domain: Domain, num_rollouts: int = 1, prior: str = "heuristic", tactics: bool = True
    ) -> None:
        if domain.name != "go":
            raise ConfigError(f"light rollouts are for Go, not {domain.name!r}")
        if not isinstance(num_rollouts, int) or num_rollouts < 1:
            raise ConfigError(
                f"LightRolloutEvaluator.num_rollouts must be an int >= 1, got {num_rollouts!r}"
            )
        if prior not in ("uniform", "heuristic"):
            raise ConfigError(
                f"LightRolloutEvaluator.prior must be 'uniform' or 'heuristic', got {prior!r}"
            )
        self.domain = domain
        self.num_rollouts = num_rollouts
        self.prior = prior
        self.tactics = bool(tactics)

    def evaluate_states(
        self, store: Any, idx: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(prior logits float32[K, A], mean playout outcome float32[K]) of store[idx[k]]."""
        index = as_index(idx)
        values = np.zeros(index.shape[0], np.float32)
        logits = np.zeros((index.shape[0], self.domain.num_actions), np.float32)
        if index.shape[0]:
            seeds = np.ascontiguousarray(seeds, dtype=np.uint64)
            batch_light_rollouts(store, index, seeds, self.num_rollouts, self.tactics, values)
            if self.prior == "heuristic":
                prior_logits(store, index, logits)
        return logits, values

    def __repr__(self) -> str:
        return (
            f"LightRolloutEvaluator(num_rollouts={self.num_rollouts}, prior={self.prior!r}, "
            f"tactics={self.tactics})"
        )
