"""External GTP engines (GNU Go, KataGo, another ``distill gtp``...) as players.

They follow the `distill.arena.players.Player` protocol.

A `GtpPlayer` follows one game at a time (``max_batch = 1``) and keeps the
engine's board in step with the `Position` it is asked about: before each
``genmove`` it sends only the moves played since its last call, or
``clear_board`` and the whole game when the history diverged (a new game, an
undo). Board size and komi are (re)sent whenever they change. The engine's reply
is parsed into an action but **not** checked for legality here: the match
runner (`distill.arena.match`) checks it in our engine, so that an illegal move
forfeits with a note instead of being silently corrected.

Spec strings (`distill.arena.specs.make_player`)::

    gnugo                 GNU Go at level 0, Chinese (area) rules, positional superko,
                          capturing dead stones before passing
    gnugo:level=5         any level 0..10
    gnugo:capture=0       without --capture-all-dead (see `gnugo_from_spec`)
    gtp:/path/to/engine --its --arguments      (shell-style quoting allowed)
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from distill.arena.players import RESIGN, Player
from distill.arena.specs import parse_options, reject_unknown, take_int
from distill.domain import Domain, Position
from distill.domains.go import GoDomain, action_to_vertex, size_of, vertex_to_action
from distill.errors import ConfigError, DistillError
from distill.gtp.client import GNUGO, GtpClient, gnugo_argv

COLOUR_LETTERS = "BW"


class EngineMoveError(DistillError):
    """An engine answered ``genmove`` with text that is not a vertex of the board."""


class GtpPlayer:
    """A GTP engine subprocess driven as a player (one game at a time).

    Args:
        argv: the engine's command line.
        name: display name (default: the program's file name).
        timeout: seconds to wait for any one reply (genmove included).
    """

    def __init__(
        self, argv: Sequence[str], *, name: str | None = None, timeout: float = 60.0
    ) -> None:
        if not argv:
            raise ConfigError("gtp player: empty engine command line")
        self.argv = list(argv)
        self.name = name or Path(self.argv[0]).name
        self.timeout = timeout
        self._client: GtpClient | None = None
        self._rules: tuple[int, float] | None = None
        self._sent: list[int] = []  # actions the engine's board holds, in order
        self.max_batch = 1

    @property
    def client(self) -> GtpClient:
        """The running engine (started on first use)."""
        if self._client is None:
            self._client = GtpClient(self.argv, timeout=self.timeout)
        return self._client

    def send(self, command: str) -> str:
        """Send one raw GTP command and return the reply text (GtpError on ``?``)."""
        return self.client.send(command)

    def check_ready(self) -> None:
        """Start the engine and ask ``protocol_version``: GtpError if it cannot answer, so a
        referee fails at once instead of recording a forfeit for every game."""
        self.send("protocol_version")

    def select(self, positions: Sequence[Position], rng: np.random.Generator) -> np.ndarray:
        """The engine's move (unchecked) or `RESIGN` for each position, one after another."""
        return np.array([self.genmove(p) for p in positions], dtype=np.int64)

    def genmove(self, position: Position) -> int:
        """The engine's move for the side to move: an action (unchecked) or `RESIGN`."""
        size = self._sync(position)
        colour = COLOUR_LETTERS[position.to_play]
        reply = self.client.send(f"genmove {colour}").strip()
        if reply.lower() == "resign":
            return RESIGN
        try:
            action = vertex_to_action(reply, size)
        except DistillError:
            raise EngineMoveError(
                f"{self.name} answered genmove {colour} with {reply!r}, not a vertex of the "
                f"{size}x{size} board"
            ) from None
        self._sent.append(action)
        return action

    def reset(self) -> None:
        """The next genmove starts from ``clear_board``."""
        self._sent = []
        self._rules = None

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _sync(self, position: Position) -> int:
        """Bring the engine's board to `position`; returns the board size."""
        domain = position.domain
        state = position.store[0]
        size = size_of(state)
        rules = getattr(domain, "rules", None)
        if not isinstance(domain, GoDomain) or rules is None:
            raise ConfigError(f"gtp player {self.name}: needs a Go position, got {domain.name!r}")
        if rules.black_stones or rules.white_stones:
            raise ConfigError(
                f"gtp player {self.name}: positions with setup stones are not "
                "supported (play them as moves instead)"
            )
        history = list(position.history)
        if self._rules != (size, rules.komi) or history[: len(self._sent)] != self._sent:
            if self._rules is None or self._rules[0] != size:
                self.client.send(f"boardsize {size}")
            self.client.send("clear_board")
            self.client.send(f"komi {rules.komi:g}")
            self._rules, self._sent = (size, rules.komi), []
        first = 0 if rules.first_player == "black" else 1
        for number in range(len(self._sent), len(history)):
            colour = COLOUR_LETTERS[(first + number) % 2]
            self.client.send(f"play {colour} {action_to_vertex(history[number], size)}")
            self._sent.append(history[number])
        return size


def gnugo_from_spec(domain: Domain, *, spec: str, rest: str) -> Player:
    """``gnugo[:level=N,capture=1]``: GNU Go under area rules with positional superko.

    ``capture=1`` (default) adds ``--capture-all-dead``: GNU Go removes dead stones before
    it passes, as Tromp-Taylor servers such as CGOS require. Without it GNU Go passes
    with dead stones on the board and keeps passing while the opponent plays inside its
    territory; Tromp-Taylor then counts those uncaptured stones, so an opponent can win
    games it lost on the board. Size and komi come from `domain` (re-sent per game).
    """
    options = parse_options(rest, spec)
    level = take_int(options, "level", 0, spec)
    capture = take_int(options, "capture", 1, spec)
    reject_unknown(options, spec, "level, capture")
    if not 0 <= level <= 10:
        raise ConfigError(f"player spec {spec!r}: GNU Go level must be 0..10, got {level}")
    if not Path(GNUGO).exists():
        raise ConfigError(
            f"player spec {spec!r}: GNU Go is not installed at {GNUGO} (apt-get install gnugo)"
        )
    rules = getattr(domain, "rules", None)
    size, komi = (rules.size, rules.komi) if rules is not None else (9, 7.5)
    argv = gnugo_argv(size, komi, level=level) + (["--capture-all-dead"] if capture else [])
    return GtpPlayer(argv, name=f"gnugo-l{level}")


def gtp_from_spec(domain: Domain, *, spec: str, rest: str) -> Player:
    """``gtp:COMMAND LINE``: any GTP engine (the command line is split shell-style)."""
    try:
        argv = shlex.split(rest)
    except ValueError as exc:
        raise ConfigError(f"player spec {spec!r}: cannot split the command line: {exc}") from None
    if not argv:
        raise ConfigError(f"player spec {spec!r}: no engine command after 'gtp:'")
    return GtpPlayer(argv)


__all__ = ["EngineMoveError", "GtpPlayer", "gnugo_from_spec", "gtp_from_spec"]
