"""The Connect Four solver's search: alpha-beta negamax over bitboards, in numba.

The ideas follow Pascal Pons' "Solving Connect 4" blog (parts 4-12,
http://blog.gamesolver.org/solving-connect-four/): negamax with alpha-beta,
a transposition table keyed by ``current + mask`` (unique per position in his
bitboard layout), moves tried centre first then by the number of threats they
create, moves that hand the opponent an immediate win never tried, and the
root solved by a sequence of null-window searches narrowing [lo, hi]. Two
additions of ours: the table remembers each position's best move, which is
tried first next time, and children are looked up in the table before any is
searched (enhanced transposition cutoff, Plaat et al. 1996), so a child already
proven good enough cuts the node off at once.

Score convention (Pons): a position is scored for the side to move. If it
wins with the stone that makes ``s`` stones on the board, its score is
``(CELLS + 2 - s) // 2`` = 1 + the stones it still holds after the winning move
(21 each in Connect Four): +18 for a win with its 4th stone, +1 for a win with
its last. A loss scores the negative of the winner's score; a draw 0.

Transposition table (preallocated, owned by the caller): ``table int64[T]``,
one packed entry per slot, so a probe touches one cache line; EMPTY marks an
unused slot. A key (< 2**49) lives in slot ``key % T`` and the entry stores
``key // T``, which with the slot number gives back the whole key, so a hit is
never a different position:

    bits 17..62  key // T
    bits 14..16  best move's column, or NO_MOVE
    bits  7..13  proven lower bound on the score + 64   (NO_LOWER = none)
    bits  0..6   proven upper bound on the score + 64   (NO_UPPER = none)

A new key overwrites its slot (always-replace). Bounds are about the position
alone, not about the search that found them, so one table may serve any
number of searches.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .kernels import (
    CELLS,
    WIDTH,
    bottom_mask_col,
    column_mask,
    playable_cells,
    popcount,
    winning_cells,
)

#: default number of table slots: the largest prime below 2**23 (64 MiB)
DEFAULT_TABLE_SIZE = 8_388_593
EMPTY = -1  # an unused slot (the empty board's entry is >= 0)
NO_LOWER = -64  # "no bound stored"; real scores lie in -21..21
NO_UPPER = 63
NO_MOVE = 7  # no best move stored
MIN_TABLE_SIZE = 1 << 10  # keeps key // T within the 46 bits it has
_BIAS = 64
_BOUND_BITS = 7
_BOUND_MASK = (1 << _BOUND_BITS) - 1
_MOVE_SHIFT = 2 * _BOUND_BITS
_KEY_SHIFT = _MOVE_SHIFT + 3
#: use enhanced transposition cutoffs only with more empty cells than this
#: (near the end the extra probes cost more than the nodes they save)
ETC_MIN_EMPTY = 12
#: columns in the order they are tried: centre first (Pons part 5)
COLUMN_ORDER = np.array([3, 2, 4, 1, 5, 0, 6], dtype=np.int64)
#: stats indices
NODES = 0


def new_table(size: int = DEFAULT_TABLE_SIZE) -> np.ndarray:
    """A cleared transposition table int64[size] (see the module docstring).

    size must be at least MIN_TABLE_SIZE; a prime spreads the keys best.
    """
    if size < MIN_TABLE_SIZE:
        raise ValueError(f"table size must be >= {MIN_TABLE_SIZE}, got {size}")
    return np.full(size, EMPTY, dtype=np.int64)


@njit(cache=True)
def can_win_now(current: int, mask: int) -> bool:
    """True if the side to move (stones `current`) has a playable cell completing four."""
    return (winning_cells(current, mask) & playable_cells(mask)) != 0


@njit(cache=True)
def win_score(count: int) -> int:
    """Score of winning with the next stone from a position holding `count` stones."""
    return (CELLS + 1 - count) // 2


@njit(cache=True)
def non_losing_moves(current: int, mask: int) -> int:
    """Playable cells (one bit per move) after which the opponent cannot win at once.

    0 if every move loses: the opponent has two playable winning cells, or only
    moves that fill the cell below an opponent's winning cell. Assumes the side
    to move cannot win at once itself.
    """
    playable = playable_cells(mask)
    opponent_wins = winning_cells(current ^ mask, mask)
    forced = playable & opponent_wins
    if forced:
        if forced & (forced - 1):  # two threats: cannot block both
            return 0
        playable = forced  # must block the only threat
    # never play right below an opponent's winning cell: it would become playable
    return playable & ~(opponent_wins >> 1)


@njit(cache=True)
def _ordered_moves(current: int, mask: int, moves: int, first: int, out: np.ndarray) -> int:
    """Write the columns of `moves` into out[:n], most promising first; returns n.

    Order: column `first` (the stored best move; NO_MOVE for none), then more
    winning cells for the mover after the move (Pons part 10), ties broken by
    COLUMN_ORDER (insertion sort is stable). out: int64[2 * WIDTH]; out[WIDTH:]
    holds the sort keys.
    """
    keys = out[WIDTH:]
    n = 0
    for k in range(WIDTH):
        col = COLUMN_ORDER[k]
        move = moves & column_mask(col)
        if move == 0:
            continue
        key = CELLS if col == first else popcount(winning_cells(current | move, mask))
        i = n
        while i > 0 and keys[i - 1] < key:
            out[i] = out[i - 1]
            keys[i] = keys[i - 1]
            i -= 1
        out[i] = col
        keys[i] = key
        n += 1
    return n


@njit(cache=True)
def _probe(table: np.ndarray, key: int) -> tuple[int, int, int]:
    """(lower bound, upper bound, best move) stored for `key`; the NO_* sentinels if none."""
    size = table.shape[0]
    entry = table[key % size]
    if entry == EMPTY or (entry >> _KEY_SHIFT) != key // size:
        return NO_LOWER, NO_UPPER, NO_MOVE
    lo = ((entry >> _BOUND_BITS) & _BOUND_MASK) - _BIAS
    return lo, (entry & _BOUND_MASK) - _BIAS, (entry >> _MOVE_SHIFT) & 7


@njit(cache=True)
def _store(table: np.ndarray, key: int, lo: int, hi: int, best: int) -> None:
    """Record lo <= score(key) <= hi and the best move (NO_* sentinels: nothing new)."""
    old_lo, old_hi, old_best = _probe(table, key)
    size = table.shape[0]
    lo, hi = max(lo, old_lo), min(hi, old_hi)
    best = old_best if best == NO_MOVE else best
    table[key % size] = (
        ((key // size) << _KEY_SHIFT)
        | (best << _MOVE_SHIFT)
        | ((lo + _BIAS) << _BOUND_BITS)
        | (hi + _BIAS)
    )


@njit(cache=True)
def _transposition_cutoff(
    current: int, mask: int, moves: np.ndarray, n: int, beta: int, table: np.ndarray
) -> tuple[int, int]:
    """(score, column) of a move whose child is already known to score >= beta.

    A child's stored upper bound u proves that moving there scores >= -u for us.
    Returns (NO_LOWER, NO_MOVE) when no stored child proves a cutoff.
    """
    for i in range(n):
        col = moves[i]
        child_mask = mask | (mask + bottom_mask_col(col))
        _, child_hi, _ = _probe(table, (current ^ mask) + child_mask)
        if -child_hi >= beta:
            return -child_hi, col
    return NO_LOWER, NO_MOVE


@njit(cache=True)
def negamax(
    current: int,
    mask: int,
    count: int,
    alpha: int,
    beta: int,
    table: np.ndarray,
    scratch: np.ndarray,
    stats: np.ndarray,
) -> int:
    """Score of the position within [alpha, beta] (fail-soft outside it).

    Returns v with: v <= alpha => score <= v; v >= beta => score >= v; else score == v.
    Requires that the side to move cannot win at once (callers check `can_win_now`).
    scratch: int64[CELLS + 1, 2 * WIDTH], move lists per depth (indexed by `count`).
    stats: int64[1]; stats[NODES] counts the nodes visited.
    """
    stats[NODES] += 1
    moves = non_losing_moves(current, mask)
    if moves == 0:  # the opponent wins with its next stone
        return -((CELLS - count) // 2)
    if count >= CELLS - 2:  # neither side can still complete four
        return 0
    # bounds from the rules: no loss before the opponent's second stone from now,
    # no win before our second stone from now
    lo = -((CELLS - 2 - count) // 2)
    hi = (CELLS - 1 - count) // 2
    key = current + mask
    known_lo, known_hi, best = _probe(table, key)
    lo = max(lo, known_lo)
    hi = min(hi, known_hi)
    if lo >= beta or lo == hi:
        return lo
    if hi <= alpha:
        return hi
    alpha = max(alpha, lo)
    beta = min(beta, hi)

    ordered = scratch[count]
    n = _ordered_moves(current, mask, moves, best, ordered)
    if CELLS - count > ETC_MIN_EMPTY:
        score, col = _transposition_cutoff(current, mask, ordered, n, beta, table)
        if col != NO_MOVE:
            _store(table, key, score, NO_UPPER, col)
            return score
    best = NO_MOVE
    for i in range(n):
        col = ordered[i]
        move = moves & column_mask(col)
        # the child position: the opponent to move, our stones become its "other" board
        score = -negamax(
            current ^ mask, mask | move, count + 1, -beta, -alpha,
            table, scratch, stats,
        )  # fmt: skip
        if score >= beta:
            _store(table, key, score, NO_UPPER, col)
            return score
        if score > alpha:
            alpha = score
            best = col
    # best != NO_MOVE: some move reached alpha inside the window, so alpha is exact
    _store(table, key, alpha if best != NO_MOVE else NO_LOWER, alpha, best)
    return alpha


@njit(cache=True)
def _toward_zero_half(x: int) -> int:
    return -((-x) // 2) if x < 0 else x // 2


@njit(cache=True)
def solve_bits(
    current: int,
    mask: int,
    count: int,
    table: np.ndarray,
    stats: np.ndarray,
) -> int:
    """Exact score of a non-terminal position for the side to move (Pons' convention).

    Null-window searches (Pons part 8) narrow [lo, hi] until it closes; probes are
    biased toward 0 because most positions score near a draw.
    """
    if can_win_now(current, mask):
        return win_score(count)
    scratch = np.zeros((CELLS + 1, 2 * WIDTH), dtype=np.int64)
    lo = -((CELLS - count) // 2)
    hi = (CELLS + 1 - count) // 2
    while lo < hi:
        med = lo + (hi - lo) // 2
        if med <= 0 and _toward_zero_half(lo) < med:
            med = _toward_zero_half(lo)
        elif med >= 0 and _toward_zero_half(hi) > med:
            med = _toward_zero_half(hi)
        result = negamax(current, mask, count, med, med + 1, table, scratch, stats)
        if result <= med:
            hi = result
        else:
            lo = result
    return lo


@njit(cache=True)
def search_window(
    current: int,
    mask: int,
    count: int,
    alpha: int,
    beta: int,
    table: np.ndarray,
    stats: np.ndarray,
) -> int:
    """`negamax` with its own scratch space, for callers outside numba (same contract).

    Call it from Python, not from jitted code with constant bounds: numba would
    compile a copy of the recursive `negamax` specialized to those constants, and
    such copies crash when loaded back from numba's on-disk cache.
    """
    scratch = np.zeros((CELLS + 1, 2 * WIDTH), dtype=np.int64)
    return negamax(current, mask, count, alpha, beta, table, scratch, stats)
