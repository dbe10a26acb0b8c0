"""Read and write Go games as SGF (FF[4]) through sgfmill.

    domain, actions, info = load_sgf("game.sgf")          # or load_sgf(raw_bytes)
    data = write_sgf(domain, actions, players=("distill", "GNU Go"), path="out.sgf")

Coordinates: sgfmill's ``(row, col)`` counts rows from the BOTTOM; distill actions
count rows from the top (``row * N + col``), so ``action = (N - 1 - row) * N + col``.
Setup stones in the root (``AB``/``AW``, e.g. handicap) become the domain's
``black_stones``/``white_stones``; the first move's colour sets ``first_player``.
Only the main line is read. Scoring follows distill's rules (Tromp-Taylor area,
the file's ``KM``); a file's own ``RU`` is reported in `info` but not applied.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sgfmill import sgf

from distill.domain import Position
from distill.errors import CorruptFileError, DistillError, IllegalActionError
from distill.fileio import atomic_write

from . import GoDomain, action_to_vertex, make, tromp_taylor_score

COLOUR_NAMES = {"b": "black", "w": "white"}


def _to_action(point: tuple[int, int] | None, size: int) -> int:
    if point is None:
        return size * size
    row, col = point
    return (size - 1 - row) * size + col


def _to_point(action: int, size: int) -> tuple[int, int] | None:
    if action == size * size:
        return None
    row, col = divmod(action, size)
    return size - 1 - row, col


def _read(source: str | os.PathLike[str] | bytes) -> tuple[bytes, str]:
    if isinstance(source, bytes):
        return source, "<sgf bytes>"
    try:
        return Path(source).read_bytes(), str(source)
    except OSError as exc:
        raise DistillError(f"cannot read SGF file {str(source)!r}: {exc}") from exc


def load_sgf(
    source: str | os.PathLike[str] | bytes, **rules: Any
) -> tuple[GoDomain, list[int], dict[str, Any]]:
    """Parse an SGF game; returns (domain, main-line actions, info).

    `rules` are extra `make` arguments (e.g. ``superko="situational"``). info holds
    size, komi, handicap, black_stones, white_stones (vertices), first_player, result,
    black/white player names and the file's ruleset. Raises CorruptFileError for a
    malformed file and DistillError naming the move number for an illegal or
    out-of-turn move.
    """
    data, name = _read(source)
    try:
        game = sgf.Sgf_game.from_bytes(data)
    except ValueError as exc:
        raise CorruptFileError(f"{name}: not a valid SGF file: {exc}") from exc
    size = game.get_size()
    root = game.get_root()
    try:
        black, white, _empty = root.get_setup_stones()
        komi = game.get_komi()
    except ValueError as exc:
        detail = str(exc) or "a value that does not parse"
        raise CorruptFileError(f"{name}: malformed root property: {detail}") from exc
    moves = [_node_move(node, number, size, name) for number, node in _numbered(game)]
    moves = [(colour, point) for colour, point in moves if colour is not None]
    for number, node in enumerate(game.get_main_sequence()[1:], start=1):
        if node.has_setup_stones():
            raise DistillError(
                f"{name}: setup stones after the root (node {number}) are unsupported"
            )
    first = COLOUR_NAMES[moves[0][0]] if moves else ("white" if black and not white else "black")
    domain = make(
        size=size,
        komi=komi,
        black_stones=sorted(_to_action(p, size) for p in black),
        white_stones=sorted(_to_action(p, size) for p in white),
        first_player=first,
        **rules,
    )
    actions = _check_moves(domain, moves, name)
    info = {
        "size": size,
        "komi": komi,
        "handicap": game.get_handicap(),
        "black_stones": [action_to_vertex(a, size) for a in domain.rules.black_stones],  # type: ignore[union-attr]
        "white_stones": [action_to_vertex(a, size) for a in domain.rules.white_stones],  # type: ignore[union-attr]
        "first_player": first,
        "result": _text(root, "RE"),
        "black_player": _text(root, "PB"),
        "white_player": _text(root, "PW"),
        "ruleset": _text(root, "RU"),
    }
    return domain, actions, info


def _numbered(game: Any) -> list[tuple[int, Any]]:
    return list(enumerate(game.get_main_sequence()[1:], start=1))


def _node_move(node: Any, number: int, size: int, name: str) -> tuple[Any, Any]:
    """sgfmill's (colour, point) of a node; CorruptFileError naming the node and value."""
    try:
        return node.get_move()  # type: ignore[no-any-return]
    except ValueError:
        prop = "B" if node.has_property("B") else "W"
        raw = node.get_raw(prop).decode("utf-8", "replace")
        raise CorruptFileError(
            f"{name}: node {number}: {prop}[{raw}] is not a point of a {size}x{size} board"
        ) from None


def _text(node: Any, identifier: str) -> str | None:
    return str(node.get(identifier)) if node.has_property(identifier) else None


def _check_moves(
    domain: GoDomain, moves: Sequence[tuple[str, tuple[int, int] | None]], name: str
) -> list[int]:
    """Replay the moves in the engine; raise DistillError at the first bad one."""
    size = domain.size
    position = Position(domain)
    actions = []
    for number, (colour, point) in enumerate(moves, start=1):
        action = _to_action(point, size)
        expected = "b" if position.to_play == 0 else "w"
        where = f"{name}: move {number} ({COLOUR_NAMES[colour]} {action_to_vertex(action, size)})"
        if colour != expected:
            raise DistillError(f"{where}: {COLOUR_NAMES[expected]} was to play")
        try:
            position.play(action)
        except IllegalActionError as exc:
            raise DistillError(f"{where} is illegal: {exc}") from None
        actions.append(action)
    return actions


def result_string(position: Position) -> str | None:
    """SGF ``RE`` of a finished game from its Tromp-Taylor score (``B+2.5``, ``W+0.5``, ``0``)."""
    if not position.is_over:
        return None
    score = tromp_taylor_score(position.store[0])
    if score == 0:
        return "0"
    return f"B+{score:g}" if score > 0 else f"W+{-score:g}"


def write_sgf(
    domain: GoDomain,
    actions: Sequence[int],
    *,
    result: str | None = None,
    players: tuple[str, str] | None = None,
    path: str | os.PathLike[str] | None = None,
) -> bytes:
    """Serialise a game (setup stones from `domain`, then `actions`) as SGF bytes.

    The actions are replayed first (an illegal one raises DistillError naming it).
    result: SGF ``RE``; None uses the Tromp-Taylor result when the game is over.
    players: (black name, white name). With `path`, the file is written atomically.
    """
    rules = domain.rules
    if rules is None:
        raise DistillError("write_sgf needs a Go domain made by distill.make('go', ...)")
    size = rules.size
    position = Position(domain)
    for number, action in enumerate(actions, start=1):
        try:
            position.play(int(action))
        except IllegalActionError as exc:
            raise DistillError(f"write_sgf: move {number} is illegal: {exc}") from None
    game = sgf.Sgf_game(size=size)
    root = game.get_root()
    root.set("KM", rules.komi)
    root.set("RU", "Tromp-Taylor")
    if rules.black_stones or rules.white_stones:
        root.set_setup_stones(
            [_to_point(a, size) for a in rules.black_stones],
            [_to_point(a, size) for a in rules.white_stones],
        )
        if rules.black_stones and not rules.white_stones and len(rules.black_stones) >= 2:
            root.set("HA", len(rules.black_stones))
    if players is not None:
        root.set("PB", players[0])
        root.set("PW", players[1])
    final = result if result is not None else result_string(position)
    if final is not None:
        root.set("RE", final)
    colour = 0 if rules.first_player == "black" else 1
    for action in actions:
        game.extend_main_sequence().set_move("bw"[colour], _to_point(int(action), size))
        colour = 1 - colour
    data: bytes = game.serialise()
    if path is not None:
        atomic_write(Path(path), data)
    return data
