"""Go groups on one int64 record: packed point words, merging, liberties, captures.

Every function is ``@njit(cache=True)`` and works on ONE record laid out as in
`distill.domains.go.layout`. Each stone's word holds its group's root and the next
stone of a circular list; the root's word holds the group's size and exact
liberty count. Placing a stone merges the neighbouring friendly groups into the
largest (relabelling only the smaller ones) and derives the merged liberties from
the largest group's count plus the points the smaller groups add; a capture
removes the stones and gives each distinct neighbouring group one liberty per
freed point. The rules that use these (legality, ko, scoring) are in `engine`.

The per-move path (`place_stone` and the helpers it calls) is ``inline="always"``:
every numba call boundary that passes the record costs an NRT incref/decref pair
(atomic operations), which was a large share of a random-playout move. Editing an
inlined function does not invalidate the caches of its callers in other modules:
delete the ``__pycache__/*.nb[ic]`` files (and ``~/.cache/distill``) after a change.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .layout import (
    BOARD,
    COLOUR_MASK,
    EVER_BIT,
    FIELD_MASK,
    HASH,
    LIBS_MASK,
    LIBS_SHIFT,
    MARK_BIT,
    NEIGHBOURS,
    NEXT_SHIFT,
    NO_POINT,
    ROOT_SHIFT,
    SIZE,
    SIZE_MASK,
    SIZE_SHIFT,
    STONES,
    ZOBRIST,
)

# --------------------------------------------------------------------------- point words


@njit(cache=True)
def colour_at(st: np.ndarray, p: int) -> int:
    """0 empty, 1 black, 2 white."""
    return int(st[BOARD + p] & COLOUR_MASK)


@njit(cache=True)
def next_of(st: np.ndarray, p: int) -> int:
    return int((st[BOARD + p] >> NEXT_SHIFT) & FIELD_MASK)


@njit(cache=True)
def root_of(st: np.ndarray, p: int) -> int:
    return int((st[BOARD + p] >> ROOT_SHIFT) & FIELD_MASK)


@njit(cache=True)
def libs_of_root(st: np.ndarray, r: int) -> int:
    return int((st[BOARD + r] >> LIBS_SHIFT) & LIBS_MASK)


@njit(cache=True)
def group_size(st: np.ndarray, r: int) -> int:
    """Number of stones of the group rooted at r."""
    return int((st[BOARD + r] >> SIZE_SHIFT) & SIZE_MASK)


@njit(cache=True, inline="always")
def _set_field(st: np.ndarray, p: int, shift: int, mask: int, value: int) -> None:
    word = st[BOARD + p] & ~(np.int64(mask) << shift)
    st[BOARD + p] = word | (np.int64(value) << shift)


@njit(cache=True, inline="always")
def set_libs(st: np.ndarray, r: int, libs: int) -> None:
    _set_field(st, r, LIBS_SHIFT, LIBS_MASK, libs)


# --------------------------------------------------------------------------- groups


@njit(cache=True)
def count_liberties(st: np.ndarray, r: int) -> int:
    """Exact liberty count of the group rooted at r (marks empty points, then clears them)."""
    n = int(st[SIZE])
    libs = 0
    s = r
    while True:
        for k in range(4):
            q = NEIGHBOURS[n, s, k]
            if q >= 0 and (st[BOARD + q] & (COLOUR_MASK | MARK_BIT)) == 0:
                st[BOARD + q] |= MARK_BIT
                libs += 1
        s = next_of(st, s)
        if s == r:
            break
    s = r
    while True:  # clear the marks
        for k in range(4):
            q = NEIGHBOURS[n, s, k]
            if q >= 0:
                st[BOARD + q] &= ~np.int64(MARK_BIT)
        s = next_of(st, s)
        if s == r:
            break
    return libs


@njit(cache=True)
def group_hash(st: np.ndarray, r: int) -> int:
    """XOR of the Zobrist keys of the stones of the group rooted at r."""
    c = colour_at(st, r)
    h = np.int64(0)
    s = r
    while True:
        h ^= ZOBRIST[c, s]
        s = next_of(st, s)
        if s == r:
            break
    return h


@njit(cache=True, inline="always")
def _merge(st: np.ndarray, keep: int, absorb: int) -> None:
    """Relabel the group rooted at `absorb` into the group rooted at `keep`; splice the rings."""
    s = absorb
    while True:
        _set_field(st, s, ROOT_SHIFT, FIELD_MASK, keep)
        s = next_of(st, s)
        if s == absorb:
            break
    nk, na = next_of(st, keep), next_of(st, absorb)
    _set_field(st, keep, NEXT_SHIFT, FIELD_MASK, na)
    _set_field(st, absorb, NEXT_SHIFT, FIELD_MASK, nk)


@njit(cache=True)
def _remove_group(st: np.ndarray, r: int) -> int:
    """Take the group rooted at r off the board; neighbouring groups gain liberties.

    Returns the number of stones removed. Updates HASH and STONES.
    """
    n = int(st[SIZE])
    c = colour_at(st, r)
    removed = 0
    s = r
    while True:
        nxt = next_of(st, s)
        st[BOARD + s] = EVER_BIT
        st[HASH] ^= ZOBRIST[c, s]
        removed += 1
        seen0, seen1, seen2 = -1, -1, -1
        for k in range(4):
            q = NEIGHBOURS[n, s, k]
            if q < 0 or colour_at(st, q) == 0:
                continue
            g = root_of(st, q)
            if g in (r, seen0, seen1, seen2):
                continue
            set_libs(st, g, libs_of_root(st, g) + 1)
            seen2, seen1, seen0 = seen1, seen0, g
        s = nxt
        if s == r:
            break
    st[STONES] -= removed
    return removed


@njit(cache=True, inline="always")
def place_stone(st: np.ndarray, p: int, c: int) -> tuple[int, int]:
    """Put colour c on empty point p and resolve captures (no legality check).

    Returns (stones captured, the single captured point if exactly one else -1).
    Suicide (the new group left without liberties) removes the mover's group.
    Updates HASH and STONES; not TO_PLAY, MOVES, KO or history.
    """
    n = int(st[SIZE])
    opp = 3 - c
    st[BOARD + p] = (
        c | EVER_BIT | (1 << SIZE_SHIFT) | (np.int64(p) << NEXT_SHIFT) | (np.int64(p) << ROOT_SHIFT)
    )
    st[HASH] ^= ZOBRIST[c, p]
    st[STONES] += 1
    root = _join_friends(st, p, c, n)
    captured = 0
    ko_point = NO_POINT
    g0, g1, g2 = -1, -1, -1  # opponent roots already handled (no allocation: hot path)
    for k in range(4):  # opponents lose liberty p; remove those left with none
        q = NEIGHBOURS[n, p, k]
        if q >= 0 and colour_at(st, q) == opp:
            g = root_of(st, q)
            if g in (g0, g1, g2):
                continue
            g2, g1, g0 = g1, g0, g
            libs = libs_of_root(st, g)
            if libs <= 1:
                got = _remove_group(st, g)
                if got == 1:
                    ko_point = q
                captured += got
            else:
                set_libs(st, g, libs - 1)
    if libs_of_root(st, root) == 0:  # suicide (only reached when the rules allow it)
        _remove_group(st, root)
    return captured, (ko_point if captured == 1 else NO_POINT)


@njit(cache=True, inline="always")
def _touches(st: np.ndarray, q: int, g: int, n: int) -> bool:
    """Whether point q is next to a stone of the group rooted at g."""
    for k in range(4):
        t = NEIGHBOURS[n, q, k]
        if t >= 0 and colour_at(st, t) != 0 and root_of(st, t) == g:
            return True
    return False


@njit(cache=True)
def _mark_new_liberties(st: np.ndarray, s: int, big: int, n: int, clear: bool) -> int:
    """Mark the empty neighbours of stone s that are not yet liberties of `big` (or, with
    `clear`, unmark s's neighbours). Returns how many points were newly marked."""
    added = 0
    for k in range(4):
        q = NEIGHBOURS[n, s, k]
        if q < 0:
            continue
        if clear:
            st[BOARD + q] &= ~np.int64(MARK_BIT)
        elif (st[BOARD + q] & (COLOUR_MASK | MARK_BIT)) == 0 and not _touches(st, q, big, n):
            st[BOARD + q] |= MARK_BIT
            added += 1
    return added


@njit(cache=True, inline="always")
def _join_friends(st: np.ndarray, p: int, c: int, n: int) -> int:
    """Merge the new stone p with its friendly neighbour groups; returns the group's root.

    The largest group keeps its root; the others (and p) are relabelled into it.
    Its liberties are those of the largest group minus p, plus the points next to
    p or to the smaller groups that do not touch the largest one (counted with a
    mark bit), so the cost is proportional to the smaller groups only.
    """
    r0, r1, r2, r3 = -1, -1, -1, -1  # distinct friendly roots (no allocation: hot path)
    found = 0
    big = p
    for k in range(4):
        q = NEIGHBOURS[n, p, k]
        if q >= 0 and colour_at(st, q) == c:
            g = root_of(st, q)
            if g in (r0, r1, r2):
                continue
            r0, r1, r2, r3 = g, r0, r1, r2
            found += 1
            if big == p or group_size(st, g) > group_size(st, big):
                big = g
    if found == 0:  # a lone stone: its empty neighbours are distinct liberties
        libs = 0
        for k in range(4):
            q = NEIGHBOURS[n, p, k]
            libs += q >= 0 and colour_at(st, q) == 0
        set_libs(st, p, libs)
        return p
    if found == 1:  # p's neighbours are distinct points: count them without marks
        libs = libs_of_root(st, big) - 1
        for k in range(4):
            q = NEIGHBOURS[n, p, k]
            libs += q >= 0 and colour_at(st, q) == 0 and not _touches(st, q, big, n)
        _merge(st, big, p)
        _set_field(st, big, SIZE_SHIFT, SIZE_MASK, group_size(st, big) + 1)
        set_libs(st, big, libs)
        return big
    libs = libs_of_root(st, big) - 1 + _mark_new_liberties(st, p, big, n, False)
    size = group_size(st, big) + 1
    for g in (r0, r1, r2, r3):
        if g >= 0 and g != big:
            size += group_size(st, g)
            libs += _walk_marking(st, g, big, n, False)
    _mark_new_liberties(st, p, big, n, True)
    for g in (r0, r1, r2, r3):
        if g >= 0 and g != big:
            _walk_marking(st, g, big, n, True)
            _merge(st, big, g)
    _merge(st, big, p)
    _set_field(st, big, SIZE_SHIFT, SIZE_MASK, size)
    set_libs(st, big, libs)
    return big


@njit(cache=True)
def _walk_marking(st: np.ndarray, g: int, big: int, n: int, clear: bool) -> int:
    """`_mark_new_liberties` over every stone of the group rooted at g; returns the total."""
    added = 0
    s = g
    while True:
        added += _mark_new_liberties(st, s, big, n, clear)
        s = next_of(st, s)
        if s == g:
            break
    return added


@njit(cache=True)
def seen_before(st: np.ndarray, p: int, k: int, g: int, n: int) -> bool:
    """Whether an earlier neighbour (index < k) of p is a stone of group g."""
    for j in range(k):
        q = NEIGHBOURS[n, p, j]
        if q >= 0 and colour_at(st, q) != 0 and root_of(st, q) == g:
            return True
    return False
