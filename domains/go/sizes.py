"""Multi-size Go: one padded frame serves several board sizes (``make("go", sizes=[9, 19])``).

Every size is a `GoDomain` over the padded kernels (`distill.domains.go.padded`) with
the same frame F = max(sizes), the same record length (the largest size's) and so the
same store, observation shape ``(C, F, F)`` and action count ``F * F + 1``. The first
size listed is the domain itself (what the arena and ``run:`` players play); all sizes,
the first included, are its `variants`, from which self-play draws one per game
(`distill.flywheel.selfplay`). A network reads the on-board mask from observation plane
0 (``network.mask_plane: 0``), so padding never reaches its pooling or its policy.

Move names are the GTP vertices of the game's own board (``C3`` on 9x9); frame points
outside the board, which are never legal, are named ``#<action>`` so every action has
a name that parses back.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from distill.errors import ConfigError, MoveParseError
from distill.symmetry import dihedral_perms

from . import GoDomain, _obs_bounds, _render, make, ownership, tromp_taylor_score
from .coords import action_to_vertex, vertex_to_action
from .features import NUM_PLANES, PLANE_ON_BOARD
from .layout import MAX_SIZE, MIN_SIZE, state_size


def check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    """The sizes as a tuple of ints in MIN_SIZE..MAX_SIZE, else ConfigError naming the entry."""
    if isinstance(sizes, str | bytes) or not isinstance(sizes, Sequence) or not sizes:
        raise ConfigError(f"go: sizes must be a non-empty list of board sizes, got {sizes!r}")
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, int | np.integer):
            raise ConfigError(f"go: sizes entry {n!r} is not an integer")
        if not MIN_SIZE <= n <= MAX_SIZE:
            raise ConfigError(f"go: sizes entry {n} is outside {MIN_SIZE}..{MAX_SIZE}")
    return tuple(int(n) for n in sizes)


def frame_action(action: int, size: int, frame: int) -> int:
    """The frame action of plain Go action `action` on a size x size board."""
    if action == size * size:
        return frame * frame
    return (action // size) * frame + action % size


def board_action(action: int, size: int, frame: int) -> int:
    """The plain Go action of frame action `action`; MoveParseError if it is off the board."""
    if action == frame * frame:
        return size * size
    row, col = divmod(int(action), frame)
    if not (0 <= row < size and 0 <= col < size):
        raise MoveParseError(f"go: frame point {action} is outside the {size}x{size} board")
    return row * size + col


def _format(action: int, size: int, frame: int) -> str:
    try:
        return action_to_vertex(board_action(action, size, frame), size)
    except MoveParseError:
        return f"#{int(action)}"


def _parse(text: str, size: int, frame: int) -> int:
    t = text.strip()
    if t.startswith("#") and t[1:].isdigit():
        action = int(t[1:])
        row, col = divmod(action, frame)
        if action < frame * frame and (row >= size or col >= size):
            return action
        raise MoveParseError(f"go: {text!r} is not an off-board point of the {frame}x{frame} frame")
    return frame_action(vertex_to_action(t, size), size, frame)


def padded_ownership(state: np.ndarray, frame: int) -> np.ndarray:
    """int8[F, F]: Tromp-Taylor ownership of the board (+1 black) in its corner, 0 elsewhere."""
    board = ownership(state)
    out = np.zeros((frame, frame), dtype=np.int8)
    out[: board.shape[0], : board.shape[1]] = board
    return out


def make_sizes(sizes: Sequence[int], **rules_kwargs: Any) -> GoDomain:
    """The first size's padded `GoDomain`, with every size's (same frame) as `variants`.

    rules_kwargs are `distill.domains.go.make`'s other arguments (komi, superko, ...);
    ``max_moves`` None gives each size its own default cap 2·N².
    """
    sizes = check_sizes(sizes)
    frame = max(sizes)
    plain = {n: make(size=n, **rules_kwargs) for n in dict.fromkeys(sizes)}
    record = max(state_size(n, d.max_moves) for n, d in plain.items())
    longest = max(d.max_moves for d in plain.values())
    built = {n: _padded(d, frame, record) for n, d in plain.items()}
    variants = tuple(built[n] for n in sizes)
    for domain in built.values():
        domain.max_moves = longest  # one store holds games of every size
        domain.variants = variants
    return variants[0]


def _padded(plain: GoDomain, frame: int, record: int) -> GoDomain:
    """A padded copy of the plain GoDomain `plain` in an F x F frame with records of `record`."""
    rules = plain.rules
    assert rules is not None
    n = rules.size
    cells = dihedral_perms(frame, frame)
    pass_column = np.full((cells.shape[0], 1), frame * frame, dtype=np.int64)
    domain = GoDomain(
        name="go",
        kernel_module="distill.domains.go.padded",
        num_actions=frame * frame + 1,
        state_size=record,
        obs_shape=(NUM_PLANES, frame, frame),
        board_shape=(frame, frame),
        max_moves=rules.max_moves,
        action_perms=np.concatenate([cells, pass_column], axis=1),
        cell_perms=cells,
        params=np.concatenate([[float(frame)], rules.params()]),
        formatter=functools.partial(_format, size=n, frame=frame),
        parser=functools.partial(_parse, size=n, frame=frame),
        renderer=_render,
        obs_bounds=_obs_bounds(rules.komi),
        rules=rules,
        ownership=functools.partial(padded_ownership, frame=frame),
        final_score=tromp_taylor_score,
        player_names=("B", "W"),
        board_mask_plane=PLANE_ON_BOARD,
        pass_action=frame * frame,
    )
    domain.export_game = functools.partial(_export_sgf, plain, frame)
    return domain


def _export_sgf(
    plain: GoDomain, frame: int, moves: Sequence[int], result: str, players: tuple[str, str]
) -> tuple[str, str]:
    """SGF of a game given in frame actions, written on its own board size."""
    from .sgf import write_sgf

    actions = [board_action(a, plain.size, frame) for a in moves]
    return ".sgf", write_sgf(plain, actions, result=result, players=players).decode()
