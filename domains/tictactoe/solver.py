"""Exact tic-tac-toe solver: memoized minimax over every reachable position.

Score convention (the same as Connect Four's, after Pascal Pons): a position
is scored for the side to move. Winning with the stone that brings the board
to ``s`` stones scores ``(CELLS + 2 - s) // 2`` with CELLS = 9, i.e. one more
than the stones the winner still holds after its winning move (X holds 5, O 4):

    winning stone   s=5 (X's 3rd)  s=6 (O's 3rd)  s=7 (X's 4th)  s=8 (O's 4th)  s=9 (X's 5th)
    score             3              2              2              1              1

So positive = the side to move wins (larger = sooner), 0 = draw with best
play, negative = it loses (the winner's score, negated). From a position with
``n`` stones, winning at once scores ``(10 - n) // 2``.

Positions are move strings of cell digits ``1``..``9`` (row-major from the
top-left, ``"15"`` = X in the corner, O in the centre), action sequences
(0..8), or kernel state records int64[11] (`distill.domains.tictactoe.kernels`).
All 5,478 reachable positions (terminal ones included) are solved in well
under a second on first use and cached.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from distill.errors import IllegalActionError, MoveParseError

from . import kernels

CELLS = 9
EMPTY, X, O = 0, 1, 2
Board = tuple[int, ...]  # 9 cells, row-major: 0 empty, 1 X, 2 O
Moves = str | Sequence[int]
_LINES = tuple(tuple(int(c) for c in line) for line in kernels.LINES)


def parse_moves(text: str) -> list[int]:
    """Actions (0..8) of a move string such as ``"15"``.

    Surrounding whitespace is ignored. Raises MoveParseError naming the first
    bad character and its 1-based position in `text`.
    """
    offset = len(text) - len(text.lstrip())
    actions = []
    for i, char in enumerate(text.strip()):
        if char not in "123456789":
            raise MoveParseError(
                f"tictactoe: bad character {char!r} at position {offset + i + 1} of "
                f"{text!r}; moves are cell digits 1-9"
            )
        actions.append(int(char) - 1)
    return actions


def has_line(board: Board, stone: int) -> bool:
    """True if `stone` (X or O) has three in a row on `board`."""
    return any(all(board[c] == stone for c in line) for line in _LINES)


def _is_over(board: Board) -> bool:
    return has_line(board, X) or has_line(board, O) or EMPTY not in board


def _mover(board: Board) -> int:
    return X if board.count(EMPTY) % 2 == 1 else O


def win_score(stones: int) -> int:
    """Score of winning with the next stone from a position holding `stones` stones."""
    return (CELLS + 1 - stones) // 2


def _play(board: Board, cell: int, stone: int) -> Board:
    return (*board[:cell], stone, *board[cell + 1 :])


def _move_score(board: Board, cell: int) -> int:
    """Score of playing `cell` (empty) in the non-terminal `board`, for the mover."""
    stone = _mover(board)
    child = _play(board, cell, stone)
    if has_line(child, stone):
        return win_score(CELLS - board.count(EMPTY))
    if EMPTY not in child:
        return 0
    return -_solve_board(child)


@functools.cache
def _solve_board(board: Board) -> int:
    """Score of a non-terminal board for the side to move (plain minimax, memoized)."""
    return max(_move_score(board, cell) for cell in range(CELLS) if board[cell] == EMPTY)


def replay(moves: Moves) -> Board:
    """The board after `moves`, checking each one.

    Raises MoveParseError for a malformed string, IllegalActionError naming the
    1-based move number for an occupied or out-of-range cell or a move after the
    game is over.
    """
    actions = parse_moves(moves) if isinstance(moves, str) else [int(a) for a in moves]
    board: Board = (EMPTY,) * CELLS
    for number, cell in enumerate(actions, start=1):
        if not 0 <= cell < CELLS:
            raise IllegalActionError(f"tictactoe: move {number} is cell {cell}, outside 0..8")
        if _is_over(board):
            raise IllegalActionError(
                f"tictactoe: move {number} (cell {cell + 1}) comes after the game is over"
            )
        if board[cell] != EMPTY:
            raise IllegalActionError(f"tictactoe: move {number}: cell {cell + 1} is occupied")
        board = _play(board, cell, _mover(board))
    return board


def board_of_state(state: np.ndarray) -> Board:
    """The board of a kernel state record int64[11] (cells 0..8 hold 0 / 1 = X / 2 = O)."""
    return tuple(int(c) for c in state[:CELLS])


def _check_not_over(board: Board) -> None:
    if _is_over(board):
        outcome = "is already won" if has_line(board, X) or has_line(board, O) else "is drawn"
        raise IllegalActionError(f"tictactoe: the position {outcome}; there is nothing to solve")


def solve_board(board: Board) -> int:
    """Score of a non-terminal board for the side to move."""
    _check_not_over(board)
    return _solve_board(board)


def move_scores_board(board: Board) -> list[int | None]:
    """Score of each of the 9 cells for the mover; None where the cell is occupied."""
    _check_not_over(board)
    return [_move_score(board, c) if board[c] == EMPTY else None for c in range(CELLS)]


def solve(position: Moves) -> int:
    """Score of the position reached by `position` (e.g. ``"15"``) for the side to move."""
    return solve_board(replay(position))


def move_scores(position: Moves) -> list[int | None]:
    """Scores of the 9 moves (cells 1..9) from the mover's view; None for an occupied cell."""
    return move_scores_board(replay(position))


def solve_state(state: np.ndarray) -> int:
    """`solve` for a kernel state record int64[11]."""
    return solve_board(board_of_state(state))


def move_scores_state(state: np.ndarray) -> list[int | None]:
    """`move_scores` for a kernel state record int64[11]."""
    return move_scores_board(board_of_state(state))


def reachable_boards() -> set[Board]:
    """Every board reachable from the empty one by legal play, terminal ones included."""
    seen: set[Board] = set()
    frontier: list[Board] = [(EMPTY,) * CELLS]
    while frontier:
        board = frontier.pop()
        if board in seen:
            continue
        seen.add(board)
        if not _is_over(board):
            stone = _mover(board)
            frontier.extend(_play(board, c, stone) for c in range(CELLS) if board[c] == EMPTY)
    return seen
