"""Connect Four kernels: per-state @njit rules on bitboards in an int64 record.

Bitboard layout (Pascal Pons, "Solving Connect 4", part 6): one bit per cell,
7 bits per column, bottom to top, the 7th bit of each column is headroom that
stays empty, so a column overflowing or a line wrapping around never creates a
false alignment. Bit ``col * 7 + row`` is the cell in column ``col`` (0 = left)
and row ``row`` (0 = bottom); 49 bits in all, so an int64 holds a board.

    . . . . . . .    headroom (bits 6, 13, 20, ... never set)
    5 12 19 26 33 40 47
    4 11 18 25 32 39 46
    3 10 17 24 31 38 45
    2  9 16 23 30 37 44
    1  8 15 22 29 36 43
    0  7 14 21 28 35 42

State record (int64[4]):

    index 0  CURRENT  stones of the player to move
    index 1  MASK     all stones on the board
    index 2  COUNT    number of stones on the board
    index 3  TO_PLAY  player to move: 0 (first player, X) or 1 (second, O)

The opponent's stones are ``CURRENT ^ MASK``. Action a in 0..6 drops a stone
into column a (left to right). All arithmetic stays in int64 (numba turns
mixed uint64/int64 arithmetic into float64), which is safe because boards use
49 bits and only non-negative boards are ever shifted right.
"""

from __future__ import annotations

import numpy as np
from numba import njit

WIDTH = 7
HEIGHT = 6
H1 = HEIGHT + 1  # bits per column, including the headroom bit
CELLS = WIDTH * HEIGHT
STATE_SIZE = 4
NUM_ACTIONS = WIDTH

CURRENT = 0
MASK = 1
COUNT = 2
TO_PLAY = 3


def _bottom_mask() -> int:
    return sum(1 << (col * H1) for col in range(WIDTH))


#: one bit at the bottom of every column
BOTTOM_MASK = _bottom_mask()
#: every playable cell (all bits but the headroom row)
BOARD_MASK = BOTTOM_MASK * ((1 << HEIGHT) - 1)


@njit(cache=True)
def bottom_mask_col(col: int) -> int:
    """The bottom cell of column `col`."""
    return 1 << (col * H1)


@njit(cache=True)
def top_mask_col(col: int) -> int:
    """The top playable cell of column `col`."""
    return 1 << (HEIGHT - 1 + col * H1)


@njit(cache=True)
def column_mask(col: int) -> int:
    """All playable cells of column `col`."""
    return ((1 << HEIGHT) - 1) << (col * H1)


@njit(cache=True)
def has_four(stones: int) -> bool:
    """True if `stones` (a bitboard) contains four in a line.

    For each direction with bit shift s (1 vertical, 7 horizontal, 6 and 8 the
    diagonals), ``m = b & (b >> s)`` marks the starts of pairs, and ``m & (m >> 2s)``
    the starts of fours.
    """
    for shift in (1, H1, H1 - 1, H1 + 1):
        pairs = stones & (stones >> shift)
        if pairs & (pairs >> (2 * shift)):
            return True
    return False


@njit(cache=True)
def winning_cells(stones: int, mask: int) -> int:
    """Empty cells (bitboard) where one more stone of `stones` would make four in a line.

    Counts cells that are empty but not necessarily playable yet (threats above
    the current column heights included); ``mask`` is every stone on the board.
    """
    # vertical: three stones right below the cell
    cells = (stones << 1) & (stones << 2) & (stones << 3)
    for shift in (H1, H1 - 1, H1 + 1):  # horizontal and both diagonals
        # the cell completes a line if three of its neighbours in one direction
        # (3 on one side, 2+1, 1+2 or 3 on the other side) are `stones`
        pair = (stones << shift) & (stones << (2 * shift))
        cells |= pair & (stones << (3 * shift))
        cells |= pair & (stones >> shift)
        pair = (stones >> shift) & (stones >> (2 * shift))
        cells |= pair & (stones << shift)
        cells |= pair & (stones >> (3 * shift))
    return cells & (BOARD_MASK ^ mask)


@njit(cache=True)
def playable_cells(mask: int) -> int:
    """The cell where the next stone of each non-full column would land (bitboard)."""
    return (mask + BOTTOM_MASK) & BOARD_MASK


@njit(cache=True)
def popcount(bits: int) -> int:
    """Number of set bits of a non-negative int64."""
    count = 0
    while bits:
        bits &= bits - 1
        count += 1
    return count


@njit(cache=True)
def reset(state: np.ndarray, params: np.ndarray) -> None:
    state[:] = 0


@njit(cache=True)
def step(src: np.ndarray, dst: np.ndarray, action: int) -> None:
    mask = src[MASK]
    current = src[CURRENT]
    count = src[COUNT]
    player = src[TO_PLAY]
    # the mover's stones become the opponent's board of the next position
    dst[CURRENT] = current ^ mask
    dst[MASK] = mask | (mask + bottom_mask_col(action))
    dst[COUNT] = count + 1
    dst[TO_PLAY] = 1 - player


@njit(cache=True)
def terminal(state: np.ndarray) -> tuple[bool, float]:
    if has_four(state[CURRENT] ^ state[MASK]):
        return True, -1.0  # the last mover connected four: the player to move lost
    if state[COUNT] == CELLS:
        return True, 0.0
    return False, 0.0


@njit(cache=True)
def legal(state: np.ndarray, mask: np.ndarray) -> int:
    over, _ = terminal(state)
    count = 0
    for col in range(WIDTH):
        ok = (not over) and (state[MASK] & top_mask_col(col)) == 0
        mask[col] = ok
        count += ok
    return count


@njit(cache=True)
def to_play(state: np.ndarray) -> int:
    return int(state[TO_PLAY])


# Observation float32[2, 6, 7], from the view of the player to move; row 0 is
# the TOP row (as rendered), column 0 the left column (action 0):
#
#   plane 0: 1 where the player to move has a stone
#   plane 1: 1 where the opponent has a stone
#
#         col 0 ........ col 6
#   row 0 [ top of the board  ]
#     :
#   row 5 [ bottom row        ]   <- stones land here first
@njit(cache=True)
def encode(state: np.ndarray, out: np.ndarray) -> None:
    own = state[CURRENT]
    other = own ^ state[MASK]
    for col in range(WIDTH):
        for row in range(HEIGHT):
            bit = 1 << (col * H1 + row)
            if own & bit:
                out[0, HEIGHT - 1 - row, col] = 1.0
            elif other & bit:
                out[1, HEIGHT - 1 - row, col] = 1.0
