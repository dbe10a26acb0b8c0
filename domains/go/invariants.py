"""Slow, independent checks of a Go record's incremental bookkeeping (for tests and debugging).

`record_problems(state)` recomputes every derived field of a record from its
stones alone, in plain Python (flood fills, no numba), and lists each mismatch:
group membership and circular lists, group sizes, exact liberty counts, no
group without liberties, the Zobrist hash, the stone count, scratch marks,
the "ever occupied" bits and the last history key.
"""

from __future__ import annotations

import numpy as np

from . import board_array, size_of
from .engine import (
    group_size,
    history_start,
    libs_of_root,
    next_of,
    position_key,
    root_of,
)
from .layout import (
    BOARD,
    EVER_BIT,
    HASH,
    MARK_BIT,
    MOVES,
    STONES,
    TO_PLAY,
    ZOBRIST,
)


def groups(board: np.ndarray) -> list[tuple[int, set[int], set[int]]]:
    """(colour, stones, liberties) of every group on int8[N, N], stones as flat points."""
    n = board.shape[0]
    flat = board.reshape(-1)
    seen: set[int] = set()
    found = []
    for start in range(n * n):
        if flat[start] == 0 or start in seen:
            continue
        colour, stones, libs, todo = int(flat[start]), {start}, set(), [start]
        while todo:
            p = todo.pop()
            row, col = divmod(p, n)
            for r, c in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
                if 0 <= r < n and 0 <= c < n:
                    q = r * n + c
                    if flat[q] == 0:
                        libs.add(q)
                    elif flat[q] == colour and q not in stones:
                        stones.add(q)
                        todo.append(q)
        seen |= stones
        found.append((colour, stones, libs))
    return found


def record_problems(state: np.ndarray) -> list[str]:
    """Every way the record's bookkeeping disagrees with a recomputation (empty: consistent)."""
    n = size_of(state)
    board = board_array(state)
    problems = []
    for colour, stones, libs in groups(board):
        roots = {root_of(state, p) for p in stones}
        if len(roots) != 1 or next(iter(roots)) not in stones:
            problems.append(f"group {sorted(stones)} has roots {sorted(roots)}")
            continue
        root = roots.pop()
        ring, p = [], root
        for _ in range(len(stones) + 1):
            ring.append(p)
            p = next_of(state, p)
            if p == root:
                break
        if set(ring) != stones or len(ring) != len(stones):
            problems.append(f"group at {root}: circular list {ring} != stones {sorted(stones)}")
        if group_size(state, root) != len(stones):
            problems.append(f"group at {root}: size {group_size(state, root)} != {len(stones)}")
        if libs_of_root(state, root) != len(libs):
            problems.append(
                f"group at {root}: {libs_of_root(state, root)} liberties != {len(libs)}"
            )
        if not libs:
            problems.append(f"group at {root} (colour {colour}) has no liberties")
    words = state[BOARD : BOARD + n * n]
    if np.any(words & MARK_BIT):
        problems.append("scratch mark bits left set")
    if np.any((board.reshape(-1) != 0) & ((words & EVER_BIT) == 0)):
        problems.append("an occupied point lacks its 'ever occupied' bit")
    expected_hash = 0  # Python ints XOR like int64 two's complement
    flat = board.reshape(-1)
    for point in np.flatnonzero(flat):
        expected_hash ^= int(ZOBRIST[flat[point], point])
    if state[HASH] != expected_hash:
        problems.append("Zobrist hash differs from the stones")
    if state[STONES] != np.count_nonzero(board):
        problems.append(f"stone count {state[STONES]} != {np.count_nonzero(board)}")
    key = position_key(state, expected_hash, bool(state[TO_PLAY] == 1))
    if state[history_start(state) + state[MOVES]] != key:
        problems.append("last history key is not the current position's key")
    return problems
