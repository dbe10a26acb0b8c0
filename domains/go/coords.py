"""GTP vertices <-> actions, and the text picture of a Go board.

GTP vertices (GTP 2 draft, section 2.11): a column letter A..T skipping I, then a
row number where row 1 is the BOTTOM row; ``pass`` is the pass move. Actions count
rows from the TOP: ``a = row * N + col`` with row 0 displayed first, so vertex
``A1`` on a 9x9 board is action 72 and ``pass`` is action 81.
"""

from __future__ import annotations

import numpy as np

from distill.errors import MoveParseError

#: GTP column letters (no I, to avoid confusion with J/1).
COLUMNS = "ABCDEFGHJKLMNOPQRST"
STONE_CHARS = ".XO"


def vertex_to_action(text: str, size: int) -> int:
    """Action of a GTP vertex such as ``D4`` or ``pass`` (case-insensitive) on a size x size board.

    Raises MoveParseError naming the text when it is not a vertex of this board.
    """
    t = text.strip().upper()
    if t == "PASS":
        return size * size
    if len(t) < 2 or t[0] not in COLUMNS[:size] or not t[1:].isdigit():
        raise MoveParseError(
            f"go: move {text!r} is not a vertex of a {size}x{size} board "
            f"(columns {COLUMNS[0]}-{COLUMNS[size - 1]} without I, rows 1-{size}, or 'pass')"
        )
    col = COLUMNS.index(t[0])
    number = int(t[1:])
    if not 1 <= number <= size:
        raise MoveParseError(f"go: move {text!r}: row {number} is outside 1..{size}")
    return (size - number) * size + col


def action_to_vertex(action: int, size: int) -> str:
    """GTP vertex of an action (``pass`` for N*N); raises MoveParseError if out of range."""
    a = int(action)
    if a == size * size:
        return "pass"
    if not 0 <= a < size * size:
        raise MoveParseError(f"go: action {a} is outside 0..{size * size} on a {size}x{size} board")
    row, col = divmod(a, size)
    return f"{COLUMNS[col]}{size - row}"


def render_board(board: np.ndarray, to_play: int, last: int = -1) -> str:
    """Text picture of int8[N, N] (0 empty, 1 black X, 2 white O) with GTP coordinates.

    The most recent move `last` (an action, or -1) is drawn in parentheses.
    """
    n = board.shape[0]
    header = "   " + "".join(f" {COLUMNS[col]}" for col in range(n))
    lines = [header]
    for row in range(n):
        text = ""
        for col in range(n):
            here = row * n + col == last
            before = col > 0 and row * n + col - 1 == last
            text += ("(" if here else ")" if before else " ") + STONE_CHARS[int(board[row, col])]
        text += ")" if last == row * n + n - 1 else " "
        lines.append(f"{n - row:>2} {text}{n - row}")
    lines.append(header)
    lines.append(f"{'black (X)' if to_play == 0 else 'white (O)'} to play")
    return "\n".join(lines)
