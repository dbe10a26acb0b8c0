"""A slow, plainly written Connect Four: the yardstick for the bitboards and the solver.

Nothing here shares code with `kernels`, `negamax` or `solver`: the board is a
list of columns, four in a line is found by walking the grid, and
`brute_force_score` is negamax without any pruning or move ordering (memoized
on the exact grid, which changes no value). Tests compare the fast code with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

WIDTH, HEIGHT = 7, 6
CELLS = WIDTH * HEIGHT
#: (column step, row step) of the four line directions
_DIRECTIONS = ((1, 0), (0, 1), (1, 1), (1, -1))

Grid = tuple[tuple[int, ...], ...]  # WIDTH columns, each the stones (0 or 1) bottom up


def grid_after(actions: Sequence[int]) -> Grid:
    """The grid after playing `actions` (assumed legal); player 0 moves first."""
    columns: list[list[int]] = [[] for _ in range(WIDTH)]
    for i, col in enumerate(actions):
        columns[col].append(i % 2)
    return tuple(tuple(c) for c in columns)


def stone_at(grid: Grid, col: int, row: int) -> int | None:
    """The player (0 or 1) whose stone is at (col, row from the bottom), or None."""
    if 0 <= col < WIDTH and 0 <= row < len(grid[col]):
        return grid[col][row]
    return None


def has_four(grid: Grid, player: int) -> bool:
    """True if `player` has four stones in a line anywhere on `grid`."""
    for col in range(WIDTH):
        for row in range(HEIGHT):
            for dc, dr in _DIRECTIONS:
                if all(stone_at(grid, col + k * dc, row + k * dr) == player for k in range(4)):
                    return True
    return False


def makes_four(grid: Grid, col: int) -> bool:
    """True if the top stone of `col` lies on a line of four stones of its player."""
    row = len(grid[col]) - 1
    player = grid[col][row]
    for dc, dr in _DIRECTIONS:
        run = 1
        for sign in (1, -1):
            k = 1
            while stone_at(grid, col + sign * k * dc, row + sign * k * dr) == player:
                run += 1
                k += 1
        if run >= 4:
            return True
    return False


def stones(grid: Grid) -> int:
    return sum(len(c) for c in grid)


def drop(grid: Grid, col: int) -> Grid:
    """The grid after the player to move drops a stone into `col` (not full)."""
    player = stones(grid) % 2
    return tuple((*c, player) if i == col else c for i, c in enumerate(grid))


def is_over(grid: Grid) -> bool:
    """True after a four in a line (by either player) or on a full board."""
    return has_four(grid, 0) or has_four(grid, 1) or stones(grid) == CELLS


def legal_columns(grid: Grid) -> list[int]:
    """Columns that can take a stone, empty if the game is over."""
    if is_over(grid):
        return []
    return [col for col in range(WIDTH) if len(grid[col]) < HEIGHT]


@cache
def brute_force_score(grid: Grid) -> int:
    """Pons score of a non-terminal grid for the side to move, by full negamax.

    A win with the stone that brings the board to s stones scores (43 - s) // 2.
    """
    best = -CELLS
    for col in range(WIDTH):
        if len(grid[col]) == HEIGHT:
            continue
        child = drop(grid, col)
        if makes_four(child, col):
            score = (CELLS + 2 - stones(child)) // 2
        elif stones(child) == CELLS:
            score = 0
        else:
            score = -brute_force_score(child)
        best = max(best, score)
    return best
