"""Match results on disk and in tables: game record files, results.csv / results.json,
and per-player summaries with Wilson intervals.

`MatchWriter` is the ``on_game`` callback of `distill.arena.match.play_match` that
``distill match`` and the ladder use: after every game it writes that game's record
(SGF for Go through `Domain.export_game`, else the move list) and rewrites
``results.csv`` (one row per game) and ``results.json`` (the match's settings where
given, summary, games), every file atomically, so a match killed at any moment leaves
complete files.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from distill.arena.match import GameRecord
from distill.domain import Domain
from distill.fileio import atomic_write


def wilson_interval(rate: float, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval (Wilson 1927) of a proportion observed over n trials."""
    if n == 0:
        return 0.0, 1.0
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def summary(records: list[GameRecord], labels: tuple[str, str]) -> list[dict[str, object]]:
    """Per player (A, then B): games, wins, draws, losses, wins per colour, score rate and
    its Wilson 95% interval (draws count half)."""
    rows: list[dict[str, object]] = []
    for index, label in enumerate(labels):
        sign = 1.0 if index == 0 else -1.0  # B's outcome is minus A's
        outcomes = [sign * r.a_outcome for r in records]
        colour = [r.a_colour if index == 0 else 1 - r.a_colour for r in records]
        wins = sum(o > 0 for o in outcomes)
        draws = sum(o == 0 for o in outcomes)
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
                "wins_as_0": sum(o > 0 and c == 0 for o, c in zip(outcomes, colour, strict=True)),
                "wins_as_1": sum(o > 0 and c == 1 for o, c in zip(outcomes, colour, strict=True)),
                "win_rate": round(rate, 4),
                "ci95_low": round(low, 4),
                "ci95_high": round(high, 4),
            }
        )
    return rows


class MatchWriter:
    """Writes each finished game and the running results into `out_dir` (see module doc)."""

    def __init__(
        self,
        domain: Domain,
        out_dir: Path,
        labels: tuple[str, str],
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.domain, self.out_dir, self.labels = domain, out_dir, labels
        self.settings = settings
        self.records: list[GameRecord] = []
        out_dir.mkdir(parents=True, exist_ok=True)

    def __call__(self, record: GameRecord) -> None:
        suffix, text = self._export(record)
        name = f"game-{record.number:03d}{suffix}"
        atomic_write(self.out_dir / name, text)
        self.records.append(dataclasses.replace(record, file=name))
        self.records.sort(key=lambda r: r.number)
        write_results(self.out_dir, self.records, self.labels, self.settings)

    def _export(self, record: GameRecord) -> tuple[str, str]:
        if self.domain.export_game is not None:
            return self.domain.export_game(list(record.moves), record.result, record.players)
        moves = self.domain.format_moves(record.moves)
        return ".txt", f"{record.players[0]} vs {record.players[1]}: {moves}  {record.result}\n"


def write_results(
    out_dir: Path,
    records: list[GameRecord],
    labels: tuple[str, str],
    settings: Mapping[str, Any] | None = None,
) -> None:
    """Write ``results.csv`` (one row per game) and ``results.json`` atomically;
    `settings` (how the match was played: seed, openings, ...) go into the JSON."""
    rows = [_row(r) for r in records]
    buffer = io.StringIO()
    fields = list(rows[0]) if rows else [f.name for f in dataclasses.fields(GameRecord)]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(out_dir / "results.csv", buffer.getvalue())
    payload: dict[str, Any] = {"players": list(labels)}
    if settings is not None:
        payload["settings"] = dict(settings)
    payload.update(summary=summary(records, labels), games=rows)
    atomic_write(out_dir / "results.json", json.dumps(payload, indent=2) + "\n")


def _row(record: GameRecord) -> dict[str, object]:
    row = dataclasses.asdict(record)
    row["players"] = " vs ".join(record.players)
    row["moves"] = len(record.moves)
    # the opening's actions, so that two matches can be paired game by game (arena.paired)
    row["opening_moves"] = " ".join(str(a) for a in record.moves[: record.opening])
    return row


__all__ = ["MatchWriter", "summary", "wilson_interval", "write_results"]
