"""Exact Connect Four solver: the score of a position and of each of its moves.

Scores follow Pascal Pons' convention ("Solving Connect 4", part 2): from the
view of the side to move, a win with the stone that brings the board to ``s``
stones scores ``(44 - s) // 2`` (+18 for a win with one's 4th stone, +1 with
one's 21st and last), a loss the negative of the winner's score, a draw 0.
The empty board scores +1: the first player wins, with his last stone
(Allis 1988; Tromp). The search itself is `distill.domains.connect4.negamax`.

Positions are given as move strings in Pons' digits (``"4453"``), as action
sequences (``[3, 3, 4, 2]``), or as kernel state records (``int64[4]``, see
`distill.domains.connect4.kernels`); the ``*_state`` functions take the latter.
A `Solver` owns one transposition table (about 84 MB by default), reused
across calls; the module-level functions share one lazily built `Solver`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from distill.errors import DistillError, IllegalActionError

from . import kernels, negamax, parse_moves

Moves = str | Sequence[int]


def _state_bits(state: np.ndarray) -> tuple[int, int, int]:
    return int(state[kernels.CURRENT]), int(state[kernels.MASK]), int(state[kernels.COUNT])


def replay(moves: Moves) -> np.ndarray:
    """The kernel state record int64[4] after `moves`, checking every move.

    Raises MoveParseError for a malformed string and IllegalActionError naming
    the 1-based move number for a move into a full column, a column outside
    0..6, or a move after the game is over.
    """
    actions = parse_moves(moves) if isinstance(moves, str) else [int(a) for a in moves]
    state = np.zeros(kernels.STATE_SIZE, dtype=np.int64)
    for number, action in enumerate(actions, start=1):
        if not 0 <= action < kernels.WIDTH:
            raise IllegalActionError(
                f"connect4: move {number} is column {action}, outside 0..{kernels.WIDTH - 1}"
            )
        over, _ = kernels.terminal(state)
        if over:
            raise IllegalActionError(
                f"connect4: move {number} (column {action + 1}) comes after the game is over"
            )
        if int(state[kernels.MASK]) & kernels.top_mask_col(action):
            raise IllegalActionError(f"connect4: move {number}: column {action + 1} is full")
        kernels.step(state, state, action)
    return state


def _check_not_over(state: np.ndarray) -> None:
    over, value = kernels.terminal(state)
    if over:
        outcome = "is drawn (full board)" if value == 0 else "is already won"
        raise IllegalActionError(
            f"connect4: the position after {int(state[kernels.COUNT])} moves {outcome}; "
            "there is nothing to solve"
        )


class Solver:
    """An exact solver with its own transposition table.

    Args:
        table_size: number of table slots (a prime spreads keys best); each slot
            costs 8 bytes. Smaller tables are slower on hard positions, never wrong.
    """

    def __init__(self, table_size: int = negamax.DEFAULT_TABLE_SIZE) -> None:
        if table_size < negamax.MIN_TABLE_SIZE:
            raise DistillError(
                f"connect4 solver: table_size must be >= {negamax.MIN_TABLE_SIZE}, got {table_size}"
            )
        self.table = negamax.new_table(table_size)
        self.stats = np.zeros(1, dtype=np.int64)

    @property
    def nodes(self) -> int:
        """Nodes searched by this solver since it was built or last cleared."""
        return int(self.stats[negamax.NODES])

    def clear(self) -> None:
        """Forget the transposition table and the node count."""
        self.table[:] = negamax.EMPTY
        self.stats[:] = 0

    def solve_state(self, state: np.ndarray) -> int:
        """Score of a non-terminal position (kernel record int64[4]) for the side to move."""
        _check_not_over(state)
        current, mask, count = _state_bits(state)
        return int(negamax.solve_bits(current, mask, count, self.table, self.stats))

    def outcome_state(self, state: np.ndarray) -> int:
        """+1 / 0 / -1: the side to move wins / draws / loses (sign of `solve_state`).

        Weak solving: at most two null-window searches, around 0 and around -1,
        much cheaper than the exact score when only win/draw/loss matters.
        """
        _check_not_over(state)
        current, mask, count = _state_bits(state)
        if negamax.can_win_now(current, mask):
            return 1
        args = (self.table, self.stats)
        if negamax.search_window(current, mask, count, 0, 1, *args) > 0:
            return 1
        if negamax.search_window(current, mask, count, -1, 0, *args) >= 0:
            return 0
        return -1

    def move_scores_state(self, state: np.ndarray) -> list[int | None]:
        """Score of each column's move (list of 7), from the mover's view; None if full.

        The score of a move is the score of the resulting position negated, or
        the win score if the move connects four. max(...) equals `solve_state`.
        """
        _check_not_over(state)
        current, mask, count = _state_bits(state)
        scores: list[int | None] = []
        for col in range(kernels.WIDTH):
            if mask & kernels.top_mask_col(col):
                scores.append(None)
                continue
            move = (mask + kernels.bottom_mask_col(col)) & kernels.column_mask(col)
            if kernels.has_four(current | move):
                scores.append(int(negamax.win_score(count)))
                continue
            child = -negamax.solve_bits(
                current ^ mask, mask | move, count + 1,
                self.table, self.stats,
            )  # fmt: skip
            scores.append(int(child))
        return scores

    def solve(self, position: Moves) -> int:
        """Score of the position reached by `position` (moves) for the side to move."""
        return self.solve_state(replay(position))

    def outcome(self, position: Moves) -> int:
        """+1 / 0 / -1: the side to move wins / draws / loses after `position`."""
        return self.outcome_state(replay(position))

    def move_scores(self, position: Moves) -> list[int | None]:
        """Score of each of the 7 moves of the position reached by `position`; None if full."""
        return self.move_scores_state(replay(position))


_DEFAULT: Solver | None = None


def default_solver() -> Solver:
    """The process-wide `Solver` behind the module-level functions (built on first use)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Solver()
    return _DEFAULT


def solve(position: Moves) -> int:
    """Score of a position (e.g. ``"4453"``) for the side to move, Pons' convention."""
    return default_solver().solve(position)


def move_scores(position: Moves) -> list[int | None]:
    """Scores of the 7 moves (left to right) from the mover's view; None for a full column."""
    return default_solver().move_scores(position)


def outcome(position: Moves) -> int:
    """+1 / 0 / -1 when the side to move wins / draws / loses with best play (weak solving)."""
    return default_solver().outcome(position)


def solve_state(state: np.ndarray) -> int:
    """`solve` for a kernel state record int64[4]."""
    return default_solver().solve_state(state)


def move_scores_state(state: np.ndarray) -> list[int | None]:
    """`move_scores` for a kernel state record int64[4]."""
    return default_solver().move_scores_state(state)
