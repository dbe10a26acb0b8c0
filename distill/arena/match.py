"""The match runner: N games between two players, for the arena and for ``distill match``.

`play_match` keeps up to ``concurrency`` games in flight and asks each player to
move in all the games where it is to move with one `Player.select` call, so
in-process players (network, search) play every game of a match as one batch
while an external engine (``max_batch = 1``) plays them one after another.
Player A takes colour 0 in games 1, 3, 5, ... and colour 1 in games 2, 4, ...;
with `openings`, games 2k-1 and 2k both start after openings[k-1] (the same
opening with colours swapped, so deterministic players do not repeat one game).

Every move is checked in our rules before it is played: an illegal move, or a
player that fails (`DistillError`, e.g. an engine that crashed or timed out),
forfeits the game with a note saying which move and why; `RESIGN` gives it up.
A game ends when the domain says it is over, or at the move cap (then scored by
the domain's ``final_score`` where it offers one, else a draw). Each finished game
becomes a `GameRecord`; `distill.arena.results` writes and summarizes them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from distill.arena.players import RESIGN, Player, max_batch
from distill.domain import Domain, Position
from distill.errors import DistillError

#: How a game ended (`GameRecord.reason`).
END, MOVE_CAP, RESIGNED, ILLEGAL, ENGINE_ERROR = (
    "end",
    "move cap",
    "resign",
    "illegal move",
    "engine error",
)


@dataclass(frozen=True)
class GameRecord:
    """One finished game of a match.

    Attributes:
        number: 1-based game number in the match.
        players: labels of the players of colour 0 and colour 1 (Go: black, white).
        a_colour: the colour (0 or 1) player A had.
        outcome: the result for colour 0: +1 win, 0 draw, -1 loss.
        reason: `END`, `MOVE_CAP`, `RESIGNED`, `ILLEGAL` or `ENGINE_ERROR`.
        result: SGF-style result with the domain's player names: ``B+3.5``, ``W+R``
            (resignation), ``X+F`` (forfeit), ``O+`` (a win without a score), ``0`` (draw).
        moves: the actions played, opening included.
        opening: how many of `moves` were the given opening.
        score: the domain's final score for colour 0 (`Domain.final_score`), if offered.
        seconds: wall time of the game.
        note: why a game ended early (the forfeit's cause, who resigned).
        file: name of the saved game record ("" when not saved).
    """

    number: int
    players: tuple[str, str]
    a_colour: int
    outcome: float
    reason: str
    result: str
    moves: tuple[int, ...]
    opening: int = 0
    score: float | None = None
    seconds: float = 0.0
    note: str = ""
    file: str = ""

    @property
    def a_outcome(self) -> float:
        """The result for player A: +1 win, 0 draw, -1 loss."""
        return self.outcome if self.a_colour == 0 else -self.outcome


@dataclass
class MatchResult:
    """Results of player A against player B, from A's view."""

    a: str
    b: str
    records: list[GameRecord] = field(default_factory=list)

    @property
    def wins(self) -> int:
        return sum(r.a_outcome > 0 for r in self.records)

    @property
    def draws(self) -> int:
        return sum(r.a_outcome == 0 for r in self.records)

    @property
    def losses(self) -> int:
        return sum(r.a_outcome < 0 for r in self.records)

    @property
    def total(self) -> int:
        return len(self.records)

    @property
    def score(self) -> float:
        """A's mean score: 1 per win, 0.5 per draw."""
        return (self.wins + 0.5 * self.draws) / max(self.total, 1)


@dataclass
class _Game:
    """A game in flight."""

    number: int
    position: Position
    a_colour: int
    opening: int
    start: float


@dataclass(frozen=True)
class _Ending:
    winner: int | None  # colour, None = draw / scored
    reason: str
    note: str = ""


def play_match(
    domain: Domain,
    a: Player,
    b: Player,
    num_games: int,
    rng: np.random.Generator,
    *,
    openings: Sequence[Sequence[int]] | None = None,
    max_moves: int | None = None,
    labels: tuple[str, str] | None = None,
    on_game: Callable[[GameRecord], None] | None = None,
    numbers: Sequence[int] | None = None,
) -> MatchResult:
    """Play `num_games` games between A and B (see the module docstring).

    Args:
        openings: games 2k-1 and 2k start after openings[k-1] (cycled); None = from the
            initial position. Opening moves must be legal and must not end the game.
        max_moves: move cap in plies (default and upper bound: the domain's `max_moves`).
        labels: names of A and B in the records (default: the players' names).
        on_game: called with each finished game's record (progress, files).
        numbers: play only these game numbers (1-based, each <= `num_games`), with the
            colours and openings they have in the whole match (one process's share of a
            match spread over processes, `distill.gtp.ladder`); None = all of them.
    """
    label_a, label_b = labels or (a.name, b.name)
    result = MatchResult(label_a, label_b)
    cap = min(max_moves or domain.max_moves, domain.max_moves)
    todo = list(range(1, num_games + 1)) if numbers is None else list(numbers)
    if any(not 1 <= n <= num_games for n in todo):
        raise ValueError(f"game numbers must lie in 1..{num_games}, got {todo}")
    limits = [n for n in (max_batch(a), max_batch(b)) if n is not None]
    concurrency = max(1, min([len(todo), *limits]))
    in_flight: list[_Game] = []
    started = 0
    while in_flight or started < len(todo):
        while len(in_flight) < concurrency and started < len(todo):
            in_flight.append(_start(domain, todo[started], openings, (a, b)))
            started += 1
        for player, is_a in ((a, True), (b, False)):
            turn = [g for g in in_flight if (g.position.to_play == g.a_colour) == is_a]
            if not turn:
                continue
            for game, ending in zip(turn, _moves(player, turn, rng, cap), strict=True):
                if ending is None:
                    continue
                in_flight.remove(game)
                record = _record(domain, game, ending, (label_a, label_b))
                result.records.append(record)
                if on_game is not None:
                    on_game(record)
    result.records.sort(key=lambda r: r.number)
    return result


def _start(
    domain: Domain,
    number: int,
    openings: Sequence[Sequence[int]] | None,
    players: tuple[Player, Player],
) -> _Game:
    """Game `number` (1-based): reset both players and play its opening."""
    for player in players:
        player.reset()
    position = Position(domain)
    opening: Sequence[int] = openings[((number - 1) // 2) % len(openings)] if openings else ()
    position.play_all(list(opening))
    if position.is_over:
        raise DistillError(f"opening {domain.format_moves(list(opening))} ends the game")
    a_colour = 0 if number % 2 == 1 else 1
    return _Game(number, position, a_colour, len(opening), time.perf_counter())


def _moves(
    player: Player, games: list[_Game], rng: np.random.Generator, cap: int
) -> list[_Ending | None]:
    """Ask `player` for its move in every game of `games`, play the legal ones; returns
    per game how it ended (None = it goes on)."""
    number = [len(g.position.history) + 1 for g in games]
    try:
        actions = player.select([g.position for g in games], rng)
    except DistillError as exc:
        failed = f"{player.name} failed"
        return [
            _Ending(1 - g.position.to_play, ENGINE_ERROR, f"{failed} at move {n}: {exc}")
            for g, n in zip(games, number, strict=True)
        ]
    endings: list[_Ending | None] = []
    for game, action, n in zip(games, actions, number, strict=True):
        position, mover = game.position, game.position.to_play
        if int(action) == RESIGN:
            endings.append(_Ending(1 - mover, RESIGNED, f"{player.name} resigned at move {n}"))
            continue
        domain = position.domain
        if not 0 <= action < domain.num_actions or not position.legal_mask()[action]:
            shown = domain.format_action(int(action)) if 0 <= action < domain.num_actions else ""
            note = f"{player.name} played illegal move {shown or int(action)} at move {n}"
            endings.append(_Ending(1 - mover, ILLEGAL, note))
            continue
        position.play(int(action))
        if position.is_over:
            endings.append(_Ending(None, END))
        elif len(position.history) >= cap:
            endings.append(_Ending(None, MOVE_CAP))
        else:
            endings.append(None)
    return endings


def _record(domain: Domain, game: _Game, ending: _Ending, labels: tuple[str, str]) -> GameRecord:
    """The `GameRecord` of a finished game."""
    position = game.position
    score = None
    if domain.final_score is not None:
        score = float(domain.final_score(position.store[0]))
    if ending.winner is not None:
        outcome = 1.0 if ending.winner == 0 else -1.0
    elif ending.reason == END:
        value = position.value  # for the player to move at the end
        outcome = value if position.to_play == 0 else -value
    else:  # move cap: the domain's score decides where it has one
        outcome = float(np.sign(score)) if score is not None else 0.0
    players = labels if game.a_colour == 0 else (labels[1], labels[0])
    return GameRecord(
        number=game.number,
        players=players,
        a_colour=game.a_colour,
        outcome=float(outcome),
        reason=ending.reason,
        result=result_text(domain, outcome, ending.reason, score),
        moves=tuple(position.history),
        opening=game.opening,
        score=score,
        seconds=round(time.perf_counter() - game.start, 3),
        note=ending.note,
    )


def result_text(domain: Domain, outcome: float, reason: str, score: float | None) -> str:
    """SGF-style result (``RE``) of a game, with the domain's player names."""
    if outcome == 0:
        return "0"
    winner = domain.player_names[0 if outcome > 0 else 1]
    if reason == RESIGNED:
        return f"{winner}+R"
    if reason in (ILLEGAL, ENGINE_ERROR):
        return f"{winner}+F"
    return f"{winner}+{abs(score):g}" if score is not None else f"{winner}+"


def random_openings(
    domain: Domain, count: int, plies: int, rng: np.random.Generator
) -> list[list[int]]:
    """`count` openings of `plies` uniformly random moves that do not end the game."""
    openings: list[list[int]] = []
    while len(openings) < count:
        game = Position(domain)
        while len(game.history) < plies and not game.is_over:
            game.play(int(rng.choice(game.legal_actions())))
        if not game.is_over:
            openings.append(list(game.history))
    return openings


def replay_lines(domain: Domain, lines: Sequence[Sequence[int]]) -> list[Position]:
    """One `Position` per line of moves (each move checked)."""
    return [Position(domain).play_all(list(line)) for line in lines]


__all__ = [
    "END",
    "ENGINE_ERROR",
    "ILLEGAL",
    "MOVE_CAP",
    "RESIGNED",
    "GameRecord",
    "MatchResult",
    "play_match",
    "random_openings",
    "replay_lines",
    "result_text",
]
