"""The arena step of the outer loop, and exact error rates against an oracle.

`error_rates` compares chosen moves with solver scores: a move is *not
optimal* when its score is below the position's best score, and *changes the
outcome* when it turns a win into a draw or loss, or a draw into a loss
(sign of its score below the sign of the best score).

`run_arena` evaluates the current network as two players, the raw policy and
the search at ``arena.simulations``: matches of the search player against
the configured opponents, Bradley–Terry ratings of all players with the
random player as the anchor (Elo 0), error rates of both players on the
solver-scored stone buckets, and optionally the exhaustive never-loses check.
It returns one flat dict of metrics (a row of ``metrics.csv``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from distill.arena.exhaustive import never_loses
from distill.arena.match import play_match, random_openings, replay_lines
from distill.arena.players import (
    OraclePlayer,
    Player,
    PolicyPlayer,
    RandomPlayer,
    SearchPlayer,
)
from distill.arena.positions import ScoredPosition, position_set
from distill.arena.ratings import bradley_terry
from distill.domain import Domain
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
    previous_evaluator: Any = None,
    cache_dir: Path | None = None,
) -> dict[str, float]:
    """Evaluate one generation's network; returns flat metrics (see module docstring)."""
    arena = recipe.arena
    search = SearchPlayer(
        domain, evaluator, recipe.search, derive(recipe).arena_simulations, name="search"
    )
    policy = PolicyPlayer(domain, evaluator)
    metrics: dict[str, float] = {}
    names = ["random", "search"]
    results: list[tuple[int, int, float, int]] = []
    for kind in arena.opponents:
        opponent = _opponent(kind, domain, recipe, previous_evaluator)
        if opponent is None or arena.games == 0:
            continue
        openings = random_openings(domain, (arena.games + 1) // 2, arena.opening_plies, rng)
        match = play_match(domain, search, opponent, arena.games, rng, openings=openings)
        metrics.update(
            {
                f"vs_{kind}_win": match.wins / match.total,
                f"vs_{kind}_draw": match.draws / match.total,
                f"vs_{kind}_loss": match.losses / match.total,
            }
        )
        if kind not in names:
            names.append(kind)
        results.append((1, names.index(kind), match.wins + 0.5 * match.draws, match.total))
    if results and any(j == 0 for _, j, _, _ in results):
        search_rating = bradley_terry(names, results, anchor=0)[1]
        metrics["elo"], metrics["elo_ci95"] = search_rating.elo, search_rating.ci95
    if arena.error_positions and has_oracle(domain) and domain.eval_buckets:
        metrics.update(
            _bucket_errors(
                domain,
                {"policy": policy, "search": search},
                arena.error_positions,
                recipe.seed,
                rng,
                cache_dir,
            )
        )
    if arena.perfect_play_check:
        report = never_loses(domain, search, rng)
        metrics["perfect"] = float(report.perfect)
        metrics["losing_lines"] = float(len(report.losses))
    return metrics


def _opponent(kind: str, domain: Domain, recipe: Recipe, previous: Any) -> Player | None:
    if kind == "random":
        return RandomPlayer(domain)
    if kind == "oracle":
        return OraclePlayer(domain) if has_oracle(domain) else None
    if previous is None:  # "previous" in generation 0: nothing to compare against
        return None
    sims = derive(recipe).arena_simulations
    return SearchPlayer(domain, previous, recipe.search, sims, name="previous")


def _bucket_errors(
    domain: Domain,
    players: dict[str, Player],
    n: int,
    seed: int,
    rng: np.random.Generator,
    cache_dir: Path | None,
) -> dict[str, float]:
    """Error rates per (player, bucket), keys like ``search_err_middle`` / ``..._blunder_``."""
    out: dict[str, float] = {}
    for bucket in domain.eval_buckets or {}:
        positions = position_set(domain, bucket, n, seed, cache_dir)
        for name, player in players.items():
            rates = error_rates(positions, choose_on_positions(domain, player, positions, rng))
            out[f"{name}_err_{bucket}"] = rates["not_optimal"]
            out[f"{name}_blunder_{bucket}"] = rates["outcome_change"]
    return out


__all__ = ["choose_on_positions", "error_rates", "has_oracle", "run_arena"]
