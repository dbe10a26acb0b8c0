"""Go state record layout, packed point words and Zobrist keys (shared by every Go kernel).

One game state is an ``int64`` record of ``state_size(size, max_moves)`` words:

    index                   field
    0   SIZE                board size N (5..19)
    1   KOMI2               komi x 2 (komi is a multiple of 0.5)
    2   RULES               bits 0-1 ko rule (0 simple, 1 positional superko,
                            2 situational superko); bit 2 suicide allowed
    3   MAX_MOVES           move cap; the game is scored once MOVES reaches it
    4   TO_PLAY             0 black, 1 white
    5   MOVES               actions played so far (passes included)
    6   PASSES              consecutive passes just played (2 ends the game)
    7   KO                  point the player to move may not take back (simple ko), or -1
    8..12 LAST              last 5 actions, LAST+0 the most recent; -1 = none yet
    13  HASH                Zobrist hash of the stones on the board
    14  STONES              number of stones on the board
    15  BLOOM_WORDS         W, the number of words of the Bloom filter below
    16 .. 16+N*N-1 BOARD    one packed word per point (see below), row 0 = top row
    16+N*N .. +W  BLOOM     one-hash Bloom filter of the history keys (bit key>>20 mod 64W):
                            a clear bit proves a key is new, so most superko checks skip
                            the history scan (W*64 >= 4 keys per bit, so <= ~22% filled)
    16+N*N+W ..  HISTORY    MAX_MOVES + 1 position keys: HISTORY[t] is the key of the
                            position after t actions (the superko history)

A point word packs, low bit first:

    bits 0-1   colour: 0 empty, 1 black, 2 white
    bit  2     the point has held a stone at some time in this game (a move on a point
               that never held a stone cannot repeat a position: no superko scan needed)
    bit  3     scratch mark used while counting liberties (always 0 between calls)
    bits 4-15  number of stones of the group (valid on the root's word only)
    bits 16-31 next stone of the same group (groups are circular lists)
    bits 32-47 group representative ("root")
    bits 48-62 liberty count of the group (valid on the root's word only)

So a 19x19 record with the default cap of 2*N*N moves holds 16 + 361 + 64 + 723 =
1164 words (9.3 kB) and a 9x9 record 16 + 81 + 16 + 163 = 276 words (2.2 kB).

Position keys: positional superko stores the board hash; situational superko XORs
``SIDE_KEY`` when white is to move, so equal boards with different movers differ.
"""

from __future__ import annotations

import numpy as np
from numba import njit

MIN_SIZE = 5
MAX_SIZE = 19
MAX_POINTS = MAX_SIZE * MAX_SIZE

SIZE = 0
KOMI2 = 1
RULES = 2
MAX_MOVES = 3
TO_PLAY = 4
MOVES = 5
PASSES = 6
KO = 7
LAST = 8
NUM_LAST = 5
HASH = 13
STONES = 14
BLOOM_WORDS = 15
HEADER = 16
BOARD = HEADER

KO_SIMPLE = 0
KO_POSITIONAL = 1
KO_SITUATIONAL = 2
RULE_KO_MASK = 3
RULE_SUICIDE = 4

EMPTY = 0
BLACK = 1
WHITE = 2

COLOUR_MASK = 3
EVER_BIT = 4
MARK_BIT = 8
SIZE_SHIFT = 4
SIZE_MASK = 0xFFF
NEXT_SHIFT = 16
ROOT_SHIFT = 32
LIBS_SHIFT = 48
FIELD_MASK = 0xFFFF
LIBS_MASK = 0x7FFF

NO_POINT = -1


@njit(cache=True)
def bloom_words(max_moves: int) -> int:
    """Words of the history Bloom filter: a power of two with >= 4 bits per history key."""
    words = 1
    while words * 64 < 4 * (max_moves + 1):
        words *= 2
    return words


def state_size(size: int, max_moves: int) -> int:
    """Number of int64 words of a record for an N x N board and a move cap."""
    return HEADER + size * size + bloom_words(max_moves) + max_moves + 1


def _zobrist_keys() -> np.ndarray:
    # Fixed seed: keys must be identical in every process (histories are stored in records).
    rng = np.random.default_rng(0x60_60_19_19)
    keys = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, size=(3, MAX_POINTS))
    keys[EMPTY] = 0
    return keys.astype(np.int64)


#: int64[3, 361]: ZOBRIST[colour, point]; row 0 (empty) is zero.
ZOBRIST = _zobrist_keys()
#: XORed into situational-superko keys when white is to move.
SIDE_KEY = np.int64(0x2545F4914F6CDD1D)


def _neighbour_table() -> np.ndarray:
    # NEIGHBOURS[n, p, k]: k-th orthogonal neighbour of point p on an n x n board, -1 off-board.
    table = np.full((MAX_SIZE + 1, MAX_POINTS, 4), -1, dtype=np.int16)
    for n in range(MIN_SIZE, MAX_SIZE + 1):
        for p in range(n * n):
            row, col = divmod(p, n)
            cand = [(row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)]
            for k, (r, c) in enumerate(cand):
                if 0 <= r < n and 0 <= c < n:
                    table[n, p, k] = r * n + c
    return table


#: int16[20, 361, 4]: neighbour table per board size (sizes below 5 unused).
NEIGHBOURS = _neighbour_table()
