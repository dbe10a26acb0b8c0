"""The arena: matches, ratings, exact error rates and the never-loses check.

* `distill.arena.players`: batched players (random, raw policy, search, oracle).
* `distill.arena.match`: `play_match`, `never_loses`.
* `distill.arena.ratings`: Bradley–Terry / Elo with confidence intervals.
* `distill.arena.positions`: solver-scored position sets bucketed by stones.
* `distill.arena.evaluate`: error rates and the loop's arena step, `run_arena`.
"""

from __future__ import annotations

from distill.arena.evaluate import choose_on_positions, error_rates, run_arena
from distill.arena.match import (
    MatchResult,
    NeverLosesReport,
    never_loses,
    play_match,
    random_openings,
)
from distill.arena.players import OraclePlayer, PolicyPlayer, RandomPlayer, SearchPlayer
from distill.arena.positions import BUCKETS, ScoredPosition, position_set, read_positions
from distill.arena.ratings import Rating, bradley_terry

__all__ = [
    "BUCKETS",
    "MatchResult",
    "NeverLosesReport",
    "OraclePlayer",
    "PolicyPlayer",
    "RandomPlayer",
    "Rating",
    "ScoredPosition",
    "SearchPlayer",
    "bradley_terry",
    "choose_on_positions",
    "error_rates",
    "never_loses",
    "play_match",
    "position_set",
    "random_openings",
    "read_positions",
    "run_arena",
]
