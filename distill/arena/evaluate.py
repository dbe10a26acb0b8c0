"""The arena step of the outer loop, and exact error rates against an oracle.

`error_rates` compares chosen moves with solver scores: a move is *not
optimal* when its score is below the position's best score, and *changes the
outcome* when it turns a win into a draw or loss, or a draw into a loss
(sign of its score below the sign of the best score).

`run_arena` evaluates the current network as two players, the raw policy and
the search at ``arena.simulations``:

1. rating games (`distill.arena.rate`): at the first arena, neighbouring references
   play each other; then the search player plays ``arena.min_games`` against each
   opponent the pool chooses (`distill.arena.pool`), from random openings with
   colours alternating;
2. exact error rates of both players on the solver-scored position buckets, and
   optionally the exhaustive never-loses check;
3. more rating games against the same opponents, as many as the arena's time
   allowance still affords (measured seconds per game), up to ``arena.games``;
4. the games file and the Bradley–Terry ratings over every game of the run
   (anchor: the first reference, random, at 0) are written.

It returns the `distill.metrics.ArenaMetrics` of the generation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from distill.arena.diagnostics import SearchDiagnostics, diagnose, record_reliability
from distill.arena.exhaustive import never_loses
from distill.arena.gamelog import GameLog
from distill.arena.match import replay_lines
from distill.arena.players import Player, PolicyPlayer, SearchPlayer
from distill.arena.pool import (
    POLICY,
    SEARCH,
    checkpoint_generation,
    checkpoint_player,
    parse_checkpoint,
)
from distill.arena.positions import ScoredPosition, position_set
from distill.arena.rate import PoolPlayers, RatingRound, extra_games
from distill.arena.ratings import Rating, RatingFit
from distill.domain import Domain
from distill.metrics import ArenaMetrics, ErrorRates
from distill.recipe import Recipe, derive


def error_rates(positions: list[ScoredPosition], moves: np.ndarray) -> dict[str, float]:
    """Rates of non-optimal and outcome-changing moves among `positions` (scores needed).

    Returns {"not_optimal": fraction, "outcome_change": fraction, "n": count}.
    """
    wrong = changed = 0
    for position, move in zip(positions, moves, strict=True):
        assert position.scores is not None and position.value is not None
        score = position.scores[int(move)]
        if score is None:  # an illegal move is as wrong as it gets
            wrong += 1
            changed += 1
            continue
        wrong += score < position.value
        changed += np.sign(score) < np.sign(position.value)
    n = max(len(positions), 1)
    return {"not_optimal": wrong / n, "outcome_change": changed / n, "n": float(len(positions))}


def choose_on_positions(
    domain: Domain, player: Player, positions: list[ScoredPosition], rng: np.random.Generator
) -> np.ndarray:
    """int64[N]: the move `player` picks in each position (one batched call)."""
    return player.select(replay_lines(domain, [p.moves for p in positions]), rng)


def has_oracle(domain: Domain) -> bool:
    """Whether the domain offers an exact solver (`Domain.solver`)."""
    return domain.solver is not None


def run_arena(
    domain: Domain,
    evaluator: Any,
    recipe: Recipe,
    rng: np.random.Generator,
    *,
    generation: int,
    arena_dir: Path,
    load_network: Callable[[int], Any],
    allowance_s: float | None = None,
    cache_dir: Path | None = None,
) -> ArenaMetrics:
    """Evaluate the network of 0-based `generation` (see the module docstring).

    Args:
        evaluator: the new network's evaluator.
        arena_dir: the run's arena directory (games.csv, ratings.csv/json).
        load_network: evaluator of an earlier network, by the generations trained into it
            (0: the run's initial weights).
        allowance_s: seconds this arena may take (`distill.arena.rate.arena_allowance`);
            None = play `arena.games` against each opponent.
        cache_dir: where solver-scored position sets are cached.
    """
    start = time.perf_counter()
    arena, sims = recipe.arena, derive(recipe).arena_simulations

    def network_player(network: Any, name: str) -> Player:
        if (parse_checkpoint(name) or (0, SEARCH))[1] == POLICY:
            return PolicyPlayer(domain, network, name=name)
        return SearchPlayer(domain, network, recipe.search, sims, name=name)

    def earlier_player(name: str) -> Player:
        return network_player(load_network(checkpoint_generation(name) or 0), name)

    new = network_player(evaluator, checkpoint_player(generation))
    entrants = [new]
    if arena.rate_policy:
        entrants.append(network_player(evaluator, checkpoint_player(generation, POLICY)))
    rating = RatingRound(
        domain, arena, generation, GameLog(arena_dir), PoolPlayers(domain, earlier_player), rng
    )
    try:
        per_game = rating.begin(entrants, timed=allowance_s is not None) if arena.games else 0.0
        errors, diagnostics, perfect, losing = _exact_checks(
            domain, recipe, new, evaluator, rng, cache_dir
        )
        if arena.games and allowance_s is not None:
            left = allowance_s - (time.perf_counter() - start)
            rating.play_each(entrants, extra_games(arena, left, per_game, rating.pairings))
    finally:
        rating.players.close()
    if diagnostics is not None:
        record_reliability(arena_dir, generation, diagnostics.reliability)
    fit = rating.finish() if arena.games else None
    search = _rating(fit, new.name)
    policy = _rating(fit, entrants[-1].name) if arena.rate_policy else None
    return ArenaMetrics(
        elo=search.elo if search else None,
        elo_ci95=search.ci95 if search else None,
        policy_elo=policy.elo if policy else None,
        policy_elo_ci95=policy.ci95 if policy else None,
        games=sum(new.name in g.players for g in rating.played),
        score=rating.score(new.name),
        opponents=" ".join(rating.opponents.get(new.name, [])) or None,
        perfect=perfect,
        losing_lines=losing,
        errors=errors,
        **_diagnostic_fields(diagnostics),
    )


def _diagnostic_fields(diagnostics: SearchDiagnostics | None) -> dict[str, float | None]:
    """The `ArenaMetrics` fields of the search diagnostics (none without an oracle)."""
    if diagnostics is None:
        return {}
    d = diagnostics
    return {
        "improve": d.improve,
        "worse": d.worse,
        "value_mse": d.value_mse,
        "value_ece": d.value_ece,
        "policy_wins_taken": d.policy_wins_taken,
        "search_wins_taken": d.search_wins_taken,
        "policy_losses_blocked": d.policy_losses_blocked,
        "search_losses_blocked": d.search_losses_blocked,
    }


def _rating(fit: RatingFit | None, name: str) -> Rating | None:
    """The rating of `name` in `fit`, if there is a fit and it played."""
    if fit is None or name not in fit.names:
        return None
    return fit.rating(name)


def _exact_checks(
    domain: Domain,
    recipe: Recipe,
    search: Player,
    evaluator: Any,
    rng: np.random.Generator,
    cache_dir: Path | None,
) -> tuple[tuple[ErrorRates, ...], SearchDiagnostics | None, bool | None, int | None]:
    """(error rates per player and bucket, search diagnostics over all buckets,
    never-loses verdict, losing lines)."""
    arena = recipe.arena
    errors: tuple[ErrorRates, ...] = ()
    diagnostics = None
    if arena.error_positions and has_oracle(domain) and domain.eval_buckets:
        players: dict[str, Player] = {"policy": PolicyPlayer(domain, evaluator), "search": search}
        errors, scored, moves = _bucket_errors(
            domain, players, arena.error_positions, recipe.seed, rng, cache_dir
        )
        diagnostics = diagnose(domain, evaluator, scored, moves["policy"], moves["search"])
    if not arena.perfect_play_check:
        return errors, diagnostics, None, None
    report = never_loses(domain, search, rng)
    return errors, diagnostics, report.perfect, len(report.losses)


def _bucket_errors(
    domain: Domain,
    players: dict[str, Player],
    n: int,
    seed: int,
    rng: np.random.Generator,
    cache_dir: Path | None,
) -> tuple[tuple[ErrorRates, ...], list[ScoredPosition], dict[str, np.ndarray]]:
    """Exact error rates of each player on each of the domain's position buckets, and
    the positions of all buckets with each player's moves there (for the diagnostics)."""
    out: list[ErrorRates] = []
    scored: list[ScoredPosition] = []
    moves: dict[str, list[np.ndarray]] = {name: [] for name in players}
    for bucket in domain.eval_buckets or {}:
        positions = position_set(domain, bucket, n, seed, cache_dir)
        scored += positions
        for name, player in players.items():
            chosen = choose_on_positions(domain, player, positions, rng)
            moves[name].append(chosen)
            rates = error_rates(positions, chosen)
            out.append(ErrorRates(name, bucket, rates["not_optimal"], rates["outcome_change"]))
    return tuple(out), scored, {k: np.concatenate(v) for k, v in moves.items()}


__all__ = ["choose_on_positions", "error_rates", "has_oracle", "run_arena"]
