"""Random playouts inside numba: uniform over legal actions, full rules (superko included).

Used by the engine benchmark (`distill bench go-engine`) and usable as a cheap
rollout policy. A move is drawn uniformly from the legal actions, pass included,
by rejection: draw from the not-yet-rejected empty points plus pass; a point
that turns out illegal is set aside and the draw repeated. This samples the
legal set uniformly without building the full legal mask.

The list of empty points is kept incrementally (one swap-remove per move) and
extended by the stones a move is about to capture (scanned only when
`classify_point` reports a capture).

Random numbers come from a private xorshift64* stream (seeded by SplitMix64), not
numba's global Mersenne Twister, mapped to a range by Lemire's exact
multiply-and-reject, so every legal action keeps exactly equal probability; a
playout is reproducible from its seed alone.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .engine import (
    classify_point,
    colour_at,
    copy_record,
    is_over,
    legal_points,
    libs_of_root,
    next_of,
    play,
    root_of,
    score,
    seen_before,
)
from .layout import NEIGHBOURS, SIZE, TO_PLAY

_MASK32 = np.uint64(0xFFFFFFFF)
_XORSHIFT_STAR = np.uint64(0x2545F4914F6CDD1D)


@njit(cache=True)
def seed_rng(seed: int) -> np.ndarray:
    """uint64[1]: a nonzero xorshift64* state from `seed` via one SplitMix64 step
    (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", 2014)."""
    z = np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    rng = np.empty(1, dtype=np.uint64)
    rng[0] = z if z != 0 else _XORSHIFT_STAR
    return rng


@njit(cache=True)
def _next_u32(rng: np.ndarray) -> np.uint64:
    """32 random bits (as uint64): the high half of xorshift64* (Vigna, "An experimental
    exploration of Marsaglia's xorshift generators, scrambled", 2016); advances rng[0]."""
    x = rng[0]
    x ^= x >> np.uint64(12)
    x ^= x << np.uint64(25)
    x ^= x >> np.uint64(27)
    rng[0] = x
    return (x * _XORSHIFT_STAR) >> np.uint64(32)


@njit(cache=True)
def random_below(rng: np.ndarray, m: int) -> int:
    """Exactly uniform integer in [0, m) for 1 <= m < 2**32: Lemire's multiply-and-reject
    ("Fast random integer generation in an interval", ACM TOMACS 2019)."""
    mm = np.uint64(m)
    prod = _next_u32(rng) * mm
    low = prod & _MASK32
    if low < mm:  # rare: reject the 2**32 mod m low values that would bias the result
        threshold = (np.uint64(0x100000000) - mm) % mm
        while low < threshold:
            prod = _next_u32(rng) * mm
            low = prod & _MASK32
    return int(np.int64(prod >> np.uint64(32)))


@njit(cache=True)
def _collect_empties(st: np.ndarray, empties: np.ndarray, where: np.ndarray) -> int:
    """empties[:count] := the empty points; where[p] := index of p in empties. Returns count."""
    count = 0
    for p in range(int(st[SIZE] * st[SIZE])):
        if colour_at(st, p) == 0:
            empties[count] = p
            where[p] = count
            count += 1
    return count


@njit(cache=True)
def _swap(empties: np.ndarray, where: np.ndarray, i: int, j: int) -> None:
    a, b = empties[i], empties[j]
    empties[i], empties[j] = b, a
    where[a], where[b] = j, i


@njit(cache=True, inline="always")
def pick_random_legal(
    st: np.ndarray, empties: np.ndarray, where: np.ndarray, count: int, rng: np.ndarray
) -> tuple[int, bool]:
    """A uniformly random legal action of the player to move (pass = N*N) and whether it
    captures. rng: uint64[1] state from `seed_rng`, advanced. Inlined into its caller so
    the per-move call does not pay NRT reference counting on its four arrays.

    empties[:count] must hold the empty points; their order is permuted.
    """
    remaining = count
    while True:
        k = random_below(rng, remaining + 1)
        if k == remaining:
            return int(st[SIZE] * st[SIZE]), False  # pass: always legal
        p = empties[k]
        code, captures = classify_point(st, p, True)
        if code == 1:
            return int(p), captures
        _swap(empties, where, k, remaining - 1)  # set the illegal point aside
        remaining -= 1


@njit(cache=True)
def play_random_game(
    st: np.ndarray, empties: np.ndarray, where: np.ndarray, rng: np.ndarray
) -> int:
    """Play uniformly random legal moves on `st` (in place) until the game ends.

    empties, where: int64[N*N] scratch; rng: uint64[1] state from `seed_rng`, advanced.
    Returns the number of actions played.
    """
    nn = int(st[SIZE] * st[SIZE])
    count = _collect_empties(st, empties, where)
    moves = 0
    while not is_over(st):
        action, captures = pick_random_legal(st, empties, where, count, rng)
        if captures:
            count = _append_captured(st, action, empties, where, count)
        play(st, action)
        moves += 1
        if action == nn:
            continue
        if colour_at(st, action) == 0:  # a suicide (when allowed) freed unknown points
            count = _collect_empties(st, empties, where)
        else:
            _swap(empties, where, where[action], count - 1)
            count -= 1
    return moves


@njit(cache=True)
def _append_captured(
    st: np.ndarray, p: int, empties: np.ndarray, where: np.ndarray, count: int
) -> int:
    """Before playing p: append the stones that p will capture to the empty list; new count."""
    n = int(st[SIZE])
    opp = 2 - int(st[TO_PLAY])
    for k in range(4):
        q = NEIGHBOURS[n, p, k]
        if q < 0 or colour_at(st, q) != opp:
            continue
        g = root_of(st, q)
        if libs_of_root(st, g) != 1 or seen_before(st, p, k, g, n):
            continue
        s = g
        while True:
            empties[count] = s
            where[s] = count
            count += 1
            s = next_of(st, s)
            if s == g:
                break
    return count


@njit(cache=True)
def random_playouts(start: np.ndarray, min_moves: int, seed: int) -> tuple[int, int, int]:
    """Play random games from the record `start` until at least `min_moves` actions in total.

    `start` is not modified. Returns (actions played, games finished, games black won).
    """
    rng = seed_rng(seed)
    st = start.copy()
    nn = int(start[SIZE] * start[SIZE])
    empties = np.empty(nn, dtype=np.int64)
    where = np.empty(nn, dtype=np.int64)
    moves, games, black_wins = 0, 0, 0
    while moves < min_moves:
        copy_record(start, st)
        moves += play_random_game(st, empties, where, rng)
        games += 1
        black_wins += score(st) > 0
    return moves, games, black_wins


@njit(cache=True)
def kernel_walk(store: np.ndarray, min_moves: int, seed: int) -> int:
    """The access pattern of a tree search: per move, a full legal mask of store[0], then
    copy-and-step store[0] -> store[1] and swap; restart from a fresh copy at game end.

    store: int64[2, state_size], row 0 holding the start position (restored on return).
    Returns the number of actions played (>= min_moves).
    """
    np.random.seed(seed)
    start = store[0].copy()
    nn = int(start[SIZE] * start[SIZE])
    mask = np.zeros(nn + 1, dtype=np.bool_)
    legal_actions = np.empty(nn + 1, dtype=np.int64)
    src, dst = 0, 1
    copy_record(start, store[src])
    moves = 0
    while moves < min_moves:
        if is_over(store[src]):
            copy_record(start, store[src])
        count = legal_points(store[src], mask)
        found = 0
        for a in range(nn + 1):
            if mask[a]:
                legal_actions[found] = a
                found += 1
        action = legal_actions[np.random.randint(0, count)]
        copy_record(store[src], store[dst])
        play(store[dst], action)
        src, dst = dst, src
        moves += 1
    copy_record(start, store[0])
    return moves
