"""Solver-free Go checks built in code: capture-or-die tactics and settled groups.

Nothing here needs a solver or an engine to know the answer; the positions are built
so that the answer is a fact of the rules, and every answer is re-derived by playing
each legal move in the engine:

* **capture**: one opponent group (1-3 stones) has one liberty and no other group has
  fewer than two; the answers are the moves that remove opponent stones.
* **save**: the opponent's last move put one of the mover's groups (1-2 stones) in
  atari and no other group is in atari; the answers are the moves after which all of
  that group's stones are still on the board with at least two liberties (a one-move
  criterion: a ladder can still catch it later).
* **settled**: groups with two real eyes (corner, edge and centre shapes), which no
  sequence of moves can capture; their stones and eyes are owned by their colour at
  the end of any sensible game.

Random background stones (far from the pattern, none left in atari) keep the boards
from being empty. `tactics_cases` and `settled_cases` are seeded, so a check is the
same set of positions on every run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from distill.domain import Position
from distill.errors import ConfigError

from . import GoDomain, board_array, make

BLACK, WHITE = 1, 2
STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1))


@dataclass(frozen=True)
class TacticsCase:
    """A capture-or-die position: `moves` played from `domain`'s setup; `answers` solve it."""

    kind: str
    """``capture`` or ``save``."""
    domain: GoDomain
    moves: tuple[int, ...]
    answers: tuple[int, ...]
    legal_count: int
    """Legal moves of the position, pass included (a uniform random move's odds)."""

    def position(self) -> Position:
        return Position(self.domain).play_all(self.moves)


@dataclass(frozen=True)
class SettledCase:
    """Alive groups: `points` (actions of their stones and eyes), `owner` +1 black / -1 white."""

    domain: GoDomain
    points: np.ndarray  # int64[P]
    owner: np.ndarray  # int8[P]
    groups: np.ndarray  # int64[P]: which settled group each point belongs to
    eyes: np.ndarray  # bool[P]: the point is an eye (empty), not a stone

    def position(self) -> Position:
        return Position(self.domain)


# --------------------------------------------------------------------------- board helpers


def neighbours(n: int, r: int, c: int) -> list[tuple[int, int]]:
    return [(r + dr, c + dc) for dr, dc in STEPS if 0 <= r + dr < n and 0 <= c + dc < n]


def group_at(
    board: np.ndarray, r: int, c: int
) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """(stones, liberties) of the group at (r, c) of int8[N, N] (0 empty, 1 black, 2 white)."""
    colour, n = board[r, c], board.shape[0]
    stones, libs, todo = {(r, c)}, set(), [(r, c)]
    while todo:
        for q in neighbours(n, *todo.pop()):
            if board[q] == 0:
                libs.add(q)
            elif board[q] == colour and q not in stones:
                stones.add(q)
                todo.append(q)
    return stones, libs


def min_liberties(board: np.ndarray, skip: set[tuple[int, int]]) -> int:
    """The fewest liberties of any group with no stone in `skip` (99 if there is none)."""
    least, seen = 99, set(skip)
    for r, c in zip(*np.nonzero(board), strict=True):
        if (r, c) in seen:
            continue
        stones, libs = group_at(board, int(r), int(c))
        seen |= stones
        least = min(least, len(libs))
    return least


def _add_background(
    board: np.ndarray, rng: np.random.Generator, keep: set[tuple[int, int]]
) -> None:
    """Up to 24 random stones at Chebyshev distance >= 3 from `keep`, none left in atari."""
    n = board.shape[0]
    for _ in range(int(rng.integers(8, 25))):
        r, c = (int(x) for x in rng.integers(n, size=2))
        if board[r, c] or any(max(abs(r - a), abs(c - b)) < 3 for a, b in keep):
            continue
        board[r, c] = rng.integers(1, 3)
        if any(len(group_at(board, *q)[1]) < 2 for q in [(r, c), *neighbours(n, r, c)] if board[q]):
            board[r, c] = 0


def _domain(board: np.ndarray, first: int) -> GoDomain | None:
    """The Go domain whose setup is `board` with `first` (1 black, 2 white) to move, or None."""
    flat = board.reshape(-1)
    try:
        return make(
            size=board.shape[0],
            komi=7.5,
            black_stones=np.flatnonzero(flat == BLACK).tolist(),
            white_stones=np.flatnonzero(flat == WHITE).tolist(),
            first_player="black" if first == BLACK else "white",
        )
    except ConfigError:
        return None


def _chain(rng: np.random.Generator, n: int, length: int) -> list[tuple[int, int]] | None:
    """A random connected chain of `length` points on an n x n board, or None off the board."""
    cells = [(int(rng.integers(n)), int(rng.integers(n)))]
    while len(cells) < length:
        dr, dc = STEPS[int(rng.integers(4))]
        r, c = cells[-1][0] + dr, cells[-1][1] + dc
        if not (0 <= r < n and 0 <= c < n):
            return None
        if (r, c) not in cells:
            cells.append((r, c))
    return cells


# --------------------------------------------------------------------------- tactics


def _capture_board(rng: np.random.Generator, n: int) -> tuple[np.ndarray, int] | None:
    """(board, mover) with one opponent group in atari, the rest with >= 2 liberties."""
    chain = _chain(rng, n, int(rng.integers(1, 4)))
    if chain is None:
        return None
    mover = int(rng.integers(1, 3))
    board = np.zeros((n, n), dtype=np.int8)
    for q in chain:
        board[q] = 3 - mover
    libs = sorted(group_at(board, *chain[0])[1])
    keep = libs.pop(int(rng.integers(len(libs))))  # the capturing point stays empty
    for q in libs:
        board[q] = mover
    _add_background(board, rng, set(chain) | set(libs) | {keep})
    stones, target_libs = group_at(board, *chain[0])
    if len(target_libs) != 1 or min_liberties(board, stones) < 2:
        return None
    return board, mover


def _save_board(
    rng: np.random.Generator, n: int
) -> tuple[np.ndarray, int, int, tuple[int, int]] | None:
    """(board before the atari, mover, atari move, a stone of the group): the mover's
    group has two liberties, the opponent's atari move takes one of them."""
    chain = _chain(rng, n, int(rng.integers(1, 3)))
    if chain is None:
        return None
    mover = int(rng.integers(1, 3))
    board = np.zeros((n, n), dtype=np.int8)
    for q in chain:
        board[q] = mover
    libs = sorted(group_at(board, *chain[0])[1])
    if len(libs) < 2:
        return None
    order = rng.permutation(len(libs))
    escape, atari = libs[order[0]], libs[order[1]]
    for k in order[2:]:
        board[libs[k]] = 3 - mover
    _add_background(board, rng, set(chain) | set(libs))
    if len(group_at(board, *chain[0])[1]) != 2:
        return None
    after = board.copy()
    after[atari] = 3 - mover
    stones, left = group_at(after, *chain[0])
    if left != {escape} or min_liberties(after, stones) < 2:
        return None
    return board, mover, atari[0] * n + atari[1], chain[0]


def _answers(
    domain: GoDomain, moves: tuple[int, ...], solved: Callable[[np.ndarray, np.ndarray], bool]
) -> tuple[list[int], int]:
    """(legal moves m with solved(board before, board after m), number of legal moves)."""
    start = Position(domain).play_all(moves)
    legal = np.flatnonzero(start.legal_mask())
    rows = np.arange(len(legal))
    store = domain.new_store(len(legal))
    store[:] = start.store[0]
    domain.step(store, rows, store, rows, legal)
    before = board_array(start.store[0])
    hits = [int(a) for i, a in enumerate(legal) if solved(before, board_array(store[i]))]
    return hits, len(legal)


def tactics_cases(size: int = 19, count: int = 100, seed: int = 0) -> list[TacticsCase]:
    """`count` capture-or-die positions on a size x size board, half capture, half save."""
    rng = np.random.default_rng(seed)
    cases: list[TacticsCase] = []
    while len(cases) < count:
        case = _capture_case(rng, size) if len(cases) % 2 == 0 else _save_case(rng, size)
        if case is not None:
            cases.append(case)
    return cases


def _capture_case(rng: np.random.Generator, n: int) -> TacticsCase | None:
    built = _capture_board(rng, n)
    domain = None if built is None else _domain(*built)
    if built is None or domain is None:
        return None
    mover = built[1]

    def captures(before: np.ndarray, after: np.ndarray) -> bool:
        return int((after == 3 - mover).sum()) < int((before == 3 - mover).sum())

    hits, legal = _answers(domain, (), captures)
    return TacticsCase("capture", domain, (), tuple(hits), legal) if hits else None


def _save_case(rng: np.random.Generator, n: int) -> TacticsCase | None:
    built = _save_board(rng, n)
    domain = None if built is None else _domain(built[0], 3 - built[1])
    if built is None or domain is None:
        return None
    board, mover, atari, anchor = built
    group = group_at(board, *anchor)[0]

    def saves(before: np.ndarray, after: np.ndarray) -> bool:
        alive = all(after[q] == mover for q in group)
        return alive and len(group_at(after, *anchor)[1]) >= 2

    hits, legal = _answers(domain, (atari,), saves)
    return TacticsCase("save", domain, (atari,), tuple(hits), legal) if hits else None


# --------------------------------------------------------------------------- settled groups

Shape = tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]
#: Two-eye shapes in the top-left corner's frame: (stones, eyes) as (row, col).
CORNER: Shape = (
    ((0, 1), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3)),
    ((0, 0), (0, 2)),
)
EDGE: Shape = (  # on the top edge, columns offset later
    ((0, 0), (0, 2), (0, 4), (1, 0), (1, 1), (1, 2), (1, 3), (1, 4)),
    ((0, 1), (0, 3)),
)
CENTRE: Shape = (
    tuple((r, c) for r in range(3) for c in range(5) if (r, c) not in ((1, 1), (1, 3))),
    ((1, 1), (1, 3)),
)


def _place(
    shape: Shape, n: int, rng: np.random.Generator, where: str
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(stones, eyes) of `shape` moved onto an n x n board: into a random corner, onto a
    random edge, or into the centre area, in a random orientation."""
    stones, eyes = shape
    points = [*stones, *eyes]
    if where == "edge":  # slide along the top edge, away from the corners
        offset = int(rng.integers(4, n - 9))
        points = [(r, c + offset) for r, c in points]
    elif where == "centre":
        r0, c0 = (int(x) for x in rng.integers(5, n - 9, size=2))
        points = [(r + r0, c + c0) for r, c in points]
    transpose, flip_r, flip_c = rng.random(3) < 0.5  # one of the board's 8 symmetries
    if transpose:
        points = [(c, r) for r, c in points]
    points = [(n - 1 - r if flip_r else r, n - 1 - c if flip_c else c) for r, c in points]
    return points[: len(stones)], points[len(stones) :]


def settled_cases(size: int = 19, count: int = 50, seed: int = 0) -> list[SettledCase]:
    """`count` positions with 2-4 alive groups (corners, edges, centre) of random colours."""
    if size < 13:
        raise ConfigError(f"go checks: settled groups need a board of 13x13 or more, got {size}")
    rng = np.random.default_rng(seed)
    cases: list[SettledCase] = []
    while len(cases) < count:
        case = _settled_case(rng, size)
        if case is not None:
            cases.append(case)
    return cases


def _settled_case(rng: np.random.Generator, n: int) -> SettledCase | None:
    board = np.zeros((n, n), dtype=np.int8)
    taken: set[tuple[int, int]] = set()
    points, owner, groups, is_eye = [], [], [], []
    for g, (shape, where) in enumerate(
        [(CORNER, "corner"), (EDGE, "edge"), (CENTRE, "centre"), (CORNER, "corner")]
    ):
        stones, eyes = _place(shape, n, rng, where)
        near = {
            (r + dr, c + dc) for r, c in stones + eyes for dr in (-1, 0, 1) for dc in (-1, 0, 1)
        }
        if near & taken:
            continue
        colour = int(rng.integers(1, 3))
        for q in stones:
            board[q] = colour
        taken |= near
        points += [r * n + c for r, c in stones + eyes]
        owner += [1 if colour == BLACK else -1] * len(stones + eyes)
        groups += [g] * len(stones + eyes)
        is_eye += [False] * len(stones) + [True] * len(eyes)
    if len(set(groups)) < 2:
        return None
    _add_background(board, rng, taken)
    domain = _domain(board, int(rng.integers(1, 3)))
    if domain is None:
        return None
    return SettledCase(
        domain,
        np.array(points, np.int64),
        np.array(owner, np.int8),
        np.array(groups, np.int64),
        np.array(is_eye, np.bool_),
    )
