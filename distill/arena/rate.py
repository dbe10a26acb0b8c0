"""One arena's rating games: calibrate the references, play the new network against
its opponents from the pool, refit the ratings over every game of the run.

`RatingRound` holds the run's games so far (`distill.arena.gamelog.GameLog`) and
the games it adds; nothing is written until `RatingRound.finish`, which writes
the games file and the ratings table (atomically, each), so an arena killed half
way leaves the files of the previous one. `distill.arena.evaluate.run_arena`
drives it; `distill.arena.pool` says who plays whom.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Sequence

import numpy as np

from distill.arena.gamelog import (
    CALIBRATION,
    RATING,
    GameLog,
    RatedGame,
    pair_results,
    rating_rows,
    write_ratings,
)
from distill.arena.match import play_match, random_openings
from distill.arena.players import Player
from distill.arena.pool import (
    SEARCH,
    checkpoint_generation,
    checkpoint_player,
    choose_opponents,
    kept_checkpoints,
    parse_checkpoint,
)
from distill.arena.ratings import RatingFit, fit_ratings
from distill.arena.specs import make_player
from distill.domain import Domain
from distill.recipe import ArenaSection


class PoolPlayers:
    """The players of pool members, built on first use and kept for the arena.

    References come from their spec (`distill.arena.specs.make_player`); a network
    player's name (``gen-NNNNN`` or ``gen-NNNNN:policy``) from `make_network`.
    """

    def __init__(self, domain: Domain, make_network: Callable[[str], Player]) -> None:
        self.domain, self.make_network = domain, make_network
        self._players: dict[str, Player] = {}

    def get(self, name: str) -> Player:
        if name not in self._players:
            if checkpoint_generation(name) is None:
                self._players[name] = make_player(name, self.domain)
            else:
                self._players[name] = self.make_network(name)
        return self._players[name]

    def close(self) -> None:
        """Close every player built (external engines stop)."""
        for player in self._players.values():
            player.close()
        self._players.clear()


class RatingRound:
    """The rating games of the arena of 0-based `generation` (see the module docstring)."""

    def __init__(
        self,
        domain: Domain,
        section: ArenaSection,
        generation: int,
        log: GameLog,
        players: PoolPlayers,
        rng: np.random.Generator,
    ) -> None:
        self.domain, self.section, self.generation = domain, section, generation
        self.log, self.players, self.rng = log, players, rng
        self.earlier = log.read()
        self.played: list[RatedGame] = []
        self.opponents: dict[str, list[str]] = {}  # entrant -> its opponents

    @property
    def games(self) -> list[RatedGame]:
        """Every game of the run, this arena's included."""
        return self.earlier + self.played

    def rated_networks(self, variant: str = SEARCH) -> list[str]:
        """Earlier network players of `variant` with games, oldest first."""
        names = {
            n
            for g in self.games
            for n in g.players
            if _variant(n) == variant and (checkpoint_generation(n) or 0) <= self.generation
        }
        return sorted(names, key=lambda n: checkpoint_generation(n) or 0)

    def calibrate(self, variants: Sequence[str] = (SEARCH,)) -> None:
        """Play `calibration_games` between neighbouring references that have not met yet,
        and at the first arena between the initial network (of each variant) and the
        anchor, so the curves start from a rated point."""
        refs, count = self.section.references, self.section.calibration_games
        if not count:
            return
        met = {frozenset(g.players) for g in self.games if g.purpose == CALIBRATION}
        pairs = list(itertools.pairwise(refs))
        for variant in variants:
            if not self.rated_networks(variant):
                pairs.append((checkpoint_player(-1, variant), refs[0]))
        for a, b in pairs:
            if frozenset((a, b)) not in met:
                self.play(a, b, count, CALIBRATION)

    def fit(self) -> RatingFit:
        """Ratings of the anchor and every player with games, from all games so far."""
        anchor = self.section.references[0]
        names = [anchor, *(n for n in names_of(self.games) if n != anchor)]
        return fit_ratings(names, pair_results(self.games, names))

    def choose(self, variant: str = SEARCH) -> list[str]:
        """Opponents of a new network player of `variant`: its predecessor (at the first
        arena the run's starting network ``gen-00000``), then the most informative
        among the references and the kept networks of the same variant."""
        fit, rated = self.fit(), self.rated_networks(variant)
        previous = rated[-1] if rated else checkpoint_player(-1, variant)
        estimate = fit.rating(previous).elo if previous in fit.names else 0.0
        kept = kept_checkpoints(rated, self.section.checkpoints)
        first = previous if self.section.checkpoints else None  # 0: references only
        candidates = [*self.section.references, *kept]
        return choose_opponents(candidates, fit, estimate, self.section.opponents, first)

    def begin(self, entrants: Sequence[Player], *, timed: bool) -> float:
        """Calibrate, choose each entrant's opponents and play the first games against
        each: `min_games` when `timed` (more may follow, `play_each`), else `games`.
        Entrants are the new network's players, named by `checkpoint_player`. Returns
        the measured wall seconds per game."""
        self.calibrate([_variant(p.name) or SEARCH for p in entrants])
        self.opponents = {p.name: self.choose(_variant(p.name) or SEARCH) for p in entrants}
        first = first_games(self.section) if timed else self.section.games
        began = time.perf_counter()
        self.play_each(entrants, first)
        return (time.perf_counter() - began) / max(first * self.pairings, 1)

    @property
    def pairings(self) -> int:
        """How many (entrant, opponent) pairs this arena plays."""
        return sum(len(names) for names in self.opponents.values())

    def play_each(self, entrants: Sequence[Player], games: int) -> None:
        """`games` games of every entrant against each of its opponents."""
        for entrant in entrants if games else ():
            for name in self.opponents[entrant.name]:
                self.play(entrant, name, games)

    def play(self, a: str | Player, b: str, games: int, purpose: str = RATING) -> None:
        """`games` games between a and b (names or a player; colours alternate, each
        opening played twice), added to this round."""
        player_a = self.players.get(a) if isinstance(a, str) else a
        player_b = self.players.get(b)
        plies = self.section.opening_plies
        openings = (
            random_openings(self.domain, (games + 1) // 2, plies, self.rng) if plies else None
        )
        match = play_match(self.domain, player_a, player_b, games, self.rng, openings=openings)
        names = (a if isinstance(a, str) else player_a.name, b)
        for record in match.records:
            self.played.append(
                RatedGame(
                    generation=self.generation,
                    players=names if record.a_colour == 0 else (names[1], names[0]),
                    outcome=record.outcome,
                    purpose=purpose,
                    reason=record.reason,
                    plies=len(record.moves),
                    opening=" ".join(str(m) for m in record.moves[: record.opening]),
                    seconds=record.seconds,
                )
            )

    def score(self, name: str) -> float | None:
        """Mean score of `name` in this round's games (None without any)."""
        points = [
            (1.0 + (g.outcome if g.players[0] == name else -g.outcome)) / 2.0
            for g in self.played
            if name in g.players
        ]
        return float(np.mean(points)) if points else None

    def finish(self) -> RatingFit:
        """Write the games file and the refitted ratings table; returns the fit."""
        self.log.write(self.games)
        fit = self.fit()
        generations = {n: g for n in fit.names if (g := checkpoint_generation(n)) is not None}
        rows = rating_rows(fit, self.games, generations)
        write_ratings(self.log.directory, rows, self.section.references[0], self.generation)
        return fit


def _variant(name: str) -> str | None:
    """The variant of a network player's name; None for a reference."""
    parsed = parse_checkpoint(name)
    return parsed[1] if parsed else None


def first_games(section: ArenaSection) -> int:
    """Games against each opponent before the time allowance is consulted: `min_games`,
    at least 2 (one opening, both colours) to measure the time a game takes."""
    return min(max(section.min_games, 2), section.games)


def extra_games(
    section: ArenaSection, seconds_left: float | None, seconds_per_game: float, opponents: int
) -> int:
    """More games per opponent (even) that fit in `seconds_left`, up to `section.games`
    in all; with no time limit (None), all the way to `section.games`."""
    room = section.games - first_games(section)
    if seconds_left is None or room <= 0:
        return max(room, 0)
    if seconds_left <= 0 or opponents == 0:
        return 0
    affordable = seconds_left / max(seconds_per_game, 1e-6) / opponents
    return int(min(room, 2 * int(affordable // 2)))


def arena_allowance(section: ArenaSection, work_s: float, spent_s: float) -> float | None:
    """Seconds this arena may take so that all arenas stay at `section.time_share` of the
    run: with W the non-arena wall time so far and S the arena time before this one,
    (S + A) / (W + S + A) <= share  ⇔  A <= share / (1 - share) · W - S. None = no limit."""
    share = section.time_share
    if share is None:
        return None
    return share / (1.0 - share) * work_s - spent_s


def names_of(games: Sequence[RatedGame]) -> list[str]:
    """Every player that appears in `games`, in order of first appearance."""
    seen: list[str] = []
    for game in games:
        seen += [n for n in game.players if n not in seen]
    return seen


__all__ = [
    "PoolPlayers",
    "RatingRound",
    "arena_allowance",
    "extra_games",
    "first_games",
    "names_of",
]
