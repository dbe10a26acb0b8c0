"""The arena: players, matches, ratings, exact error rates and the never-loses check.

* `distill.arena.players`: the one `Player` protocol and the in-process players
  (random, raw policy, search, oracle).
* `distill.arena.specs`: player spec strings (``mcts:sims=400``, ``gnugo:level=5``).
* `distill.arena.match`: the match runner `play_match` and its `GameRecord`.
* `distill.arena.parallel`: `play_match_parallel`, one match's games in N processes.
* `distill.arena.results`: record files, results.csv/json, Wilson summaries.
* `distill.arena.exhaustive`: `never_loses`.
* `distill.arena.ratings`: Bradley–Terry / Elo with confidence intervals.
* `distill.arena.pool`: the rating pool (references, earlier networks) and who plays whom.
* `distill.arena.gamelog`: the run's rating games and ratings table on disk.
* `distill.arena.rate`: one arena's rating games (calibration, matches, refit).
* `distill.arena.positions`: solver-scored position sets bucketed by plies.
* `distill.arena.evaluate`: error rates and the loop's arena step, `run_arena`.
"""

from __future__ import annotations

from distill.arena.evaluate import choose_on_positions, error_rates, run_arena
from distill.arena.exhaustive import NeverLosesReport, never_loses
from distill.arena.match import GameRecord, MatchResult, play_match, random_openings
from distill.arena.parallel import play_match_parallel
from distill.arena.players import (
    RESIGN,
    OraclePlayer,
    Player,
    PolicyPlayer,
    RandomisedPlayer,
    RandomPlayer,
    SearchPlayer,
)
from distill.arena.positions import ScoredPosition, position_set, read_positions
from distill.arena.ratings import Rating, RatingFit, bradley_terry, fit_ratings
from distill.arena.specs import make_player

__all__ = [
    "RESIGN",
    "GameRecord",
    "MatchResult",
    "NeverLosesReport",
    "OraclePlayer",
    "Player",
    "PolicyPlayer",
    "RandomPlayer",
    "RandomisedPlayer",
    "Rating",
    "RatingFit",
    "ScoredPosition",
    "SearchPlayer",
    "bradley_terry",
    "choose_on_positions",
    "error_rates",
    "fit_ratings",
    "make_player",
    "never_loses",
    "play_match",
    "play_match_parallel",
    "position_set",
    "random_openings",
    "read_positions",
    "run_arena",
]
