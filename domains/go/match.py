"""A Go referee: N games between two players, scored by our engine, saved as SGF.

`play_game` asks the players for moves in turn and checks every move in our
engine before playing it: a move that is illegal there (occupied point, suicide,
positional superko) or an engine failure (crash, timeout, unparsable reply)
forfeits the game, with a note saying which move and why. A game ends by two
consecutive passes, by the move cap, or by resignation; finished games are
adjudicated by our Tromp-Taylor score (area + komi), so both players are judged
by one set of rules whatever their own scoring says.

`play_match` alternates colours (player A takes black in games 1, 3, 5, ...),
writes ``game-NNN.sgf`` per game, and ``results.csv`` (one row per game) and
``results.json`` (summary + games) into the output directory, every file
written atomically (temporary file + rename).
"""

from __future__ import annotations

import csv
import io
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from distill.domain import Position
from distill.domains.go import GoDomain, action_to_vertex, tromp_taylor_score
from distill.errors import DistillError
from distill.players import RESIGN, Player
from distill.run_dir import atomic_write

COLOURS = ("B", "W")


@dataclass(frozen=True)
class GameRecord:
    """One finished game.

    Attributes:
        number: 1-based game number in the match.
        black, white: the players' labels (their spec strings in a match).
        winner: "B", "W", or "" for a jigo (draw).
        result: SGF result, e.g. ``B+3.5``, ``W+R`` (resignation), ``B+F`` (forfeit), ``0``.
        reason: "score", "move cap", "resign", "illegal move" or "engine error".
        score: Tromp-Taylor black area - white area - komi of the final board.
        moves: actions played (passes included).
        seconds: wall time of the game.
        note: what happened when the game did not end by scoring (the forfeit's cause).
        sgf: file name of the SGF record ("" when not saved).
    """

    number: int
    black: str
    white: str
    winner: str
    result: str
    reason: str
    score: float
    moves: int
    seconds: float
    note: str = ""
    sgf: str = ""


@dataclass(frozen=True)
class _Ending:
    winner: str
    result: str
    reason: str
    note: str = ""


def _forfeit(loser: int, reason: str, note: str) -> _Ending:
    winner = COLOURS[1 - loser]
    return _Ending(winner, f"{winner}+F", reason, note)


def _next_move(position: Position, player: Player) -> tuple[int | None, _Ending | None]:
    """The checked move of `player`, or the ending its failure causes."""
    mover = position.to_play
    number = len(position.history) + 1
    try:
        action = player.genmove(position.clone())
    except DistillError as exc:
        return None, _forfeit(
            mover, "engine error", f"{player.name} failed at move {number}: {exc}"
        )
    if action == RESIGN:
        winner = COLOURS[1 - mover]
        return None, _Ending(winner, f"{winner}+R", "resign", f"{player.name} resigned")
    size = position.domain.board_shape[0]
    legal = 0 <= action < position.domain.num_actions and bool(position.legal_mask()[action])
    if not legal:
        shown = action_to_vertex(action, size) if 0 <= action <= size * size else str(action)
        why = "occupied or suicide or superko" if 0 <= action < size * size else "off the board"
        note = f"{player.name} played illegal move {shown} at move {number} ({why})"
        return None, _forfeit(mover, "illegal move", note)
    return action, None


def play_game(
    domain: GoDomain,
    black: Player,
    white: Player,
    *,
    on_move: Callable[[Position], None] | None = None,
) -> tuple[Position, _Ending]:
    """Play one game from the empty board; returns the final position and how it ended.

    Both players are `reset` first. `on_move(position)` is called after every move.
    """
    position = Position(domain)
    players = (black, white)
    for player in players:
        player.reset()
    while not position.is_over:
        action, ending = _next_move(position, players[position.to_play])
        if ending is not None:
            return position, ending
        assert action is not None
        position.play(action)
        if on_move is not None:
            on_move(position)
    score = tromp_taylor_score(position.store[0])
    reason = "move cap" if len(position.history) >= domain.max_moves else "score"
    if score == 0:
        return position, _Ending("", "0", reason)
    winner = "B" if score > 0 else "W"
    return position, _Ending(winner, f"{winner}+{abs(score):g}", reason)


def play_match(
    domain: GoDomain,
    player_a: Player,
    player_b: Player,
    *,
    games: int,
    out_dir: Path,
    labels: tuple[str, str] | None = None,
    on_game: Callable[[GameRecord], None] | None = None,
) -> list[GameRecord]:
    """Play `games` games, A black in odd-numbered games; save SGFs and results in `out_dir`.

    `labels` name the players in the records (default: their ``name``s).
    `on_game(record)` is called after each game (progress display).
    """
    from distill.domains.go.sgf import write_sgf

    out_dir.mkdir(parents=True, exist_ok=True)
    label_a, label_b = labels or (player_a.name, player_b.name)
    records: list[GameRecord] = []
    for number in range(1, games + 1):
        a_black = number % 2 == 1
        black, white = (player_a, player_b) if a_black else (player_b, player_a)
        names = (label_a, label_b) if a_black else (label_b, label_a)
        start = time.perf_counter()
        position, ending = play_game(domain, black, white)
        sgf_name = f"game-{number:03d}.sgf"
        data = write_sgf(domain, list(position.history), result=ending.result, players=names)
        atomic_write(out_dir / sgf_name, data)
        record = GameRecord(
            number=number,
            black=names[0],
            white=names[1],
            winner=ending.winner,
            result=ending.result,
            reason=ending.reason,
            score=tromp_taylor_score(position.store[0]),
            moves=len(position.history),
            seconds=round(time.perf_counter() - start, 3),
            note=ending.note,
            sgf=sgf_name,
        )
        records.append(record)
        write_results(out_dir, records, (label_a, label_b))
        if on_game is not None:
            on_game(record)
    return records


def summary(records: list[GameRecord], labels: tuple[str, str]) -> list[dict[str, object]]:
    """Per player: games, wins, draws, losses, wins as black/white, win rate and 95% interval.

    The interval is Wilson's score interval for a binomial proportion (draws count half).
    """
    rows: list[dict[str, object]] = []
    for label in labels:
        wins = sum(1 for r in records if r.winner and _winner_label(r) == label)
        draws = sum(1 for r in records if not r.winner)
        as_black = sum(1 for r in records if r.black == label and r.winner == "B")
        as_white = sum(1 for r in records if r.white == label and r.winner == "W")
        n = len(records)
        rate = (wins + 0.5 * draws) / n if n else 0.0
        low, high = wilson_interval(rate, n)
        rows.append(
            {
                "player": label,
                "games": n,
                "wins": wins,
                "draws": draws,
                "losses": n - wins - draws,
                "wins_as_black": as_black,
                "wins_as_white": as_white,
                "win_rate": round(rate, 4),
                "ci95_low": round(low, 4),
                "ci95_high": round(high, 4),
            }
        )
    return rows


def wilson_interval(rate: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927) of a proportion observed over n trials."""
    if n == 0:
        return 0.0, 1.0
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _winner_label(record: GameRecord) -> str:
    return record.black if record.winner == "B" else record.white


def write_results(out_dir: Path, records: list[GameRecord], labels: tuple[str, str]) -> None:
    """Write ``results.csv`` (one row per game) and ``results.json`` atomically."""
    buffer = io.StringIO()
    fields = list(GameRecord.__dataclass_fields__)
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow(asdict(record))
    atomic_write(out_dir / "results.csv", buffer.getvalue())
    payload = {
        "players": list(labels),
        "summary": summary(records, labels),
        "games": [asdict(r) for r in records],
    }
    atomic_write(out_dir / "results.json", json.dumps(payload, indent=2) + "\n")
