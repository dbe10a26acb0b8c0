"""The GTP session loop, with Leela Zero / KataGo streaming analysis.

`serve(engine, inp, out)` reads commands from `inp` on a background thread (so
analysis can notice a new command while it searches) and writes replies to `out`.

Analysis commands (as Sabaki and Lizzie send them)::

    lz-analyze   [colour] [interval] [interval N] [maxmoves N] ...
    kata-analyze [colour] [interval] [interval N] [maxmoves N] [ownership true] ...
    lz-genmove_analyze   [colour] [interval] ...
    kata-genmove_analyze [colour] [interval] ...

``interval`` is in centiseconds between updates (default 100); unknown ``key value``
options (``minmoves``, ``allow``, ...) are accepted and ignored. ``*-analyze`` answers
``=`` and then streams one ``info`` line per update (`distill.gtp.info`) until the next
command arrives, a bare newline included, or the input ends; then it ends the reply
with an empty line, as Leela Zero does. The search behind it grows one tree
(`SearchPlayer.search_timed`) until the next command or until the tree is full.
``*-genmove_analyze`` is ``genmove`` with the same updates while the move is searched
(for the clock's budget, else the player's simulations), then a ``play VERTEX`` line;
it is not interrupted by the next command.

A controller that goes away mid-reply (a GUI closed during an analysis: the write
fails with a broken pipe) ends the session as the end of input does: exit code 0, no
traceback, the rest of the reply dropped.
"""

from __future__ import annotations

import math
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from distill.domain import Position
from distill.errors import DistillError
from distill.gtp.engine import (
    ANALYSIS_COMMANDS,
    GENMOVE_ANALYZE_COMMANDS,
    GtpEngine,
    can_analyse,
)
from distill.gtp.info import NetExtras, format_info
from distill.gtp.protocol import COLOURS, Command, GtpError, format_reply, parse_command
from distill.search import SearchResult

DEFAULT_INTERVAL_CS = 100


class ControllerGone(BaseException):
    """The reply could not be written: the controller closed its end of the pipe.

    A BaseException on purpose: it must pass through the ``except Exception`` guards
    that keep a session alive after a handler's bug, up to `serve`, which ends quietly.
    """


@dataclass(frozen=True)
class AnalyzeRequest:
    """Parsed arguments of an analysis command.

    Attributes:
        colour: the side to analyse for (0 black, 1 white), None for the side to move.
        interval: seconds between updates.
        max_moves: most moves listed per update (None: every searched move).
        ownership: KataGo's ``ownership true``: append the ownership map.
    """

    colour: int | None
    interval: float
    max_moves: int | None
    ownership: bool = False


def parse_request(command: Command) -> AnalyzeRequest:
    """AnalyzeRequest from ``[colour] [interval] [key value]...`` (GtpError when malformed)."""
    args = list(command.args)
    colour = COLOURS.get(args[0].lower()) if args else None
    if colour is not None:
        args.pop(0)
    interval_cs, max_moves, ownership = DEFAULT_INTERVAL_CS, None, False
    if args and args[0].isdigit():
        interval_cs = int(args.pop(0))
    while args:
        key = args.pop(0).lower()
        if key not in ("interval", "maxmoves", "ownership"):
            continue  # options we do not implement (minmoves, allow, avoid, ...)
        if not args:
            raise GtpError(f"{command.name}: option {key!r} has no value")
        value = args.pop(0)
        if key == "ownership":
            if value.lower() not in ("true", "false"):
                raise GtpError(f"{command.name}: ownership must be true or false")
            ownership = value.lower() == "true"
        elif not value.isdigit():
            raise GtpError(f"{command.name}: {key} must be a non-negative integer")
        elif key == "interval":
            interval_cs = int(value)
        else:
            max_moves = int(value)
    return AnalyzeRequest(colour, min(interval_cs, 360_000) / 100.0, max_moves, ownership)


def _analysing_player(engine: GtpEngine) -> Any:
    player = engine.player
    if not can_analyse(player):
        raise GtpError(f"player {player.name} cannot analyse")
    return player


def _stream(
    engine: GtpEngine,
    command: Command,
    request: AnalyzeRequest,
    position: Position,
    write: Callable[[str], None],
    **search: Any,
) -> SearchResult:
    """Search `position` with `search_timed` (keyword arguments `search`), writing an
    ``info`` line about every request.interval seconds and at least one in all."""
    player = _analysing_player(engine)
    kata = command.name.startswith("kata")
    extras = NetExtras(player, position) if kata else None
    written = []

    def update(result: SearchResult) -> None:
        line = format_info(
            player.analysis_of(result),
            engine.size,
            kata=kata,
            max_moves=request.max_moves,
            extras=extras,
            ownership=request.ownership,
        )
        write(line + "\n")
        written.append(True)

    result: SearchResult = player.search_timed(
        [position], engine.rng, interval=request.interval, on_update=update, **search
    )
    if not written:
        update(result)
    return result


def run_analysis(
    engine: GtpEngine, command: Command, write: Callable[[str], None], pending: Callable[[], bool]
) -> None:
    """Stream analysis updates until `pending()` (a new command or end of input).

    The ``=`` line is written first; errors found before it raise GtpError instead.
    At least one update is written when the position has a legal move.
    """
    request = parse_request(command)
    position = engine.position if request.colour is None else engine.ready_for(request.colour)
    _analysing_player(engine)
    write(f"={command.id}\n")
    try:
        if not position.is_over:
            _stream(engine, command, request, position, write, seconds=math.inf, stop=pending)
        while not pending():  # the tree is full (or the game over): wait for the next command
            time.sleep(0.01)
    except Exception:  # the '=' is out: end the reply cleanly, report on stderr
        traceback.print_exc(file=sys.stderr)
    write("\n")


def run_genmove_analyze(engine: GtpEngine, command: Command, write: Callable[[str], None]) -> None:
    """``genmove`` with analysis updates, then ``play VERTEX`` (see the module docstring)."""
    request = parse_request(command)
    colour = engine.position.to_play if request.colour is None else request.colour
    position = engine.ready_for(colour)
    player = _analysing_player(engine)
    write(f"={command.id}\n")
    try:
        move = "pass"
        if not position.is_over:
            with engine.thinking(colour):
                seconds = player.seconds_per_move
                limits = (
                    {"seconds": seconds}
                    if seconds is not None
                    else {"seconds": math.inf, "simulations": player.simulations}
                )
                result = _stream(engine, command, request, position.clone(), write, **limits)
            move = engine.play_generated(position, int(player.moves(result)[0]))
        write(f"play {move}\n")
    except Exception:  # the '=' is out: end the reply cleanly, report on stderr
        traceback.print_exc(file=sys.stderr)
    write("\n")


def serve(engine: GtpEngine, inp: Iterable[str], out: TextIO) -> int:
    """Run a GTP session until ``quit`` or the end of `inp`; returns the exit code (0).

    No input can stop the engine: malformed commands get ``?`` replies, and an
    unexpected exception inside a handler is reported as ``? internal error: ...``
    (with its traceback on stderr) before the session continues.
    """
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for raw in inp:
            lines.put(raw)
        lines.put(None)

    threading.Thread(target=read, daemon=True, name="gtp-stdin").start()

    def write(text: str) -> None:
        try:
            out.write(text)
            out.flush()
        except (BrokenPipeError, ValueError) as exc:  # ValueError: `out` already closed
            raise ControllerGone from exc

    try:
        while not engine.quit_requested:
            raw = lines.get()
            if raw is None:
                break
            command = parse_command(raw)
            if command is not None:
                _answer(engine, command, write, lambda: not lines.empty())
    except ControllerGone:
        _discard_output(out)
    finally:
        engine.close()
    return 0


def _discard_output(out: TextIO) -> None:
    """Point `out`'s file descriptor at /dev/null, so that the interpreter's final flush
    of the unwritten rest does not report a second broken pipe; streams without one
    (test buffers) are left alone."""
    try:
        fd = out.fileno()
    except (OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)


def _answer(
    engine: GtpEngine, command: Command, write: Callable[[str], None], pending: Callable[[], bool]
) -> None:
    try:
        if command.name in ANALYSIS_COMMANDS:
            run_analysis(engine, command, write, pending)
            return
        if command.name in GENMOVE_ANALYZE_COMMANDS:
            run_genmove_analyze(engine, command, write)
            return
        write(format_reply(command.id, engine.handle(command), ok=True))
    except DistillError as exc:  # GtpError and the domain's own user errors
        write(format_reply(command.id, str(exc).replace("\n", " "), ok=False))
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        write(format_reply(command.id, f"internal error: {type(exc).__name__}: {exc}", ok=False))
