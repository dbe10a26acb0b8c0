"""The run's rating games and ratings on disk: ``arena/games.csv`` and ``arena/ratings.*``.

``games.csv`` holds every rating game of the run, one row each, tagged with the
generation whose arena played it. The ratings are refitted from the whole file
at every arena (`distill.arena.ratings.fit_ratings`), so each earlier game keeps
counting. Every write rewrites the file atomically; on ``--resume`` the outer
loop calls `GameLog.truncate` with the first generation that is not finished,
which drops the games of an arena that was killed before ``state.json``
recorded it. The redone arena then plays them again: nothing is lost, nothing
counted twice.

``ratings.csv`` / ``ratings.json`` hold the latest fit, one row per player of
the pool (`RatingRow`): what `distill report` plots and prints.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from distill.arena.ratings import PairResult, RatingFit
from distill.errors import CorruptFileError
from distill.fileio import TMP_SUFFIX, atomic_write

#: Why a game was played (`RatedGame.purpose`).
CALIBRATION, RATING = "calibration", "rating"


@dataclass(frozen=True)
class RatedGame:
    """One game between two players of the pool.

    Attributes:
        generation: 0-based generation whose arena played it.
        players: pool names of the players of colour 0 and colour 1.
        outcome: result for colour 0: +1 win, 0 draw, -1 loss.
        purpose: `CALIBRATION` (two references) or `RATING` (the new network).
        reason: how it ended (`distill.arena.match.GameRecord.reason`).
        plies: moves played, opening included.
        opening: the opening's actions, space separated ("" = none).
        seconds: wall time of the game (games of a match overlap in time).
    """

    generation: int
    players: tuple[str, str]
    outcome: float
    purpose: str = RATING
    reason: str = ""
    plies: int = 0
    opening: str = ""
    seconds: float = 0.0


_FIELDS = ["generation", "player_0", "player_1", "outcome", "purpose", "reason", "plies"]
_FIELDS += ["opening", "seconds"]


class GameLog:
    """The games file of one run's arena directory (see the module docstring)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "games.csv"

    def read(self) -> list[RatedGame]:
        """All games, oldest first ([] before the first arena)."""
        if not self.path.is_file():
            return []
        with self.path.open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        try:
            return [_game(row) for row in rows]
        except (KeyError, ValueError, TypeError) as exc:
            raise CorruptFileError(f"{self.path}: not a games file ({exc})") from None

    def write(self, games: Sequence[RatedGame]) -> None:
        """Replace the file with `games` (atomically)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(_FIELDS)
        for g in games:
            outcome = f"{g.outcome + 0.0:g}"  # + 0.0: no "-0"
            row = [g.generation, *g.players, outcome, g.purpose, g.reason, g.plies, g.opening]
            writer.writerow([*row, f"{g.seconds:.3f}"])
        atomic_write(self.path, buffer.getvalue())

    def truncate(self, generation: int) -> int:
        """Drop the games of arenas at `generation` or later; returns how many went."""
        for tmp in self.directory.glob(f".*{TMP_SUFFIX}"):  # a write killed half way
            tmp.unlink()
        games = self.read()
        kept = [g for g in games if g.generation < generation]
        if len(kept) != len(games):
            self.write(kept)
        return len(games) - len(kept)


def _game(row: dict[str, str]) -> RatedGame:
    return RatedGame(
        generation=int(row["generation"]),
        players=(row["player_0"], row["player_1"]),
        outcome=float(row["outcome"]),
        purpose=row["purpose"],
        reason=row["reason"],
        plies=int(row["plies"]),
        opening=row["opening"],
        seconds=float(row["seconds"]),
    )


def pair_results(games: Sequence[RatedGame], names: Sequence[str]) -> list[PairResult]:
    """One `PairResult` per game (colour 0's points against colour 1), indexed by `names`."""
    index = {name: i for i, name in enumerate(names)}
    return [(index[g.players[0]], index[g.players[1]], (g.outcome + 1.0) / 2.0, 1) for g in games]


@dataclass(frozen=True)
class RatingRow:
    """One player of the pool in the ratings table.

    Attributes:
        name: pool name (a reference's spec string, or a checkpoint's ``gen-NNNNN``).
        kind: ``"reference"`` or ``"checkpoint"``.
        generation: for a checkpoint, the generations trained into it; else None.
        elo: rating (the anchor's is 0).
        ci95: half-width of its 95% interval (relative to the anchor).
        games: games it played in the run.
        score: its mean score in them (draw = 1/2).
    """

    name: str
    kind: str
    generation: int | None
    elo: float
    ci95: float
    games: int
    score: float


def rating_rows(
    fit: RatingFit, games: Sequence[RatedGame], generations: dict[str, int]
) -> list[RatingRow]:
    """The table rows of a fit; `generations` maps checkpoint names to generations."""
    points = dict.fromkeys(fit.names, 0.0)
    count = dict.fromkeys(fit.names, 0)
    for g in games:
        for colour, name in enumerate(g.players):
            count[name] += 1
            points[name] += (1.0 + (g.outcome if colour == 0 else -g.outcome)) / 2.0
    return [
        RatingRow(
            name=rating.name,
            kind="checkpoint" if rating.name in generations else "reference",
            generation=generations.get(rating.name),
            elo=round(rating.elo, 1),
            ci95=round(rating.ci95, 1),
            games=count[rating.name],
            score=round(points[rating.name] / max(count[rating.name], 1), 4),
        )
        for rating in fit.ratings()
    ]


def write_ratings(directory: Path, rows: Sequence[RatingRow], anchor: str, after: int) -> None:
    """Write ``ratings.csv`` and ``ratings.json`` (fit after 0-based generation `after`)."""
    buffer = io.StringIO()
    fields = [f.name for f in dataclasses.fields(RatingRow)]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(dataclasses.asdict(r) for r in rows)
    atomic_write(directory / "ratings.csv", buffer.getvalue())
    payload = {
        "anchor": anchor,
        "after_generation": after,
        "players": [dataclasses.asdict(r) for r in rows],
    }
    atomic_write(directory / "ratings.json", json.dumps(payload, indent=1) + "\n")


def read_ratings(directory: Path) -> tuple[str, list[RatingRow]] | None:
    """(anchor, rows) of ``ratings.json``; None when there is none yet."""
    path = directory / "ratings.json"
    if not path.is_file():
        return None
    try:
        payload = json.loads(path.read_text())
        return payload["anchor"], [RatingRow(**row) for row in payload["players"]]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise CorruptFileError(f"{path}: not a ratings file ({exc})") from None


__all__ = [
    "CALIBRATION",
    "RATING",
    "GameLog",
    "RatedGame",
    "RatingRow",
    "pair_results",
    "rating_rows",
    "read_ratings",
    "write_ratings",
]
