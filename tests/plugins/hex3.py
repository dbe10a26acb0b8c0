"""Hex on a 3x3 rhombus: a test plugin with multi-character moves and an exact solver.

It joins distill the way any third-party domain does (an entry point, see
``tests/conftest.py``) and declares what it offers: ``solver=`` and
``eval_buckets=``, so the arena, ``distill eval`` and ``distill solve`` give exact
error rates on it without any table naming it.

Rules: player 0 joins the top row to the bottom row, player 1 the left column to the
right column; cells have six neighbours; the board never fills without a winner.
Moves are named column letter + row number, ``a1`` (top left) .. ``c3`` (bottom right);
action = row * 3 + column.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from numba import njit

from distill import KernelDomain, MoveParseError

N = 3
CELLS = N * N
# State record, int64[12]: cells[0..8] (0 empty, 1 player 0, 2 player 1),
# [9] player to move, [10] stones played, [11] winner + 1 (0 while the game runs).
TO_PLAY, STONES, WINNER = CELLS, CELLS + 1, CELLS + 2
STATE_SIZE = CELLS + 3


def _neighbours() -> np.ndarray:
    """int64[9, 6]: the six neighbours of each cell on the rhombus, -1 off the board."""
    table = np.full((CELLS, 6), -1, dtype=np.int64)
    for i in range(CELLS):
        r, c = divmod(i, N)
        for j, (dr, dc) in enumerate(((-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0))):
            if 0 <= r + dr < N and 0 <= c + dc < N:
                table[i, j] = (r + dr) * N + c + dc
    return table


NEIGHBOURS = _neighbours()


@njit(cache=True)
def reset(state, params):
    state[:] = 0


@njit(cache=True)
def _joins(cells, stone):
    """Whether `stone`'s cells join its two edges (flood fill from its first edge)."""
    seen = np.zeros(CELLS, dtype=np.bool_)
    stack = np.empty(CELLS, dtype=np.int64)
    top = 0
    for k in range(N):
        start = k if stone == 1 else k * N  # player 0: top row; player 1: left column
        if cells[start] == stone:
            seen[start] = True
            stack[top] = start
            top += 1
    while top > 0:
        top -= 1
        cell = stack[top]
        if (stone == 1 and cell // N == N - 1) or (stone == 2 and cell % N == N - 1):
            return True
        for j in range(6):
            other = NEIGHBOURS[cell, j]
            if other >= 0 and not seen[other] and cells[other] == stone:
                seen[other] = True
                stack[top] = other
                top += 1
    return False


@njit(cache=True)
def step(src, dst, action):
    dst[:] = src
    stone = src[TO_PLAY] + 1
    dst[action] = stone
    dst[STONES] = src[STONES] + 1
    dst[TO_PLAY] = 1 - src[TO_PLAY]
    if _joins(dst[:CELLS], stone):
        dst[WINNER] = stone


@njit(cache=True)
def legal(state, mask):
    count = 0
    for a in range(CELLS):
        mask[a] = state[WINNER] == 0 and state[a] == 0
        count += mask[a]
    return count


@njit(cache=True)
def terminal(state):
    if state[WINNER] != 0:  # the previous player joined its edges: the player to move lost
        return True, -1.0
    return False, 0.0


@njit(cache=True)
def to_play(state):
    return state[TO_PLAY]


# Observation float32[2, 3, 3]: plane 0 the stones of the player to move, plane 1 the other's.
@njit(cache=True)
def encode(state, out):
    me = state[TO_PLAY] + 1
    for i in range(CELLS):
        if state[i] == me:
            out[0, i // N, i % N] = 1.0
        elif state[i] != 0:
            out[1, i // N, i % N] = 1.0


def format_move(action: int) -> str:
    return f"{'abc'[action % N]}{action // N + 1}"


def parse_move(text: str) -> int:
    t = text.strip()
    if len(t) != 2 or t[0] not in "abc" or t[1] not in "123":
        raise MoveParseError(f"hex3: move {text!r} must be a column a-c and a row 1-3, e.g. b2")
    return (int(t[1]) - 1) * N + "abc".index(t[0])


def render(state: np.ndarray) -> str:
    marks = ".XO"
    return "\n".join(
        " " * r + " ".join(marks[int(state[r * N + c])] for c in range(N)) for r in range(N)
    )


@functools.cache
def _value(cells: tuple[int, ...], stone: int) -> int:
    """Exact score for the player with `stone` to move (no draws in Hex): winning with a
    move that leaves e empty cells scores e + 1, so sooner wins score more."""
    return max(_move_score(cells, stone, a) for a in range(CELLS) if cells[a] == 0)


def _move_score(cells: tuple[int, ...], stone: int, action: int) -> int:
    after = list(cells)
    after[action] = stone
    if _joins(np.array(after, dtype=np.int64), stone):
        return after.count(0) + 1
    return -_value(tuple(after), 3 - stone)


def solve(state: np.ndarray) -> list[int | None]:
    """Exact score of every action of a running position (None = illegal)."""
    cells, stone = tuple(int(x) for x in state[:CELLS]), int(state[TO_PLAY]) + 1
    return [_move_score(cells, stone, a) if cells[a] == 0 else None for a in range(CELLS)]


def make() -> KernelDomain:
    """The registry calls this (entry point ``hex3 = hex3:make``)."""
    rotation = np.array([np.arange(CELLS), np.arange(CELLS)[::-1]], dtype=np.int64)
    return KernelDomain(
        name="hex3",
        kernel_module=__name__,
        num_actions=CELLS,
        state_size=STATE_SIZE,
        obs_shape=(2, N, N),
        board_shape=(N, N),
        max_moves=CELLS,
        action_perms=rotation,
        cell_perms=rotation.copy(),
        formatter=format_move,
        parser=parse_move,
        renderer=render,
        solver=solve,
        eval_buckets={"begin": (0, 2), "end": (3, 5)},
        player_names=("X", "O"),
    )


def make_without_solver() -> KernelDomain:
    """hex3 offering nothing beyond the contract (entry point ``hex3-no-solver``)."""
    return dataclasses.replace(make(), name="hex3-no-solver", solver=None, eval_buckets=None)
