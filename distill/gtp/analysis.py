"""The GTP session loop, with Leela Zero / KataGo streaming analysis.

`serve(engine, inp, out)` reads commands from `inp` on a background thread (so
analysis can notice a new command while it searches) and writes replies to `out`.

Analysis commands (as Sabaki and Lizzie send them)::

    lz-analyze   [colour] [interval] [interval N] [maxmoves N] ...
    kata-analyze [colour] [interval] [interval N] [maxmoves N] ...

``interval`` is in centiseconds between updates (default 100); unknown
``key value`` options (``minmoves``, ``ownership``, ...) are accepted and ignored.
The reply opens with ``=`` and then streams one line per update until the next
command arrives (or the input ends), then ends with an empty line, as Leela Zero
does. Each line lists the searched moves, most visited first::

    lz-analyze:   info move D4 visits 40 winrate 5625 prior 1235 lcb 5012 order 0 pv D4 ...
    kata-analyze: info move D4 visits 40 utility 0.125 winrate 0.5625 prior 0.1235 ...

Winrates are for the side to move (Leela Zero: integer 0..10000; KataGo: 0..1),
from the search's mean value q as (q + 1) / 2; ``utility`` is q itself. ``lcb`` is
the normal-approximation lower bound winrate - 1.96·sqrt(w(1-w)/visits) (Leela
Zero's LCB uses a Student-t quantile instead; with no per-move variance here the
binomial one is the honest choice). Each update is one more search of the player's
simulation budget, pooled with the earlier ones (root parallelization, Chaslot
et al. 2008, "Parallel Monte-Carlo Tree Search"), up to `MAX_ANALYSIS_VISITS`.
"""

from __future__ import annotations

import math
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from distill.arena.players import Analysis
from distill.domain import Position
from distill.domains.go import action_to_vertex
from distill.errors import DistillError
from distill.gtp.engine import ANALYSIS_COMMANDS, GtpEngine
from distill.gtp.protocol import COLOURS, Command, GtpError, format_reply, parse_command

#: Pooled visits after which analysis stops searching and just waits for the next command.
MAX_ANALYSIS_VISITS = 200_000
DEFAULT_INTERVAL_CS = 100
LCB_Z = 1.96


@dataclass(frozen=True)
class AnalyzeRequest:
    """Parsed arguments of an analysis command.

    Attributes:
        colour: the side to analyse for (0 black, 1 white), None for the side to move.
        interval: seconds between updates.
        max_moves: most moves listed per update (None: every searched move).
    """

    colour: int | None
    interval: float
    max_moves: int | None


def parse_request(command: Command) -> AnalyzeRequest:
    """AnalyzeRequest from ``[colour] [interval] [key value]...`` (GtpError when malformed)."""
    args = list(command.args)
    colour = COLOURS.get(args[0].lower()) if args else None
    if colour is not None:
        args.pop(0)
    interval_cs, max_moves = DEFAULT_INTERVAL_CS, None
    if args and args[0].isdigit():
        interval_cs = int(args.pop(0))
    while args:
        key = args.pop(0).lower()
        if not args:
            raise GtpError(f"{command.name}: option {key!r} has no value")
        value = args.pop(0)
        if key in ("interval", "maxmoves"):
            if not value.isdigit():
                raise GtpError(f"{command.name}: {key} must be a non-negative integer")
            if key == "interval":
                interval_cs = int(value)
            else:
                max_moves = int(value)
    return AnalyzeRequest(colour, min(interval_cs, 360_000) / 100.0, max_moves)


def pool(total: Analysis | None, new: Analysis) -> Analysis:
    """Merge two independent searches of one position: visits add, values are visit-weighted."""
    if total is None:
        return new
    visits = total.visits + new.visits
    weighted = total.q_values * total.visits + new.q_values * new.visits
    q_values = np.where(visits > 0, weighted / np.maximum(visits, 1), 0.0).astype(np.float32)
    old_n, new_n = int(total.visits.sum()), int(new.visits.sum())
    root = (total.root_value * old_n + new.root_value * new_n) / max(old_n + new_n, 1)
    return Analysis(visits, q_values, new.prior, float(root), {**total.pv, **new.pv})


def format_info(analysis: Analysis, size: int, *, kata: bool, max_moves: int | None) -> str:
    """One update line: ``info move ... pv ...`` for every visited move, most visited first."""
    visited = np.flatnonzero(analysis.visits > 0)
    order = sorted(visited, key=lambda a: (-int(analysis.visits[a]), -float(analysis.q_values[a])))
    if max_moves:
        order = order[:max_moves]
    parts = []
    for rank, action in enumerate(order):
        visits = int(analysis.visits[action])
        q = float(analysis.q_values[action])
        winrate = (q + 1.0) / 2.0
        lcb = max(0.0, winrate - LCB_Z * math.sqrt(winrate * (1.0 - winrate) / visits))
        prior = float(analysis.prior[action])
        line = analysis.pv.get(int(action), [int(action)])
        pv = " ".join(action_to_vertex(a, size) for a in line)
        move = action_to_vertex(int(action), size)
        if kata:
            stats = (
                f"visits {visits} utility {q:.6f} winrate {winrate:.6f} "
                f"prior {prior:.6f} lcb {lcb:.6f}"
            )
        else:
            stats = (
                f"visits {visits} winrate {round(winrate * 10000)} "
                f"prior {round(prior * 10000)} lcb {round(lcb * 10000)}"
            )
        parts.append(f"info move {move} {stats} order {rank} pv {pv}")
    return " ".join(parts)


def run_analysis(
    engine: GtpEngine, command: Command, write: Callable[[str], None], pending: Callable[[], bool]
) -> None:
    """Stream analysis updates until `pending()` (a new command or end of input).

    The ``=`` line is written first; errors found before it raise GtpError instead.
    At least one update is written when the position has a legal move.
    """
    request = parse_request(command)
    position = engine.position if request.colour is None else engine.ready_for(request.colour)
    player = engine.player
    analyze = getattr(player, "analyze", None)
    if analyze is None:
        raise GtpError(f"player {player.name} cannot analyse")
    write(f"={command.id}\n")
    try:
        _stream(
            engine, command, request, position, lambda p: analyze(p, engine.rng), write, pending
        )
    except Exception:  # the '=' is out: end the reply cleanly, report on stderr
        traceback.print_exc(file=sys.stderr)
    write("\n")


def _stream(
    engine: GtpEngine,
    command: Command,
    request: AnalyzeRequest,
    position: Position,
    analyze: Callable[[Position], Analysis],
    write: Callable[[str], None],
    pending: Callable[[], bool],
) -> None:
    total: Analysis | None = None
    while True:
        searched = total is not None and int(total.visits.sum()) >= MAX_ANALYSIS_VISITS
        if not position.is_over and not searched:
            total = pool(total, analyze(position))
            line = format_info(
                total,
                engine.size,
                kata=command.name.startswith("kata"),
                max_moves=request.max_moves,
            )
            write(line + "\n")
        deadline = time.monotonic() + request.interval
        while not pending() and (time.monotonic() < deadline or searched or position.is_over):
            time.sleep(0.01)
        if pending():
            return


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
        out.write(text)
        out.flush()

    try:
        while not engine.quit_requested:
            raw = lines.get()
            if raw is None:
                break
            command = parse_command(raw)
            if command is not None:
                _answer(engine, command, write, lambda: not lines.empty())
    finally:
        engine.close()
    return 0


def _answer(
    engine: GtpEngine, command: Command, write: Callable[[str], None], pending: Callable[[], bool]
) -> None:
    try:
        if command.name in ANALYSIS_COMMANDS:
            run_analysis(engine, command, write, pending)
            return
        write(format_reply(command.id, engine.handle(command), ok=True))
    except DistillError as exc:  # GtpError and the domain's own user errors
        write(format_reply(command.id, str(exc).replace("\n", " "), ok=False))
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        write(format_reply(command.id, f"internal error: {type(exc).__name__}: {exc}", ok=False))
