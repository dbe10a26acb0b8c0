"""Self-play: G games at once through one batched search, recorded for credit and replay.

`SelfPlayWorker.play` runs G games in lock step. Every ply, one `Searcher.run` call
searches all G positions (one evaluator call per search step for the whole
batch), then every game plays its move. Per ply the worker

* draws **playout-cap randomization** (Wu 2019, "Accelerating Self-Play
  Learning in Go", arXiv:1902.10565, sec. 3.1): with probability
  ``full_search_fraction`` the ply is a *full* search (``search.num_simulations``,
  root noise on) whose policy is recorded as a training target; otherwise a
  *cheap* search (``cheap_simulations``, no noise) that only yields a value
  sample. The draw is shared by the whole batch (one searcher call per ply);
  over many plies each position gets a full search with the same probability
  as with KataGo's per-move draw;
* plays the searcher's move (`SearchResult.action`): the worker passes the search a
  per-game temperature, ``temperature`` for the first ``temperature_moves`` plies of a
  game and 0 afterwards, so PUCT samples ∝ N(a)^(1/T) in the opening and then plays
  the most visited action, and Gumbel plays its sequential-halving winner (a sample
  already); with probability ``random_move_fraction`` a uniformly random legal move
  instead, and every move of a game's first k plies is uniformly random, k drawn per
  game from 0..``random_opening_plies`` (the positions are still recorded);
* never passes in a game's first ``min_pass_ply`` plies while another move is legal
  (`distill.flywheel.early_pass`: the pass is neither played nor a policy target there);
* with ``actor: policy`` searches nothing: every move is sampled from the network's
  policy at temperature 1 and recorded with that policy and the network's value (the
  on-policy actor of the policy-gradient losses, `SelfPlayWorker.play_policy`);
* **resigns** a game when the root value for the player to move falls below
  ``resign_threshold``, except in a ``no_resign_fraction`` of games (AlphaGo
  Zero, Silver et al. 2017, "Methods: Self-play"), which play on and measure
  false resignations (the side that would have resigned did not lose).

The searcher's batch size is fixed, so the row of a finished game searches a
spare initial position (result discarded) until at most half the rows are in
use; then the live games move to a searcher of half the size (their kept
subtrees are dropped once). Symmetry augmentation is not done here but when the
learner samples replay (`distill.replay`).

Where the domain offers them (`Domain.ownership`, `Domain.final_score`; Go), each game's
final ownership and score margin are recorded too, from player 0's view: the targets of
a net's ownership and score heads. `SelfPlayBatch.shard_arrays` packs a round for
`distill.replay.write_shard`, the one shard writer.

Determinism: with the same seed (rng state), evaluator and CPU, `SelfPlayWorker.play`
returns identical games; the rng is consumed in a fixed order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from distill.domain import Domain, uniform_legal_actions
from distill.flywheel.early_pass import check_pass_guard, others_legal, without_pass
from distill.recipe import SelfPlaySection
from distill.replay.format import Arrays
from distill.search import SearchConfig, Searcher, SearchResult


@dataclass
class SelfPlayBatch:
    """The games of one self-play round, flattened to positions (grouped by game, in ply order).

    Per position (P rows):
        obs: float32[P, C, H, W], observation from the view of the player to move.
        mask: bool[P, A], legal actions.
        policy: float32[P, A], search policy target (meaningful where `full_search`).
        root_value: float32[P], search root value for the player to move.
        to_play: int8[P], player to move (0 = first).
        full_search: bool[P], True where the ply got the full search (policy target valid).
        game: int64[P], game index 0..G-1 within the batch.
        ply: int32[P], ply index within its game.
        action: int64[P], the move played.
    Per game (G rows):
        final_value: float32[G], value of the last state for `final_player`, the player to
            move there (terminal value; -1 for the resigner; 0 for a capped game).
        final_player: int8[G].
        length: int32[G], plies played.
        resigned: bool[G]; truncated: bool[G] (hit the move cap).
        false_resign: bool[G], a no-resign game whose would-be resigner did not lose.
        would_resign: bool[G], a no-resign game that crossed the resign threshold.
        final_ownership: int8[G, H, W] or None: `Domain.ownership` of each game's last
            state (+1 = player 0 owns the point), where the domain offers it.
        final_score: float32[G] or None: `Domain.final_score` of each game's last state
            (player 0's margin in points), where the domain offers it.
    Totals: search_seconds, eval_seconds (inside the evaluator), wall_seconds.
    """

    obs: np.ndarray
    mask: np.ndarray
    policy: np.ndarray
    root_value: np.ndarray
    to_play: np.ndarray
    full_search: np.ndarray
    game: np.ndarray
    ply: np.ndarray
    action: np.ndarray
    final_value: np.ndarray
    final_player: np.ndarray
    length: np.ndarray
    resigned: np.ndarray
    truncated: np.ndarray
    would_resign: np.ndarray
    false_resign: np.ndarray
    final_ownership: np.ndarray | None = None
    final_score: np.ndarray | None = None
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def num_positions(self) -> int:
        return int(self.obs.shape[0])

    @property
    def num_games(self) -> int:
        return int(self.length.shape[0])

    def first_player_outcomes(self) -> np.ndarray:
        """float32[G]: each game's result for the first player (+1 win, 0 draw, -1 loss)."""
        sign = np.where(self.final_player == 0, 1.0, -1.0)
        return (sign * self.final_value).astype(np.float32)

    def game_moves(self, g: int) -> np.ndarray:
        """int64[L]: the moves of game `g` in order."""
        return self.action[self.game == g]

    def shard_arrays(self, generation: int, first_game_id: int) -> Arrays:
        """The round as replay shard arrays (layout in `distill.replay.format`).

        Game ids are ``first_game_id + g`` (deterministic, so a redone round writes the
        same shard); cheap playout-cap plies get policy weight 0.
        """
        ids = first_game_id + np.arange(self.num_games, dtype=np.int64)
        arrays: Arrays = {
            "obs": self.obs.astype(np.float16),
            "mask": self.mask.astype(np.bool_),
            "policy": self.policy.astype(np.float32),
            "policy_weight": self.full_search.astype(np.float32),
            "root_value": self.root_value.astype(np.float32),
            "player": self.to_play.astype(np.int8),
            "move_index": self.ply.astype(np.int32),
            "game_of": ids[self.game],
            "generation": np.full(self.num_positions, generation, dtype=np.int32),
            "action": self.action.astype(np.int64),
            "game_id": ids,
            "game_final_value": self.final_value.astype(np.float32),
            "game_final_player": self.final_player.astype(np.int8),
            "game_length": self.length.astype(np.int32),
            "game_truncated": self.truncated.astype(np.bool_),
            "game_resigned": self.resigned.astype(np.bool_),
        }
        if self.final_ownership is not None:
            arrays["game_ownership"] = self.final_ownership.astype(np.int8)
        if self.final_score is not None:
            arrays["game_score"] = self.final_score.astype(np.float32)
        return arrays


class TimedEvaluator:
    """Wraps an evaluator and sums the seconds spent inside it (for throughput stats).

    Other attributes (``jit_kind``, ``evaluate_states``, ``scored``...) are those of the
    wrapped evaluator, so the search sees its capabilities: a state-level or scored
    evaluator keeps working (timed too) and a jitted one still runs the fully jitted
    loop (not timed: numba evaluates inside the search there).
    """

    def __init__(self, evaluator: Any) -> None:
        self.evaluator = evaluator
        self.seconds = 0.0
        self.calls = 0
        self.positions = 0

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        start = time.perf_counter()
        out = self.evaluator(obs, mask)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        self.positions += int(obs.shape[0])
        return out  # type: ignore[no-any-return]

    def __getattr__(self, name: str) -> Any:
        if name == "evaluator":  # not set yet (e.g. while unpickling): no recursion
            raise AttributeError(name)
        attr = getattr(self.evaluator, name)
        if name not in ("evaluate_states", "evaluate_scored"):
            return attr

        def timed(first: Any, *rest: Any) -> Any:
            start = time.perf_counter()
            out = attr(first, *rest)
            self.seconds += time.perf_counter() - start
            self.calls += 1
            self.positions += len(rest[0]) if name == "evaluate_states" else len(first)
            return out

        return timed


def reset_games(domain: Domain, store: Any, count: int, rng: np.random.Generator) -> None:
    """Rows 0..count-1 of `store` := the initial positions of `count` new games.

    Where the domain offers `variants` (Go's board sizes), each game's variant is drawn
    uniformly with `rng` (count draws); otherwise the rng is not touched.
    """
    domain.reset(store, np.arange(count))
    if domain.variants:
        pick = rng.integers(len(domain.variants), size=count)
        for k, variant in enumerate(domain.variants):
            variant.reset(store, np.flatnonzero(pick == k))


class SelfPlayWorker:
    """Plays rounds of `num_games` games with one batched `Searcher` (reused across rounds)."""

    def __init__(
        self,
        domain: Domain,
        evaluator: Any,
        *,
        search: SearchConfig,
        selfplay: SelfPlaySection,
        num_games: int,
    ) -> None:
        self.domain = domain
        self.evaluator = TimedEvaluator(evaluator)
        self.search = search
        self.config = selfplay
        self.num_games = int(num_games)
        self._searchers: dict[int, Searcher] = {}
        self.max_moves = min(selfplay.max_moves or domain.max_moves, domain.max_moves)
        check_pass_guard(domain, selfplay.min_pass_ply)

    def play(self, rng: np.random.Generator) -> SelfPlayBatch:
        """Play one round of games to the end; see `SelfPlayBatch` for what is recorded."""
        if self.config.actor == "policy":
            return self.play_policy(rng)
        start, eval_start = time.perf_counter(), self.evaluator.seconds
        g_count, cfg, domain = self.num_games, self.config, self.domain
        spare = g_count  # store row holding an initial position, searched by idle rows
        store = domain.new_store(g_count + 1)
        domain.reset(store, [spare])
        reset_games(domain, store, g_count, rng)
        opening = None  # per game: the opening plies played uniformly at random
        if cfg.random_opening_plies > 0:
            opening = rng.integers(0, cfg.random_opening_plies + 1, size=g_count)
        row_game = np.arange(g_count, dtype=np.int64)  # searcher row -> game, -1 = idle
        searcher = self._searcher(g_count)
        games = _GameTracker(domain, g_count, rng.random(g_count) < cfg.no_resign_fraction)
        while games.active.any():
            row_game, searcher = self._assign_rows(row_game, searcher, games.active)
            live = np.flatnonzero(row_game >= 0)  # searcher rows of games still playing
            active = row_game[live]
            full = bool(rng.random() < cfg.full_search_fraction)
            sims = self.search.num_simulations if full else cfg.cheap_simulations
            idx = np.where(row_game >= 0, row_game, spare)
            temperature = np.zeros(row_game.shape[0])  # idle rows: argmax, no rng draw
            temperature[live] = np.where(
                games.ply[active] < cfg.temperature_moves, cfg.temperature, 0.0
            )
            result = searcher.run(
                store, idx, rng, num_simulations=sims, add_noise=full, temperature=temperature
            )
            moves = result.action.copy()
            if cfg.random_move_fraction > 0.0:
                moves[live] = self._random_moves(store, active, moves[live], rng)
            if opening is not None:
                moves[live] = self._opening_moves(store, active, moves[live], games, opening, rng)
            if cfg.min_pass_ply:
                result = self._guard_pass(store, active, live, result, moves, games.ply)
            games.record(domain, store, active, result, live, moves[live], full)
            domain.step(store, active, store, active, moves[live])
            searcher.advance(moves)
            self._finish_games(store, active, result.root_value[live], games, full)
        return games.to_batch(time.perf_counter() - start, self.evaluator.seconds - eval_start)

    def play_policy(self, rng: np.random.Generator) -> SelfPlayBatch:
        """One round whose moves are sampled from the network's policy, without search.

        Every ply evaluates the live games once (no padding: the batch shrinks as games
        end) and samples each move from softmax(logits) over the legal moves; the
        recorded ``policy`` is that distribution (the behaviour policy) and
        ``root_value`` the network's value, the critic of GAE. Every ply counts as a
        full search (policy weight 1; the network's value may resign).
        """
        start, eval_start = time.perf_counter(), self.evaluator.seconds
        g_count, domain = self.num_games, self.domain
        store = domain.new_store(g_count)
        reset_games(domain, store, g_count, rng)
        games = _GameTracker(domain, g_count, rng.random(g_count) < self.config.no_resign_fraction)
        while games.active.any():
            active = np.flatnonzero(games.active).astype(np.int64)
            mask = domain.legal_mask(store, active)
            if self.config.min_pass_ply:  # the behaviour policy never passes early
                mask = self._early_pass_masked(mask, games.ply[active])
            logits, value = self.evaluator(domain.encode(store, active), mask)
            step = PolicyStep(masked_softmax(logits, mask), np.asarray(value, np.float32))
            moves = sample_actions(step.policy_target, rng)
            if self.config.random_move_fraction > 0.0:
                moves = self._random_moves(store, active, moves, rng)
            games.record(domain, store, active, step, np.arange(active.shape[0]), moves, True)
            domain.step(store, active, store, active, moves)
            self._finish_games(store, active, step.root_value, games, True)
        return games.to_batch(time.perf_counter() - start, self.evaluator.seconds - eval_start)

    def _guard_pass(
        self,
        store: Any,
        active: np.ndarray,
        live: np.ndarray,
        result: SearchResult,
        moves: np.ndarray,
        ply: np.ndarray,
    ) -> SearchResult:
        """``selfplay.min_pass_ply``: in games still in their first plies, a pass in `moves`
        (int64[B], by searcher row; changed in place) becomes the search's best other move
        and the returned result's policy target gives the pass nothing
        (`distill.flywheel.early_pass.without_pass`)."""
        early = ply[active] < self.config.min_pass_ply
        if not early.any():
            return result
        rows, pass_action = live[early], self.domain.pass_action
        assert pass_action is not None  # check_pass_guard at construction
        legal = self.domain.legal_mask(store, active[early])
        moves[rows], policy = without_pass(
            moves[rows], result.policy_target[rows], result.prior[rows], legal, pass_action
        )
        target = result.policy_target.copy()
        target[rows] = policy
        return replace(result, policy_target=target)

    def _early_pass_masked(self, mask: np.ndarray, ply: np.ndarray) -> np.ndarray:
        """bool[K, A]: legal mask `mask` without the pass in rows whose ply int32[K] is
        below ``min_pass_ply`` and that have another legal move."""
        pass_action = self.domain.pass_action
        assert pass_action is not None  # check_pass_guard at construction
        early = (ply < self.config.min_pass_ply) & others_legal(mask, pass_action).any(axis=1)
        mask = mask.copy()
        mask[early, pass_action] = False
        return mask

    def _random_moves(
        self, store: Any, active: np.ndarray, moves: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """int64[K]: `moves`, each replaced with probability `random_move_fraction` by a
        uniformly random legal move of its game. Consumes K + K * A uniform draws."""
        replace = rng.random(active.shape[0]) < self.config.random_move_fraction
        uniform = uniform_legal_actions(self.domain.legal_mask(store, active), rng)
        return np.where(replace, uniform, moves).astype(np.int64)

    def _opening_moves(
        self,
        store: Any,
        active: np.ndarray,
        moves: np.ndarray,
        games: _GameTracker,
        opening: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """int64[K]: `moves`, with a uniformly random legal move for each game whose ply
        is below its drawn opening length `opening[game]`. Consumes K * A uniform draws
        while any game is in its opening, none afterwards."""
        in_opening = games.ply[active] < opening[active]
        if not in_opening.any():
            return moves
        uniform = uniform_legal_actions(self.domain.legal_mask(store, active), rng)
        return np.where(in_opening, uniform, moves).astype(np.int64)

    def _searcher(self, size: int) -> Searcher:
        """The searcher of batch size `size` (made once), with all its trees forgotten."""
        if size not in self._searchers:
            self._searchers[size] = Searcher(
                self.domain, self.evaluator, batch_size=size, config=self.search
            )
        searcher = self._searchers[size]
        searcher.reset(None)
        return searcher

    def _assign_rows(
        self, row_game: np.ndarray, searcher: Searcher, active: np.ndarray
    ) -> tuple[np.ndarray, Searcher]:
        """Free the rows of finished games; halve the batch while at most half is in use.

        Finished games' rows search a spare position until the batch shrinks: the
        searcher's batch size is fixed, so halving it (a fresh, smaller searcher; the
        moved games lose their kept subtrees once) bounds that waste by half the batch.
        """
        row_game = row_game.copy()
        used = row_game >= 0
        used[used] = active[row_game[used]]
        row_game[~used] = -1
        size, count = row_game.shape[0], int(used.sum())
        while size > 1 and count <= size // 2:
            size //= 2
        if size < row_game.shape[0]:
            packed = np.full(size, -1, dtype=np.int64)
            packed[:count] = row_game[used]
            return packed, self._searcher(size)
        idle = np.flatnonzero(~used)
        if idle.size:
            searcher.reset(idle)
        return row_game, searcher

    def _finish_games(
        self,
        store: Any,
        active: np.ndarray,
        root_value: np.ndarray,
        games: _GameTracker,
        full: bool,
    ) -> None:
        """Mark games that ended (terminal, move cap, or resignation) after this ply.

        active: int64[K] games that just moved; root_value: float32[K], their search values;
        full: whether this ply was a full search. Only a full search's value can resign: a
        cheap playout-cap search is too noisy to end a game on.
        """
        done, value = self.domain.terminal(store, active)
        players = self.domain.to_play(store, active)
        threshold = self.config.resign_threshold
        for k, g in enumerate(active):
            mover = int(games.last_player[g])
            if done[k]:
                games.finish(g, float(value[k]), int(players[k]))
            elif games.ply[g] >= self.max_moves:
                games.finish(g, 0.0, int(players[k]), truncated=True)
            elif full and threshold is not None and root_value[k] < threshold:
                if games.no_resign[g]:
                    games.mark_would_resign(g, mover)
                else:  # the player who just searched resigns: a loss for them
                    games.finish(g, -1.0, mover, resigned=True)
            if not games.active[g]:
                games.record_final_state(store[g], g)


@dataclass(frozen=True)
class PolicyStep:
    """What the policy actor records of one ply, in the fields `_GameTracker.record` reads
    from a `SearchResult`: policy_target float32[K, A] (the sampling distribution) and
    root_value float32[K] (the network's value, player to move)."""

    policy_target: np.ndarray
    root_value: np.ndarray


def masked_softmax(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """float32[K, A]: softmax of logits [K, A] over the legal entries of mask bool[K, A]
    (illegal ones get exactly 0; each row needs one legal action)."""
    z = np.where(mask, logits.astype(np.float64), -np.inf)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)


def sample_actions(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """int64[K]: one action per row of probs [K, A] by inverse CDF (K uniform draws).

    The first index whose cumulative mass exceeds u · total has positive probability,
    so a zero-probability (illegal) action is never drawn.
    """
    cdf = np.cumsum(probs.astype(np.float64), axis=1)
    u = rng.random((probs.shape[0], 1)) * cdf[:, -1:]
    return np.minimum((cdf <= u).sum(axis=1), probs.shape[1] - 1).astype(np.int64)


class _GameTracker:
    """Per-game bookkeeping of one round: active flags, plies and the recorded positions."""

    def __init__(self, domain: Domain, num_games: int, no_resign: np.ndarray) -> None:
        self.domain = domain
        self.active = np.ones(num_games, dtype=np.bool_)
        self.ply = np.zeros(num_games, dtype=np.int32)
        self.no_resign = no_resign
        self.last_player = np.zeros(num_games, dtype=np.int8)
        self.final_value = np.zeros(num_games, dtype=np.float32)
        self.final_player = np.zeros(num_games, dtype=np.int8)
        self.resigned = np.zeros(num_games, dtype=np.bool_)
        self.truncated = np.zeros(num_games, dtype=np.bool_)
        self.resigner = np.full(num_games, -1, dtype=np.int8)  # would-be resigner (no-resign)
        self.chunks: list[dict[str, np.ndarray]] = []
        self.ownership = (
            np.zeros((num_games, *domain.obs_shape[1:]), dtype=np.int8)
            if domain.ownership is not None
            else None
        )
        self.score = np.zeros(num_games, np.float32) if domain.final_score is not None else None

    def record_final_state(self, state: Any, g: int) -> None:
        """Keep game g's final ownership and score (player 0's view) where offered."""
        if self.ownership is not None and self.domain.ownership is not None:
            self.ownership[g] = self.domain.ownership(state)
        if self.score is not None and self.domain.final_score is not None:
            self.score[g] = self.domain.final_score(state)

    def record(
        self,
        domain: Domain,
        store: Any,
        active: np.ndarray,
        result: Any,
        rows: np.ndarray,
        moves: np.ndarray,
        full: bool,
    ) -> None:
        """Append the positions of games `active` (searched in result rows `rows`)."""
        players = domain.to_play(store, active)
        self.last_player[active] = players
        self.chunks.append(
            {
                "obs": domain.encode(store, active),
                "mask": domain.legal_mask(store, active),
                "policy": result.policy_target[rows].astype(np.float32),
                "root_value": result.root_value[rows].astype(np.float32),
                "to_play": players.astype(np.int8),
                "full_search": np.full(active.shape[0], full, dtype=np.bool_),
                "game": active.astype(np.int64),
                "ply": self.ply[active].copy(),
                "action": moves.astype(np.int64),
            }
        )
        self.ply[active] += 1

    def finish(
        self, g: int, value: float, player: int, *, resigned: bool = False, truncated: bool = False
    ) -> None:
        self.active[g] = False
        self.final_value[g], self.final_player[g] = value, player
        self.resigned[g], self.truncated[g] = resigned, truncated

    def mark_would_resign(self, g: int, player: int) -> None:
        if self.resigner[g] < 0:
            self.resigner[g] = player

    def to_batch(self, wall: float, eval_seconds: float) -> SelfPlayBatch:
        cat = {k: np.concatenate([c[k] for c in self.chunks]) for k in self.chunks[0]}
        order = np.lexsort((cat["ply"], cat["game"]))  # group by game, plies in order
        cat = {k: v[order] for k, v in cat.items()}
        first_player_result = np.where(self.final_player == 0, 1.0, -1.0) * self.final_value
        would = self.resigner >= 0
        resigner_result = np.where(self.resigner == 0, 1.0, -1.0) * first_player_result
        positions = int(cat["obs"].shape[0])
        return SelfPlayBatch(
            **cat,
            final_value=self.final_value,
            final_player=self.final_player,
            length=self.ply.copy(),
            resigned=self.resigned,
            truncated=self.truncated,
            would_resign=would,
            false_resign=would & (resigner_result >= 0),
            final_ownership=self.ownership,
            final_score=self.score,
            stats={
                "wall_seconds": wall,
                "eval_seconds": eval_seconds,
                "positions_per_second": positions / max(wall, 1e-9),
            },
        )


__all__ = [
    "PolicyStep",
    "SelfPlayBatch",
    "SelfPlayWorker",
    "TimedEvaluator",
    "masked_softmax",
    "sample_actions",
]
