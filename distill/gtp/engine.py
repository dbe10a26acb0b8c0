"""A GTP version 2 engine over the Go domain: any `distill.arena.players.Player` behind it.

``distill gtp`` runs `GtpEngine.run` on stdin/stdout, so GUIs (Sabaki, Lizzie) and
referees (``distill match``, gogui-twogtp) can drive distill players.

Commands: the GTP 2 core (``protocol_version name version known_command
list_commands quit boardsize clear_board komi play genmove undo showboard
final_score time_settings time_left``), the GNU Go extensions tools rely on
(``is_legal all_legal list_stones loadsgf printsgf``), KGS's ``kgs-time_settings``
and, when the player can analyse (`distill.arena.players.SearchPlayer`), the Leela
Zero / KataGo analysis commands ``lz-analyze``, ``kata-analyze``,
``lz-genmove_analyze`` and ``kata-genmove_analyze`` (see `distill.gtp.analysis`).

Time: ``time_settings``, ``kgs-time_settings`` and ``time_left`` set the game clock
(`distill.gtp.timecontrol.Clock`); ``genmove`` then gives a player that can search
for a time budget (one with a ``seconds_per_move`` attribute, such as
`SearchPlayer`) the clock's budget for that move, and books the time it took.
Other players ignore the clock.

Rules are the domain's: Tromp-Taylor area scoring, positional superko by default,
suicide illegal, two passes end the game (a ``play`` after that is refused as
illegal; ``undo`` or ``clear_board`` continue).

Playing out of turn: GTP lets a controller send ``play``/``genmove`` for either
colour. Our positions always alternate, so when the colour is not the one to move
the engine first records a **pass** for the side to move (a setup move, as
``showboard``/``printsgf`` then show). That pass is refused when it would end
the game (the previous move was a pass): the reply is
``? cannot play twice in a row for one colour right after a pass``.

Malformed or unknown commands get a ``?`` reply and the engine keeps running.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from distill.arena.players import RESIGN, Player, genmove
from distill.domain import Position
from distill.domains.go import (
    GoDomain,
    action_to_vertex,
    board_array,
    make,
    replay,
    tromp_taylor_score,
    vertex_to_action,
)
from distill.domains.go.layout import MAX_SIZE, MIN_SIZE
from distill.errors import DistillError
from distill.fileio import atomic_write
from distill.gtp.protocol import (
    Command,
    GtpError,
    colour_name,
    expect_args,
    parse_colour,
    parse_float,
    parse_int,
)
from distill.gtp.timecontrol import Clock, kgs_clock

#: Builds the player for a domain (called again when the board size or komi changes).
PlayerFactory = Callable[[GoDomain], Player]


def can_analyse(player: Player) -> bool:
    """Whether `player` answers the analysis commands (a `SearchPlayer`'s interface)."""
    return hasattr(player, "search_timed") and hasattr(player, "analysis_of")


CORE_COMMANDS = (
    "protocol_version",
    "name",
    "version",
    "known_command",
    "list_commands",
    "quit",
    "boardsize",
    "clear_board",
    "komi",
    "play",
    "genmove",
    "undo",
    "showboard",
    "final_score",
    "time_settings",
    "time_left",
)
EXTENSION_COMMANDS = ("is_legal", "all_legal", "list_stones", "loadsgf", "printsgf")
#: Extensions whose names are not Python identifiers: command -> handler method.
DASHED_COMMANDS = {"kgs-time_settings": "cmd_kgs_time_settings"}
ANALYSIS_COMMANDS = ("lz-analyze", "kata-analyze")
GENMOVE_ANALYZE_COMMANDS = ("lz-genmove_analyze", "kata-genmove_analyze")


class GtpEngine:
    """The game state and command handlers of one GTP session.

    Args:
        player_factory: builds the move generator for a domain; called lazily and again
            whenever ``boardsize``/``komi``/``loadsgf`` change the domain (cached per domain).
        size, komi, superko, max_moves: the initial rules (`distill.domains.go.make`).
        name, version: what ``name`` and ``version`` answer.
        seed: seeds the session's rng, which the player consumes.

    `handle` answers one command (the streaming analysis commands are run by
    `distill.gtp.analysis.serve`, which drives this class).
    """

    def __init__(
        self,
        player_factory: PlayerFactory,
        *,
        size: int = 9,
        komi: float = 7.5,
        superko: str = "positional",
        max_moves: int | None = None,
        name: str = "distill",
        version: str | None = None,
        seed: int = 0,
    ) -> None:
        from distill import __version__

        #: the players' random stream (search noise, random moves), owned by the session
        self.rng = np.random.default_rng(seed)
        self.player_factory = player_factory
        self.superko = superko
        self.max_moves = max_moves
        self.engine_name = name
        self.engine_version = version or __version__
        self.domain = self._make_domain(size, komi)
        self.position = Position(self.domain)
        self.quit_requested = False
        #: the game clock (no time limit until the controller sets one)
        self.clock = Clock()
        self._players: dict[tuple[int, float], Player] = {}
        self._handlers: dict[str, Callable[[Command], str]] = {
            name: getattr(self, "cmd_" + name) for name in CORE_COMMANDS + EXTENSION_COMMANDS
        }
        for name, method in DASHED_COMMANDS.items():
            self._handlers[name] = getattr(self, method)

    # ------------------------------------------------------------------ plumbing

    def _make_domain(self, size: int, komi: float, **setup: Any) -> GoDomain:
        try:
            return make(
                size=size, komi=komi, superko=self.superko, max_moves=self.max_moves, **setup
            )
        except DistillError as exc:
            raise GtpError(str(exc)) from None

    @property
    def size(self) -> int:
        return self.domain.size

    @property
    def player(self) -> Player:
        """The player for the current domain (built on first use, then cached)."""
        rules = self.domain.rules
        assert rules is not None
        key = (rules.size, rules.komi)
        if key not in self._players:
            player = self.player_factory(self.domain)
            warm_up = getattr(player, "warm_up", None)
            if callable(warm_up):  # now, not in the first timed genmove
                warm_up(Position(self.domain))
            self._players[key] = player
        return self._players[key]

    def close(self) -> None:
        """Close every player built during the session."""
        for player in self._players.values():
            player.close()
        self._players.clear()

    def commands(self) -> list[str]:
        """Known commands; the analysis ones only when the player can analyse."""
        names = [*CORE_COMMANDS, *EXTENSION_COMMANDS, *DASHED_COMMANDS]
        if can_analyse(self.player):
            names += [*ANALYSIS_COMMANDS, *GENMOVE_ANALYZE_COMMANDS]
        return names

    def handle(self, command: Command) -> str:
        """The result text of one (non-streaming) command; raises GtpError for ``?``."""
        handler = self._handlers.get(command.name)
        if handler is None:
            if not command.name:
                raise GtpError("missing command name")
            raise GtpError("unknown command")
        return handler(command)

    def vertex(self, text: str) -> int:
        """Action of a GTP vertex on the current board (GtpError if it is not one)."""
        try:
            return vertex_to_action(text, self.size)
        except DistillError:
            raise GtpError(f"invalid vertex {text!r}") from None

    @contextlib.contextmanager
    def thinking(self, colour: int) -> Iterator[float | None]:
        """Around a move search of `colour`: gives a timed player the clock's budget for
        the move (yields it; None without a time limit), then books the time it took."""
        player = self.player
        plies, points = len(self.position.history), self.size * self.size
        budget = self.clock.budget(colour, plies, points)
        timed = budget is not None and hasattr(player, "seconds_per_move")
        saved = getattr(player, "seconds_per_move", None)
        if timed:
            player.seconds_per_move = budget  # type: ignore[attr-defined]
        start = time.perf_counter()
        try:
            yield budget
        finally:
            if timed:
                player.seconds_per_move = saved  # type: ignore[attr-defined]
            self.clock.spend(colour, time.perf_counter() - start)

    def play_generated(self, position: Position, action: int) -> str:
        """Play a generated move (`RESIGN` allowed) on `position` (the position to move
        from, see `ready_for`); returns the vertex, ``pass`` or ``resign``."""
        if action == RESIGN:
            return "resign"
        if not 0 <= action < self.domain.num_actions or not position.legal_mask()[action]:
            raise GtpError(f"player {self.player.name} chose an illegal move ({action})")
        self.position = position.play(action)
        return action_to_vertex(action, self.size)

    def _new_game(self, domain: GoDomain, actions: list[int] | None = None) -> None:
        self.domain = domain
        self.position = replay(domain, actions or [])

    def ready_for(self, colour: int) -> Position:
        """The position with `colour` to move (a pass for the other side is played if needed)."""
        position = self.position
        if position.to_play == colour or position.is_over:
            return position
        if position.history and position.history[-1] == self.size * self.size:
            raise GtpError("cannot play twice in a row for one colour right after a pass")
        return position.clone().play(self.size * self.size)

    # ------------------------------------------------------------------ core commands

    def cmd_protocol_version(self, command: Command) -> str:
        return "2"

    def cmd_name(self, command: Command) -> str:
        return self.engine_name

    def cmd_version(self, command: Command) -> str:
        return self.engine_version

    def cmd_known_command(self, command: Command) -> str:
        expect_args(command, 1)
        return "true" if command.args[0].lower() in self.commands() else "false"

    def cmd_list_commands(self, command: Command) -> str:
        return "\n".join(self.commands())

    def cmd_quit(self, command: Command) -> str:
        self.quit_requested = True
        return ""

    def cmd_boardsize(self, command: Command) -> str:
        """A new empty board; refused (``unacceptable size``) when the player cannot play
        on it (a trained network of another board size), keeping the old board."""
        expect_args(command, 1)
        size = parse_int(command.args[0], "board size")
        if not MIN_SIZE <= size <= MAX_SIZE:
            raise GtpError(f"unacceptable size (supported: {MIN_SIZE}..{MAX_SIZE})")
        old_domain, old_position = self.domain, self.position
        self._new_game(self._make_domain(size, self.domain.rules.komi))  # type: ignore[union-attr]
        try:
            self.player  # noqa: B018 -- built now, so a player that cannot play here says so
        except DistillError as exc:
            self.domain, self.position = old_domain, old_position
            raise GtpError(f"unacceptable size ({exc})") from None
        return ""

    def cmd_clear_board(self, command: Command) -> str:
        self._new_game(self.domain)
        self.player.reset()
        self.clock.restart()
        return ""

    def cmd_komi(self, command: Command) -> str:
        expect_args(command, 1)
        komi = parse_float(command.args[0], "komi")
        rules = self.domain.rules
        assert rules is not None
        domain = self._make_domain(
            rules.size,
            komi,
            black_stones=rules.black_stones,
            white_stones=rules.white_stones,
            first_player=rules.first_player,
        )
        try:
            self._new_game(domain, list(self.position.history))
        except DistillError as exc:  # cannot happen for the same board; keep the old game
            raise GtpError(f"komi change failed: {exc}") from None
        return ""

    def cmd_play(self, command: Command) -> str:
        expect_args(command, 2)
        colour = parse_colour(command.args[0])
        action = self.vertex(command.args[1])
        position = self.ready_for(colour)
        if position.is_over or not position.legal_mask()[action]:
            raise GtpError("illegal move")
        self.position = position.play(action)  # `position` may be a clone with a pass added
        return ""

    def cmd_genmove(self, command: Command) -> str:
        expect_args(command, 1)
        colour = parse_colour(command.args[0])
        position = self.ready_for(colour)
        if position.is_over:
            return "pass"
        with self.thinking(colour):
            action = genmove(self.player, position.clone(), self.rng)
        return self.play_generated(position, action)

    def cmd_undo(self, command: Command) -> str:
        if not self.position.history:
            raise GtpError("cannot undo")
        self._new_game(self.domain, self.position.history[:-1])
        return ""

    def cmd_showboard(self, command: Command) -> str:
        return "\n" + str(self.position)

    def cmd_final_score(self, command: Command) -> str:
        score = tromp_taylor_score(self.position.store[0])
        if score == 0:
            return "0"
        return f"B+{score:g}" if score > 0 else f"W+{-score:g}"

    def cmd_time_settings(self, command: Command) -> str:
        """``time_settings MAIN BYO STONES``: the game clock (`Clock.from_gtp`)."""
        expect_args(command, 3)
        main = parse_float(command.args[0], "main time")
        byo_yomi = parse_float(command.args[1], "byo yomi time")
        stones = parse_int(command.args[2], "byo yomi stones")
        if main < 0 or byo_yomi < 0 or stones < 0:
            raise GtpError("time settings must not be negative")
        self.clock = Clock.from_gtp(main, byo_yomi, stones)
        return ""

    def cmd_kgs_time_settings(self, command: Command) -> str:
        """``kgs-time_settings none | absolute MAIN | canadian MAIN BYO STONES |
        byoyomi MAIN PERIOD PERIODS`` (KGS's extension, Japanese byo-yomi included)."""
        try:
            self.clock = kgs_clock(list(command.args))
        except ValueError as exc:
            raise GtpError(str(exc)) from None
        return ""

    def cmd_time_left(self, command: Command) -> str:
        """``time_left COLOUR SECONDS STONES``: the controller's view of a clock (an
        overrun, negative time, counts as none left)."""
        expect_args(command, 3)
        colour = parse_colour(command.args[0])
        seconds = parse_float(command.args[1], "time")
        stones = parse_int(command.args[2], "stones")
        self.clock.set_left(colour, seconds, stones)
        return ""

    # ------------------------------------------------------------------ GNU Go extensions

    def cmd_is_legal(self, command: Command) -> str:
        expect_args(command, 2)
        colour = parse_colour(command.args[0])
        action = self.vertex(command.args[1])
        try:
            position = self.ready_for(colour)
        except GtpError:
            return "0"
        return "1" if not position.is_over and position.legal_mask()[action] else "0"

    def cmd_all_legal(self, command: Command) -> str:
        """Legal board points for the colour, as GNU Go lists them (pass not included)."""
        expect_args(command, 1)
        colour = parse_colour(command.args[0])
        try:
            position = self.ready_for(colour)
        except GtpError:
            return ""
        points = [a for a in position.legal_actions() if a < self.size * self.size]
        return " ".join(action_to_vertex(a, self.size) for a in points)

    def cmd_list_stones(self, command: Command) -> str:
        expect_args(command, 1)
        colour = parse_colour(command.args[0])
        flat = board_array(self.position.store[0]).reshape(-1)
        points = [a for a in range(flat.size) if flat[a] == colour + 1]
        return " ".join(action_to_vertex(a, self.size) for a in points)

    def cmd_loadsgf(self, command: Command) -> str:
        """``loadsgf FILE [MOVE]``: the game in FILE up to (not including) move number MOVE.

        Answers the colour to move, as GNU Go does.
        """
        expect_args(command, 1, 2)
        from distill.domains.go.sgf import load_sgf

        try:
            domain, actions, _ = load_sgf(
                Path(command.args[0]), superko=self.superko, max_moves=self.max_moves
            )
        except (DistillError, OSError) as exc:
            raise GtpError(f"cannot load {command.args[0]!r}: {exc}") from None
        if len(command.args) == 2:
            move_number = parse_int(command.args[1], "move number")
            if move_number < 1:
                raise GtpError("move number must be >= 1")
            actions = actions[: move_number - 1]
        try:
            self._new_game(domain, list(actions))
        except DistillError as exc:
            raise GtpError(f"cannot load {command.args[0]!r}: {exc}") from None
        self.player.reset()
        return colour_name(self.position.to_play)

    def cmd_printsgf(self, command: Command) -> str:
        """``printsgf [FILE]``: the game as SGF, in the reply or written to FILE."""
        expect_args(command, 0, 1)
        from distill.domains.go.sgf import write_sgf

        data = write_sgf(self.domain, list(self.position.history))
        if not command.args:
            return data.decode("utf-8")
        try:
            atomic_write(Path(command.args[0]), data, make_parents=False)
        except OSError as exc:
            raise GtpError(f"cannot write {command.args[0]!r}: {exc.strerror}") from None
        return ""
