"""Two matches on the same openings, compared game by game: the paired sign test.

Two agents measured against one opponent from the same openings with the same colours (a
``distill ladder`` with the same ``--seed``, or ``distill match`` with the same ``--seed``
and ``--opening-plies``) play the same starting positions, game number by game number.
Comparing their two win rates throws that pairing away: most games are won (or lost) by
both agents, and only the games that one won and the other did not say which is
stronger. The sign test on those discordant pairs (an exact two-sided binomial test
with p = 1/2, McNemar's test in its exact form) is far more sensitive than two Wilson
intervals side by side.

A game's score for player A of a match folder is 1, 1/2 or 0 (win, draw, loss), read
from its ``results.json`` (`distill.arena.results.write_results`). For each game number
that both folders hold, the agents must have had the same colour and, where the folders
record it (``opening_moves``), the same opening; otherwise the matches are not paired
and `pair_matches` refuses them with the first game that differs.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distill.errors import CorruptFileError, DistillError

RESULTS = "results.json"


@dataclass(frozen=True)
class PairedResult:
    """Player A of two match folders, compared on the game numbers they share.

    Attributes:
        opponent: the opponent folder's name in a ladder comparison ("" for two matches).
        games: game numbers paired (in both folders).
        only_a, only_b: games played only in the first / second folder (not paired).
        score_a, score_b: A's points over the paired games in each folder (draw = 1/2).
        better_a, better_b: pairs where the first / second folder's agent scored more.
        both_won, neither_won: pairs won by both agents / by neither.
        p_value: exact two-sided sign-test p over the better_a + better_b discordant pairs.
        openings_checked: whether both folders recorded the openings (else only colours
            and game numbers were checked).
    """

    opponent: str
    games: int
    only_a: int
    only_b: int
    score_a: float
    score_b: float
    better_a: int
    better_b: int
    both_won: int
    neither_won: int
    p_value: float
    openings_checked: bool

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def sign_test(better_a: int, better_b: int) -> float:
    """Exact two-sided p of a sign test: the chance, with each discordant pair a fair
    coin, of a split at least as uneven as `better_a` against `better_b` (1.0 for none)."""
    n = better_a + better_b
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(min(better_a, better_b) + 1))
    return min(1.0, 2.0 * tail / 2.0**n)


def load_games(folder: Path) -> dict[int, dict[str, Any]]:
    """The games of one match folder's ``results.json``, by game number."""
    path = Path(folder) / RESULTS
    if not path.is_file():
        raise DistillError(f"{folder}: no {RESULTS} (not a match or ladder opponent folder)")
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
        games = {int(g["number"]): g for g in payload["games"]}
        for game in games.values():
            int(game["a_colour"]), float(game["outcome"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptFileError(f"{path}: not a results file of distill ({exc!r})") from exc
    return games


def _score_a(game: dict[str, Any]) -> float:
    """A's score in one results row: 1 win, 0.5 draw, 0 loss (outcome is colour 0's)."""
    outcome = float(game["outcome"]) * (1.0 if int(game["a_colour"]) == 0 else -1.0)
    return (outcome + 1.0) / 2.0


def pair_matches(first: Path, second: Path, opponent: str = "") -> PairedResult:
    """Compare player A of two match folders game by game (module doc); a
    `DistillError` names the first game whose colour or opening differs."""
    games_a, games_b = load_games(first), load_games(second)
    common = sorted(set(games_a) & set(games_b))
    if not common:
        raise DistillError(f"{first} and {second} have no game number in common")
    checked = True
    better_a = better_b = both = neither = 0
    score_a = score_b = 0.0
    for number in common:
        game_a, game_b = games_a[number], games_b[number]
        if int(game_a["a_colour"]) != int(game_b["a_colour"]):
            raise DistillError(
                f"game {number}: the agent had colour {game_a['a_colour']} in {first} and "
                f"{game_b['a_colour']} in {second}: not the same openings and colours "
                "(same --seed and --opening-plies?)"
            )
        if "opening_moves" in game_a and "opening_moves" in game_b:
            if str(game_a["opening_moves"]) != str(game_b["opening_moves"]):
                raise DistillError(
                    f"game {number}: opening {game_a['opening_moves']!r} in {first} against "
                    f"{game_b['opening_moves']!r} in {second}: not the same openings "
                    "(same --seed and --opening-plies?)"
                )
        else:
            checked = False
        a, b = _score_a(game_a), _score_a(game_b)
        score_a, score_b = score_a + a, score_b + b
        better_a, better_b = better_a + (a > b), better_b + (b > a)
        both, neither = both + (a == b == 1.0), neither + (a == b == 0.0)
    return PairedResult(
        opponent=opponent,
        games=len(common),
        only_a=len(set(games_a) - set(games_b)),
        only_b=len(set(games_b) - set(games_a)),
        score_a=score_a,
        score_b=score_b,
        better_a=better_a,
        better_b=better_b,
        both_won=both,
        neither_won=neither,
        p_value=sign_test(better_a, better_b),
        openings_checked=checked,
    )


def pair_folders(first: Path, second: Path) -> list[PairedResult]:
    """Two match folders (each with ``results.json``), or two ladder folders: then every
    opponent subfolder that both hold, by name."""
    first, second = Path(first), Path(second)
    for folder in (first, second):
        if not folder.is_dir():
            raise DistillError(f"{folder}: no such directory")
    if (first / RESULTS).is_file() or (second / RESULTS).is_file():
        return [pair_matches(first, second)]
    names = [p.parent.name for p in sorted(first.glob(f"*/{RESULTS}"))]
    shared = [name for name in names if (second / name / RESULTS).is_file()]
    if not shared:
        raise DistillError(
            f"{first} and {second}: no opponent folder with {RESULTS} in both "
            "(give two ladder output folders or two match folders)"
        )
    return [pair_matches(first / name, second / name, name) for name in shared]


__all__ = ["PairedResult", "load_games", "pair_folders", "pair_matches", "sign_test"]
