"""Go rules on one int64 record: groups, liberties, captures, ko/superko, Tromp-Taylor score.

Every function here is ``@njit(cache=True)`` and works on ONE state record laid out
as in `distill.domains.go.layout`. Points are ``p = row * N + col`` (row 0 is the top
row as displayed); the colour to move is ``TO_PLAY + 1`` (1 black, 2 white).

Groups and liberties are kept incrementally by `distill.domains.go.groups`
(re-exported here); this module adds legality, ko and superko, moves and scoring.

Rules: Tromp & Taylor, "The Logical Rules of Go" (1996): area scoring (stones plus
empty regions that reach only one colour), suicide optional, positional superko;
plus simple ko and situational superko as options.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .groups import (
    colour_at,
    count_liberties,
    group_hash,
    group_size,
    libs_of_root,
    next_of,
    place_stone,
    root_of,
    seen_before,
    set_libs,
)
from .layout import (
    BLOOM_WORDS,
    BOARD,
    EVER_BIT,
    HASH,
    HEADER,
    KO,
    KO_SIMPLE,
    KO_SITUATIONAL,
    KOMI2,
    LAST,
    MAX_MOVES,
    MOVES,
    NEIGHBOURS,
    NO_POINT,
    NUM_LAST,
    PASSES,
    RULE_KO_MASK,
    RULE_SUICIDE,
    RULES,
    SIDE_KEY,
    SIZE,
    TO_PLAY,
    WHITE,
    ZOBRIST,
)

__all__ = [
    "area",
    "classify_point",
    "colour_at",
    "copy_record",
    "count_liberties",
    "group_hash",
    "group_size",
    "history_start",
    "is_over",
    "legal_points",
    "libs_of_root",
    "next_of",
    "outcome_for_mover",
    "place_stone",
    "play",
    "position_key",
    "record_position",
    "repeats",
    "root_of",
    "same_records",
    "score",
    "seen_before",
    "set_libs",
    "try_point",
]


@njit(cache=True)
def history_start(st: np.ndarray) -> int:
    """Index of HISTORY[0] in the record."""
    return HEADER + int(st[SIZE] * st[SIZE] + st[BLOOM_WORDS])


@njit(cache=True)
def _bloom_slot(st: np.ndarray, key: int | np.int64) -> tuple[int, int]:
    """(word index in the record, bit) of `key` in the history Bloom filter."""
    bit = (key >> 20) & (st[BLOOM_WORDS] * 64 - 1)
    return HEADER + int(st[SIZE] * st[SIZE]) + int(bit >> 6), int(bit & 63)


@njit(cache=True)
def record_position(st: np.ndarray, key: int | np.int64) -> None:
    """Append `key` as HISTORY[MOVES] and add it to the Bloom filter."""
    st[history_start(st) + st[MOVES]] = key
    word, bit = _bloom_slot(st, key)
    st[word] |= np.int64(1) << bit


@njit(cache=True)
def position_key(st: np.ndarray, board_hash: int | np.int64, white_to_move: bool) -> int | np.int64:
    """The superko key of a board with a given mover (the mover matters only if situational)."""
    if (st[RULES] & RULE_KO_MASK) == KO_SITUATIONAL and white_to_move:
        return board_hash ^ SIDE_KEY
    return board_hash


# --------------------------------------------------------------------------- legality


@njit(cache=True)
def try_point(st: np.ndarray, p: int, check_repetition: bool) -> int:
    """Classify the move of the player to move at point p.

    Returns 1 if legal, 0 if illegal for a reason other than repetition (occupied,
    suicide when not allowed), -1 if illegal only because of ko or superko.
    With `check_repetition` False, repetition is not checked (returns 1 instead of -1).
    """
    return classify_point(st, p, check_repetition)[0]


@njit(cache=True, inline="always")
def classify_point(st: np.ndarray, p: int, check_repetition: bool) -> tuple[int, bool]:
    """(`try_point`'s code, whether the move at p would capture opponent stones).

    The capture flag is meaningful only when the code is 1; callers that must know
    the captured stones (e.g. playouts keeping a list of empty points) can skip the
    capture scan for the common non-capturing move.
    """
    if colour_at(st, p) != 0:
        return 0, False
    n = int(st[SIZE])
    c = int(st[TO_PLAY]) + 1
    has_liberty = False
    captures = False
    for k in range(4):
        q = NEIGHBOURS[n, p, k]
        if q < 0:
            continue
        cq = colour_at(st, q)
        if cq == 0:
            has_liberty = True
            continue
        libs = libs_of_root(st, root_of(st, q))
        if cq == c:
            has_liberty = has_liberty or libs > 1
        else:
            captures = captures or libs == 1
    suicide = not (has_liberty or captures)
    if suicide and (st[RULES] & RULE_SUICIDE) == 0:
        return 0, False
    if not check_repetition:
        return 1, captures
    if p == st[KO]:
        return -1, captures
    if (st[RULES] & RULE_KO_MASK) == KO_SIMPLE:
        return 1, captures
    if suicide:
        return (-1 if _suicide_repeats(st, p, c) else 1), False
    if (st[BOARD + p] & EVER_BIT) == 0:
        return 1, captures  # p never held a stone: no earlier position has a stone on p
    new_hash = st[HASH] ^ ZOBRIST[c, p]
    if captures:  # without captures the captured-stones term is zero
        new_hash ^= _capture_hash(st, p, 3 - c, n)
    return (-1 if repeats(st, position_key(st, new_hash, c == 1)) else 1), captures


@njit(cache=True)
def _capture_hash(st: np.ndarray, p: int, opp: int, n: int) -> np.int64:
    """XOR of the keys of the opponent stones a move at p would capture."""
    h = np.int64(0)
    for k in range(4):
        q = NEIGHBOURS[n, p, k]
        if q >= 0 and colour_at(st, q) == opp:
            g = root_of(st, q)
            if libs_of_root(st, g) == 1 and not seen_before(st, p, k, g, n):
                h ^= group_hash(st, g)
    return h


@njit(cache=True)
def _suicide_repeats(st: np.ndarray, p: int, c: int) -> bool:
    """Superko test of a suicide at p: play it on a scratch copy and look up the result."""
    scratch = st[: history_start(st)].copy()
    place_stone(scratch, p, c)
    return repeats(st, position_key(st, scratch[HASH], c == 1))


@njit(cache=True)
def repeats(st: np.ndarray, key: int | np.int64) -> bool:
    """Whether `key` equals the key of any position so far (HISTORY[0..MOVES])."""
    word, bit = _bloom_slot(st, key)
    if (st[word] >> bit) & 1 == 0:
        return False
    h0 = history_start(st)
    hits = 0
    for t in range(h0, h0 + int(st[MOVES]) + 1):  # branch-free so LLVM can vectorize it
        hits += st[t] == key
    return hits > 0


@njit(cache=True)
def is_over(st: np.ndarray) -> bool:
    return st[PASSES] >= 2 or st[MOVES] >= st[MAX_MOVES]


@njit(cache=True)
def legal_points(st: np.ndarray, mask: np.ndarray) -> int:
    """mask: bool[N*N+1] := legal actions of the player to move (pass last); returns the count."""
    nn = int(st[SIZE] * st[SIZE])
    if is_over(st):
        mask[:] = False
        return 0
    count = 1
    for p in range(nn):
        ok = try_point(st, p, True) == 1
        mask[p] = ok
        count += ok
    mask[nn] = True
    return count


# --------------------------------------------------------------------------- moves


@njit(cache=True)
def play(st: np.ndarray, action: int) -> int:
    """Apply a legal action (pass = N*N) to the record in place; returns stones captured."""
    n = int(st[SIZE])
    c = int(st[TO_PLAY]) + 1
    captured = 0
    if action == n * n:
        st[PASSES] += 1
        st[KO] = NO_POINT
    else:
        captured, single = place_stone(st, action, c)
        st[PASSES] = 0
        st[KO] = NO_POINT
        if single >= 0 and (next_of(st, action) == action) and libs_of_root(st, action) == 1:
            st[KO] = single  # a lone stone that took one stone and has one liberty: a ko
    for i in range(NUM_LAST - 1, 0, -1):
        st[LAST + i] = st[LAST + i - 1]
    st[LAST] = action
    st[TO_PLAY] = 1 - st[TO_PLAY]
    st[MOVES] += 1
    record_position(st, position_key(st, st[HASH], st[TO_PLAY] == 1))
    return captured


@njit(cache=True)
def copy_record(src: np.ndarray, dst: np.ndarray) -> None:
    """dst := src, copying only the used part of the history."""
    used = history_start(src) + int(src[MOVES]) + 1
    dst[:used] = src[:used]


@njit(cache=True)
def same_record(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether records a and b hold the same state: equal words up to the end of the used
    history (`copy_record` leaves the words after it undefined)."""
    if a[MOVES] != b[MOVES] or a[SIZE] != b[SIZE] or a[BLOOM_WORDS] != b[BLOOM_WORDS]:
        return False
    used = history_start(a) + int(a[MOVES]) + 1
    for i in range(used):  # noqa: SIM110 (numba: no generator in all())
        if a[i] != b[i]:
            return False
    return True


@njit(cache=True)
def same_records(
    a: np.ndarray, a_idx: np.ndarray, b: np.ndarray, b_idx: np.ndarray, out: np.ndarray
) -> None:
    """out[k] := `same_record`(a[a_idx[k]], b[b_idx[k]]) for each k."""
    for k in range(a_idx.shape[0]):
        out[k] = same_record(a[a_idx[k]], b[b_idx[k]])


# --------------------------------------------------------------------------- scoring


@njit(cache=True)
def ownership(st: np.ndarray, out: np.ndarray) -> None:
    """out: int8[N*N] := Tromp-Taylor owner of each point: +1 black (a black stone or an
    empty region reaching only black), -1 white, 0 an empty region reaching both or none."""
    n = int(st[SIZE])
    nn = n * n
    seen = np.zeros(nn, dtype=np.bool_)
    members = np.empty(nn, dtype=np.int64)
    for p in range(nn):
        c = colour_at(st, p)
        if c != 0:
            out[p] = 1 if c == 1 else -1
            continue
        if seen[p]:
            continue
        seen[p] = True
        members[0] = p
        count, head, reach = 1, 0, 0
        while head < count:
            s = members[head]
            head += 1
            for k in range(4):
                q = NEIGHBOURS[n, s, k]
                if q < 0:
                    continue
                cq = colour_at(st, q)
                if cq != 0:
                    reach |= cq
                elif not seen[q]:
                    seen[q] = True
                    members[count] = q
                    count += 1
        owner = 1 if reach == 1 else (-1 if reach == WHITE else 0)
        for i in range(count):
            out[members[i]] = owner


@njit(cache=True)
def area(st: np.ndarray) -> tuple[int, int]:
    """Tromp-Taylor areas (black, white): stones plus empty regions reaching only that colour."""
    n = int(st[SIZE])
    owner = np.empty(n * n, dtype=np.int8)
    ownership(st, owner)
    black, white = 0, 0
    for p in range(n * n):
        black += owner[p] == 1
        white += owner[p] == -1
    return black, white


@njit(cache=True)
def score(st: np.ndarray) -> float:
    """Tromp-Taylor score from black's view: black area - white area - komi."""
    black, white = area(st)
    return float(black - white) - st[KOMI2] / 2.0


@njit(cache=True)
def outcome_for_mover(st: np.ndarray) -> float:
    """+1 / -1 / 0: the final score's sign from the view of the player to move."""
    s = score(st)
    sign = 1.0 if s > 0 else (-1.0 if s < 0 else 0.0)
    return sign if st[TO_PLAY] == 0 else -sign
