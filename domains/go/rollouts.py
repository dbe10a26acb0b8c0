"""Light Go playouts for rollout MCTS players (``mcts:rollout=light``), inside numba.

Uniformly random playouts (`distill.search.RolloutEvaluator`) fill their own eyes,
so on a Go board their outcome says little about who is ahead. The classic
Monte-Carlo Go playout fixes that with one rule: never fill your own eye
(Brügmann 1993, "Monte Carlo Go"; Gelly et al. 2006, "Modification of UCT with
Patterns in Monte-Carlo Go", MoGo's random policy). A move is drawn uniformly
among the legal points of the player to move that are not its own eye; when
there is none the player passes. Two passes end the playout, which is then
scored by Tromp-Taylor, exactly as the real game will be. By default (``tactics``)
the playouts also capture a group left in atari by the last move and extend a group
it put in atari (`tactical_move`, after MoGo's playout rules, Gelly et al. 2006,
section 3), and never play a self-atari that captures nothing (as Fuego's and Pachi's
playouts avoid them: such a move mostly just gives stones away).

Eye (the usual playout definition): an empty point whose on-board orthogonal
neighbours are all the mover's stones, and whose diagonal neighbours hold at most
one opponent stone (none when the point is on the edge or in a corner).

`LightRolloutEvaluator` is a `distill.search.StateEvaluator`: a prior (by default the
hand-made `prior_logits` plus the all-moves-as-first values of the leaf's own playouts,
`batch_amaf_rollouts`; or the hand-made part alone, or uniform) and the mean playout
outcome from the leaf's player-to-move perspective (+1 win, -1 loss, 0 jigo). Each
leaf's playouts use its own seed (splitmix64), so a search is reproducible for a given
rng. The prior gets a tiny seeded jitter (`TIE_JITTER`) so that moves of equal prior
are not explored in board order (PUCT's argmax takes the first of equal scores).
"""

from __future__ import annotations

import math
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
from .layout import LAST, MAX_SIZE, NEIGHBOURS, SIZE, TO_PLAY

#: Points of the largest board (scratch arrays sized once for any board).
MAX_POINTS = MAX_SIZE * MAX_SIZE

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
def _pick_move(
    st: np.ndarray, rng: np.ndarray, candidates: np.ndarray, tactics: bool, marks: np.ndarray
) -> int:
    """The playout move of the player to move: a `tactical_move` when `tactics` finds one,
    else a uniformly random legal point that is neither its own eye nor, with `tactics`,
    a self-atari (`point_tactics`), else pass (N*N). marks: `new_marks` scratch."""
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
        if (
            not is_own_eye(st, p, colour)
            and try_point(st, p, True) == 1
            and (not tactics or not point_tactics(st, p, marks, next_stamp(marks))[2])
        ):
            return int(p)
        count -= 1
        candidates[k] = candidates[count]
    return n * n


@njit(cache=True)
def new_marks() -> np.ndarray:
    """Scratch for `liberties_after`: one mark per point of the largest board, and the
    last stamp handed out in the final slot (`next_stamp`)."""
    return np.zeros(MAX_POINTS + 1, np.int64)


@njit(cache=True, inline="always")
def next_stamp(marks: np.ndarray) -> int:
    """A stamp no point of `marks` holds yet (so the marks need no clearing)."""
    marks[MAX_POINTS] += 1
    return int(marks[MAX_POINTS])


@njit(cache=True)
def light_playout(
    st: np.ndarray, rng: np.ndarray, candidates: np.ndarray, tactics: bool = False
) -> float:
    """Play the light policy on `st` (in place) to the end; returns the Tromp-Taylor score.

    rng: uint64[1] splitmix64 state (advanced); candidates: int64[N*N] scratch.
    """
    marks = new_marks()
    while not is_over(st):
        play(st, _pick_move(st, rng, candidates, tactics, marks))
    return score(st)


@njit(cache=True)
def amaf_playout(
    st: np.ndarray,
    rng: np.ndarray,
    candidates: np.ndarray,
    tactics: bool,
    marks: np.ndarray,
    first: np.ndarray,
) -> float:
    """`light_playout` that also records in first[p] the colour (1 black, 2 white) that
    played point p first (0: nobody), for all-moves-as-first statistics."""
    n2 = int(st[SIZE]) ** 2
    first[:n2] = 0
    while not is_over(st):
        move = _pick_move(st, rng, candidates, tactics, marks)
        if move < n2 and first[move] == 0:
            first[move] = int(st[TO_PLAY]) + 1
        play(st, move)
    return score(st)


@njit(cache=True)
def batch_light_rollouts(
    store: np.ndarray,
    idx: np.ndarray,
    seeds: np.ndarray,
    num_rollouts: int,
    tactics: bool,
    values: np.ndarray,
    score_weight: float = 0.0,
) -> None:
    """values[k] := mean value of `num_rollouts` playouts from store[idx[k]], for its mover.

    A playout's value is (1 - w) * outcome + w * tanh(lead / (N * N / SCORE_SCALE_DIVISOR))
    with w = `score_weight`, outcome = +1 / 0 / -1 and lead the mover's Tromp-Taylor margin.
    store: int64[S, state_size]; idx: int64[K]; seeds: uint64[K]; values: float32[K].
    """
    scratch = np.empty(store.shape[1], dtype=np.int64)
    candidates = np.empty(int(store[idx[0], SIZE]) ** 2 if idx.shape[0] else 1, dtype=np.int64)
    rng = np.zeros(1, dtype=np.uint64)
    for k in range(idx.shape[0]):
        start = store[idx[k]]
        mover = int(start[TO_PLAY])
        scale = max(1.0, float(start[SIZE]) ** 2 / SCORE_SCALE_DIVISOR)
        rng[0] = seeds[k]
        total = 0.0
        for _ in range(num_rollouts):
            copy_record(start, scratch)
            lead = light_playout(scratch, rng, candidates, tactics)
            lead = lead if mover == 0 else -lead
            outcome = 1.0 if lead > 0 else (-1.0 if lead < 0 else 0.0)
            total += (1.0 - score_weight) * outcome + score_weight * math.tanh(lead / scale)
        values[k] = total / num_rollouts


#: Score shaping of playout values: a lead of N*N / this many points is worth tanh(1).
SCORE_SCALE_DIVISOR = 8.0
#: AMAF prior: logit = AMAF_LOGIT * (sum of the mover's playout values over playouts in
#: which it played the point first) / (those playouts + AMAF_PRIOR_PLAYOUTS).
AMAF_LOGIT = 2.0
AMAF_PRIOR_PLAYOUTS = 1.0


@njit(cache=True)
def batch_amaf_rollouts(
    store: np.ndarray,
    idx: np.ndarray,
    seeds: np.ndarray,
    num_rollouts: int,
    tactics: bool,
    values: np.ndarray,
    score_weight: float,
    logits: np.ndarray,
) -> None:
    """`batch_light_rollouts`, and logits[k, p] += the AMAF prior of point p from the same
    playouts (all-moves-as-first, Brügmann 1993; as a prior, after Gelly and Silver 2007):
    the mean value of the playouts in which the mover played p first, shrunk toward 0."""
    n2 = MAX_POINTS
    scratch = np.empty(store.shape[1], dtype=np.int64)
    candidates = np.empty(n2, dtype=np.int64)
    marks = new_marks()
    first = np.zeros(n2, np.int64)
    total = np.zeros(n2)
    count = np.zeros(n2)
    rng = np.zeros(1, dtype=np.uint64)
    for k in range(idx.shape[0]):
        start = store[idx[k]]
        mover = int(start[TO_PLAY])
        points = int(start[SIZE]) ** 2
        scale = max(1.0, float(points) / SCORE_SCALE_DIVISOR)
        rng[0] = seeds[k]
        total[:points] = 0.0
        count[:points] = 0.0
        mean = 0.0
        for _ in range(num_rollouts):
            copy_record(start, scratch)
            lead = amaf_playout(scratch, rng, candidates, tactics, marks, first)
            lead = lead if mover == 0 else -lead
            outcome = 1.0 if lead > 0 else (-1.0 if lead < 0 else 0.0)
            value = (1.0 - score_weight) * outcome + score_weight * math.tanh(lead / scale)
            mean += value
            for p in range(points):
                if first[p] == mover + 1:
                    total[p] += value
                    count[p] += 1.0
        values[k] = mean / num_rollouts
        for p in range(points):
            logits[k, p] += AMAF_LOGIT * total[p] / (count[p] + AMAF_PRIOR_PLAYOUTS)


#: Prior logits of `prior_logits` (log-odds against an ordinary point): pass and own eyes
#: are rarely right, first-line moves rarely right while the board is still open,
#: self-atari rarely right; captures, saving a group in atari and answering next to the
#: last move often are (MoGo's and Fuego's prior knowledge: Gelly and Silver 2007,
#: "Combining online and offline knowledge in UCT"; Enzenberger et al. 2010, "Fuego").
PASS_LOGIT = -3.0
EYE_LOGIT = -3.0
EDGE_LOGIT = -1.0
SELF_ATARI_LOGIT = -2.0
CAPTURE_LOGIT = 2.0
ESCAPE_LOGIT = 1.5
NEAR_LAST_LOGIT = 0.5


@njit(cache=True)
def liberties_after(st: np.ndarray, p: int, colour: int, marks: np.ndarray, stamp: int) -> int:
    """Liberties (counted up to 2) of the group a `colour` stone at empty p would be part
    of, captures not counted. marks: int64[N*N] scratch whose entries differ from `stamp`
    (a fresh stamp per call saves clearing it)."""
    n = int(st[SIZE])
    count = 0
    marks[p] = stamp
    for k in range(4):
        q = NEIGHBOURS[n, p, k]
        if q < 0:
            continue
        cq = colour_at(st, q)
        if cq == 0 and marks[q] != stamp:
            marks[q] = stamp
            count += 1
        elif cq == colour:
            s = q
            while True:  # every stone of the friendly group: its empty neighbours
                for j in range(4):
                    t = NEIGHBOURS[n, s, j]
                    if t >= 0 and colour_at(st, t) == 0 and marks[t] != stamp:
                        marks[t] = stamp
                        count += 1
                s = next_of(st, s)
                if s == q or count >= 2:
                    break
        if count >= 2:
            return count
    return count


@njit(cache=True)
def point_tactics(st: np.ndarray, p: int, marks: np.ndarray, stamp: int) -> tuple:
    """(captures, escapes, self_atari) of the mover's move at empty point p: it captures
    an opponent group in atari; it saves an own group in atari (p is that group's last
    liberty, and afterwards it has two or more); it leaves its own group with one
    liberty without capturing."""
    n = int(st[SIZE])
    colour = int(st[TO_PLAY]) + 1
    captures, in_atari = False, False
    for k in range(4):
        q = NEIGHBOURS[n, p, k]
        if q < 0 or colour_at(st, q) == 0:
            continue
        if libs_of_root(st, root_of(st, q)) == 1:
            if colour_at(st, q) == colour:
                in_atari = True
            else:
                captures = True
    liberties = liberties_after(st, p, colour, marks, stamp)
    return captures, in_atari and liberties >= 2, liberties == 1 and not captures


@njit(cache=True)
def prior_logits(store: np.ndarray, idx: np.ndarray, logits: np.ndarray) -> None:
    """logits[k] := a hand-made prior for store[idx[k]] (float32[K, A]; illegal ones ignored).

    Sums of the logits above for each point: 0 for an ordinary point; `EYE_LOGIT` for
    filling one's own eye; `EDGE_LOGIT` for a first-line point while more than half the
    board is empty; `CAPTURE_LOGIT`, `ESCAPE_LOGIT` and `SELF_ATARI_LOGIT` from
    `point_tactics`; `NEAR_LAST_LOGIT` next to the last move (8 neighbours);
    `PASS_LOGIT` for pass while any point is empty. A progressive-bias prior (Chaslot et
    al. 2008, "Progressive strategies for Monte-Carlo tree search") that orders PUCT's
    exploration by tactics instead of by board order.
    """
    marks = new_marks()
    for k in range(idx.shape[0]):
        st = store[idx[k]]
        n = int(st[SIZE])
        colour = int(st[TO_PLAY]) + 1
        last = int(st[LAST])
        empty = 0
        for p in range(n * n):
            empty += colour_at(st, p) == 0
        for p in range(n * n):
            logits[k, p] = 0.0
            if colour_at(st, p) != 0:
                continue
            if is_own_eye(st, p, colour):
                logits[k, p] = EYE_LOGIT
                continue
            row, col = p // n, p % n
            value = 0.0
            if 2 * empty > n * n and (row == 0 or col == 0 or row == n - 1 or col == n - 1):
                value += EDGE_LOGIT
            captures, escapes, self_atari = point_tactics(st, p, marks, next_stamp(marks))
            value += CAPTURE_LOGIT * captures + ESCAPE_LOGIT * escapes
            value += SELF_ATARI_LOGIT * self_atari
            if 0 <= last < n * n and max(abs(last // n - row), abs(last % n - col)) == 1:
                value += NEAR_LAST_LOGIT
            logits[k, p] = value
        logits[k, n * n] = PASS_LOGIT if empty > 0 else 0.0


#: Largest logit added to break ties between moves of equal prior (a 0.1% change of
#: their prior: it orders equal moves at random, it does not rank unequal ones).
TIE_JITTER = 1e-3


@njit(cache=True)
def add_jitter(logits: np.ndarray, seeds: np.ndarray) -> None:
    """logits[k] += TIE_JITTER * uniform[0, 1) draws from a stream seeded by seeds[k]
    (decorrelated from the playouts' stream by a fixed offset)."""
    rng = np.zeros(1, dtype=np.uint64)
    for k in range(logits.shape[0]):
        rng[0] = seeds[k] ^ np.uint64(0xA5A5A5A5A5A5A5A5)
        for a in range(logits.shape[1]):
            draw = float(_splitmix64(rng) >> np.uint64(11)) / 9007199254740992.0
            logits[k, a] += TIE_JITTER * draw


#: The priors `LightRolloutEvaluator` offers.
PRIORS = ("uniform", "heuristic", "amaf")


class LightRolloutEvaluator:
    """Mean outcome of `num_rollouts` light playouts (Go only), and a prior.

    Args:
        domain: a Go domain.
        num_rollouts: playouts per leaf.
        prior: "uniform" (logits 0), "heuristic" (`prior_logits`) or "amaf" (the heuristic
            plus the AMAF values of the leaf's own playouts, `batch_amaf_rollouts`).
        tactics: playouts capture and escape around the last move (`tactical_move`) and
            avoid self-atari.
        score_weight: share of the score margin in a playout's value, in [0, 1)
            (`batch_light_rollouts`); 0 = win/loss only.
    """

    def __init__(
        self,
        domain: Domain,
        num_rollouts: int = 1,
        prior: str = "amaf",
        tactics: bool = True,
        score_weight: float = 0.0,
    ) -> None:
        if domain.name != "go":
            raise ConfigError(f"light rollouts are for Go, not {domain.name!r}")
        if not isinstance(num_rollouts, int) or num_rollouts < 1:
            raise ConfigError(
                f"LightRolloutEvaluator.num_rollouts must be an int >= 1, got {num_rollouts!r}"
            )
        if prior not in PRIORS:
            raise ConfigError(f"LightRolloutEvaluator.prior must be one of {PRIORS}, got {prior!r}")
        if not 0.0 <= score_weight < 1.0:
            raise ConfigError(
                f"LightRolloutEvaluator.score_weight must be in [0, 1), got {score_weight!r}"
            )
        self.domain = domain
        self.num_rollouts = num_rollouts
        self.prior = prior
        self.tactics = bool(tactics)
        self.score_weight = float(score_weight)

    def evaluate_states(
        self, store: Any, idx: np.ndarray, seeds: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(prior logits float32[K, A], mean playout outcome float32[K]) of store[idx[k]]."""
        index = as_index(idx)
        values = np.zeros(index.shape[0], np.float32)
        logits = np.zeros((index.shape[0], self.domain.num_actions), np.float32)
        if index.shape[0]:
            seeds = np.ascontiguousarray(seeds, dtype=np.uint64)
            if self.prior != "uniform":
                prior_logits(store, index, logits)
            if self.prior == "amaf":
                batch_amaf_rollouts(
                    store, index, seeds, self.num_rollouts, self.tactics, values,
                    self.score_weight, logits,
                )  # fmt: skip
            else:
                batch_light_rollouts(
                    store, index, seeds, self.num_rollouts, self.tactics, values,
                    self.score_weight,
                )  # fmt: skip
            add_jitter(logits, seeds)
        return logits, values

    def __repr__(self) -> str:
        return (
            f"LightRolloutEvaluator(num_rollouts={self.num_rollouts}, prior={self.prior!r}, "
            f"tactics={self.tactics}, score_weight={self.score_weight})"
        )
