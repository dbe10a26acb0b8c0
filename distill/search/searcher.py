"""`Searcher`: batched MCTS over B games with one evaluator call per search step.

One step for all B trees (ARCHITECTURE.md, "Search"):

    select_leaves (@njit)  ->  domain copy-and-step into the leaves' state slots
    ->  encode  ->  ONE evaluator call  ->  expand_and_backup (@njit)

With a kernel-tier domain and a jitted evaluator (`uniform_evaluator`,
`RolloutEvaluator`) the whole loop runs inside numba instead
(`distill.search._jit_loop`, specialized per domain), so B = 1 is fast too. Both paths
call the same step functions and consume the rng identically, so for the same seed they
build the same trees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, cast

import numpy as np

from distill.domain import Domain, as_index
from distill.errors import ConfigError, DistillError, ShapeError
from distill.search import tree as tree_mod
from distill.search.config import SearchConfig, SearchResult
from distill.search.evaluators import JIT_ROLLOUT
from distill.search.gumbel import considered_visit_table
from distill.search.rng import leaf_seeds
from distill.search.root import (
    choose_by_visits,
    dirichlet_root_prior,
    gumbel_root,
    gumbel_schedules,
    root_statistics,
)
from distill.search.steps import NEW, expand_and_backup, expand_roots, select_leaves
from distill.search.tree import ROOT, UNVISITED, Params


class LeafEvaluations(NamedTuple):
    """What `expand_and_backup` reads about each new leaf, in its argument order."""

    logits: np.ndarray  # [B, L, A] float32
    legal: np.ndarray  # [B, L, A] bool
    to_play: np.ndarray  # [B, L] int64
    terminal: np.ndarray  # [B, L] bool
    value: np.ndarray  # [B, L] float32: evaluator value, or terminal value where terminal
    score: np.ndarray  # [B, L] float32: expected (or final) margin, leaf player's view;
    #   filled only with a score utility (`SearchConfig.uses_score_utility`)


class Searcher:
    """Searches B games at once and keeps their trees between moves.

    Args:
        domain: the game (either tier).
        evaluator: an `Evaluator` (obs, mask) -> (logits, value), or a `StateEvaluator`.
            With a score utility in `config`, it must also say ``scored = True`` and offer
            ``evaluate_scored(obs, mask) -> (logits, value, score float32[K])``, score =
            the expected final margin for the player to move, in points
            (`distill.inference.NetEvaluator` of a net with a score head), and the domain
            a `Domain.final_score` for terminal leaves.
        batch_size: B, the number of games searched together (fixed for the searcher).
        config: the `SearchConfig`.
        jit: run the whole simulation loop in numba: None = whenever possible (kernel-tier
            domain and an evaluator with ``jit_kind``), False = never, True = required.
    """

    def __init__(
        self,
        domain: Domain,
        evaluator: Any,
        *,
        batch_size: int,
        config: SearchConfig,
        jit: bool | None = None,
    ) -> None:
        if not isinstance(batch_size, int | np.integer) or batch_size < 1:
            raise ConfigError(f"Searcher batch_size must be a positive int, got {batch_size!r}")
        if not isinstance(config, SearchConfig):
            raise ConfigError(f"Searcher config must be a SearchConfig, got {type(config)}")
        self.domain, self.evaluator, self.config = domain, evaluator, config
        self.batch_size = int(batch_size)
        self.num_nodes = config.node_capacity
        self.scored = config.uses_score_utility
        if self.scored:
            _check_scored(domain, evaluator, jit)
        weights = (
            (
                float(config.score_utility_static),
                float(config.score_utility_dynamic),
                float(config.score_utility_scale),
            )
            if self.scored
            else None
        )
        self.tree = tree_mod.allocate(self.batch_size, self.num_nodes, domain.num_actions, weights)
        self.states = domain.new_store(self.batch_size * self.num_nodes)  # [B * N, ...]
        self._reusable = np.zeros(self.batch_size, np.bool_)
        self._tables: dict[int, np.ndarray] = {}
        self.last_simulations = 0
        """Simulations the last `run` made (fewer than asked when its `stop` said so)."""
        self.params = Params(
            gumbel=config.algorithm == "gumbel",
            c_base=float(config.c_base),
            c_init=float(config.c_init),
            fpu_reduction=float(config.fpu_reduction),
            virtual_loss=float(config.virtual_loss),
            c_visit=float(config.gumbel_c_visit),
            c_scale=float(config.gumbel_c_scale),
            forced_k=float(config.forced_k) if config.forced_playouts else 0.0,
        )
        self._loop = None if self.scored else self._jit_loop(jit)

    def _jit_loop(self, jit: bool | None) -> Any:
        kind = getattr(self.evaluator, "jit_kind", None)
        module = self.domain.kernel_module
        possible = module is not None and kind is not None
        if possible and kind == JIT_ROLLOUT:
            possible = getattr(self.evaluator, "domain", None) is not None and (
                self.evaluator.domain.kernel_module == module
            )
        if jit and not possible:
            raise ConfigError(
                "Searcher(jit=True) needs a kernel-tier domain and a jitted "
                "evaluator (uniform_evaluator or a RolloutEvaluator of it)"
            )
        if jit is False or not possible or module is None:
            return None
        from distill.jit import specialize

        return specialize("distill.search._jit_loop", module)

    @property
    def uses_jit(self) -> bool:
        """True when simulations run entirely inside numba."""
        return self._loop is not None

    def run(
        self,
        store: Any,
        idx: Any,
        rng: np.random.Generator,
        *,
        num_simulations: int | None = None,
        add_noise: bool = True,
        temperature: float | np.ndarray = 0.0,
        stop: Callable[[], bool] | None = None,
    ) -> SearchResult:
        """Search from store[idx[b]] for each game b (idx: int64[B]); consumes `rng`.

        add_noise: Dirichlet noise at the root (PUCT) or Gumbel noise (Gumbel; without it the
        considered actions are the top-m of the prior). A tree kept by `advance` is reused
        when its root is the searched position (kernel tier: compared state by state).
        temperature: float or float[B] (per game), >= 0: how PUCT picks `SearchResult.action`
        (`distill.search.root.choose_by_visits`; 0 = the most visited action). Gumbel plays
        its sequential-halving winner whatever the temperature (the Gumbel draw is the
        sample; without noise it is the best considered action).
        stop: asked after each search step (`leaves_per_step` simulations); True ends the
        search there, with what it has (a time limit). Gumbel then plays the best of the
        considered actions with the most visits, which sequential halving visits in
        score order. `last_simulations` says how many ran. Not asked when the whole loop
        runs in numba (`uses_jit`): such a search always runs to the end.
        """
        sims = self._check_run(store, idx, rng, num_simulations)
        temperatures = self._check_temperature(temperature)
        index = as_index(idx)
        self._sync_roots(store, index, sims)
        run_seed = np.uint64(rng.integers(0, 2**63))
        self._expand_roots(run_seed)
        if self.scored:  # the dynamic utility's centre: the root's expected margin now
            tree = cast(tree_mod.ScoredTree, self.tree)
            tree.score_center[:] = tree.node_score_sum[:, ROOT] / tree.node_visits[:, ROOT]
        self._prepare_root(rng, add_noise)
        schedules = self._schedules(sims)
        # Forced playouts are a self-play device (KataGo sec. 3.2): noise-free searches
        # (arena, analysis, play) search and report plain PUCT.
        params = self.params if add_noise else self.params._replace(forced_k=0.0)
        if self._loop is not None:
            num_rollouts = int(getattr(self.evaluator, "num_rollouts", 1))
            self._loop.run_simulations(
                self.tree,
                params,
                schedules,
                self.states,
                sims,
                self.config.leaves_per_step,
                self.evaluator.jit_kind,
                num_rollouts,
                run_seed,
            )
            self.last_simulations = sims
        else:
            self.last_simulations = self._simulate(params, sims, schedules, run_seed, stop)
        self._reusable[:] = True
        return self._result(params, rng, temperatures)

    def advance(self, actions: Any, games: Any = None) -> None:
        """Tree reuse: make each root's child for actions[b] (int64[B]) the new root, keeping
        its subtree (compacted to the front of the arrays). Call after playing the actions.
        Without `reuse_tree`, or when that child was never visited, the row is forgotten.
        games: int64[K], the rows to advance (default all); other rows stay as they are and
        their entries of `actions` are not read."""
        acts = as_index(actions, "actions")
        if acts.shape != (self.batch_size,):
            raise ShapeError(f"actions must be int64[{self.batch_size}], got shape {acts.shape}")
        size = self.batch_size
        rows = np.arange(size) if games is None else as_index(games, "games", size)
        acts = acts[rows]
        if np.any((acts < 0) | (acts >= self.domain.num_actions)):
            raise ShapeError(f"actions must be in 0..{self.domain.num_actions - 1}, got {acts}")
        for b, action in zip(rows.tolist(), acts.tolist(), strict=True):
            child = self.tree.children_index[b, ROOT, action]
            keep = self.config.reuse_tree and self._reusable[b] and child != UNVISITED
            if not keep or not self.tree.node_expanded[b, child]:
                self.reset(np.array([b]))
                continue
            old_of_new = tree_mod.compact_row(self.tree, b, int(child))
            self._move_states(b, old_of_new)

    def reset(self, games: np.ndarray | None = None) -> None:
        """Forget the trees of all games, or only of rows `games` (int64[K])."""
        rows = (
            np.arange(self.batch_size)
            if games is None
            else as_index(games, "games", self.batch_size)
        )
        tree_mod.clear_rows(self.tree, rows)
        self._reusable[rows] = False

    # -- steps of `run` ----------------------------------------------------------------

    def _check_run(self, store: Any, idx: Any, rng: Any, num_simulations: int | None) -> int:
        index = as_index(idx)
        if index.shape != (self.batch_size,):
            raise ShapeError(
                f"idx must be int64[{self.batch_size}] (batch_size), got shape {index.shape}"
            )
        if not isinstance(rng, np.random.Generator):
            raise ConfigError(f"rng must be a numpy Generator, got {type(rng).__name__}")
        sims = self.config.num_simulations if num_simulations is None else num_simulations
        if not isinstance(sims, int | np.integer) or not 1 <= sims < self.num_nodes:
            raise ConfigError(
                f"num_simulations must be an int in 1..{self.num_nodes - 1} "
                f"(max_nodes - 1), got {sims!r}"
            )
        done, _ = self.domain.terminal(store, index)
        if done.any():
            raise DistillError(
                f"cannot search finished games: store[idx[b]] is over for "
                f"b in {np.flatnonzero(done).tolist()}"
            )
        return int(sims)

    def _check_temperature(self, temperature: float | np.ndarray) -> np.ndarray:
        """float64[B]: the per-game temperatures, or ConfigError naming the bad value."""
        try:
            temps = np.broadcast_to(np.asarray(temperature, dtype=np.float64), (self.batch_size,))
        except (TypeError, ValueError):
            raise ConfigError(
                f"temperature must be a float or float[{self.batch_size}], got {temperature!r}"
            ) from None
        if not np.all(np.isfinite(temps) & (temps >= 0.0)):
            raise ConfigError(f"temperature must be finite and >= 0, got {temperature!r}")
        return temps

    def _sync_roots(self, store: Any, index: np.ndarray, sims: int) -> None:
        """Keep trees whose root is the searched position and that have room; reset others."""
        root_slots = np.arange(self.batch_size, dtype=np.int64) * self.num_nodes
        keep = self._reusable & (self.tree.node_count + sims <= self.num_nodes)
        if isinstance(self.states, np.ndarray):
            keep &= self.domain.same_states(self.states, root_slots, store, index)
        fresh = np.flatnonzero(~keep)
        self.reset(fresh)
        self.domain.copy(store, index[fresh], self.states, root_slots[fresh])

    def _expand_roots(self, run_seed: np.uint64) -> None:
        rows = np.flatnonzero(~self.tree.node_expanded[:, ROOT]).astype(np.int64)
        if rows.size == 0:
            return
        slots = rows * self.num_nodes
        legal = self.domain.legal_mask(self.states, slots)
        to_play = self.domain.to_play(self.states, slots)
        logits, value, score = self._evaluate(slots, rows, np.zeros_like(rows), legal, run_seed)
        expand_roots(self.tree, rows, logits, legal, to_play, value, score)

    def _prepare_root(self, rng: np.random.Generator, add_noise: bool) -> None:
        config = self.config
        if config.algorithm == "gumbel":
            gumbel_root(
                self.tree, rng, num_considered=config.gumbel_num_considered, add_noise=add_noise
            )
        else:
            dirichlet_root_prior(
                self.tree,
                rng,
                alpha=config.dirichlet_alpha,
                fraction=config.dirichlet_fraction,
                add_noise=add_noise,
            )

    def _schedules(self, sims: int) -> np.ndarray:
        """int32[B, S]: each root's Gumbel visit schedule (a dummy column for PUCT)."""
        if self.config.algorithm != "gumbel":
            return np.zeros((self.batch_size, 1), np.int32)
        if sims not in self._tables:
            self._tables[sims] = considered_visit_table(self.config.gumbel_num_considered, sims)
        return np.ascontiguousarray(gumbel_schedules(self.tree, self._tables[sims]))

    def _simulate(
        self,
        params: Params,
        sims: int,
        schedules: np.ndarray,
        run_seed: np.uint64,
        stop: Callable[[], bool] | None = None,
    ) -> int:
        """The Python-orchestrated simulation loop (any domain, any evaluator); the
        simulations run (fewer than `sims` when `stop()` said so)."""
        batch, width, num_actions = (
            self.batch_size,
            self.config.leaves_per_step,
            self.domain.num_actions,
        )
        leaf_node = np.zeros((batch, width), np.int32)  # [B, L]
        leaf_kind = np.zeros((batch, width), np.int32)  # [B, L]
        leaves = LeafEvaluations(
            logits=np.zeros((batch, width, num_actions), np.float32),
            legal=np.zeros((batch, width, num_actions), np.bool_),
            to_play=np.zeros((batch, width), np.int64),
            terminal=np.zeros((batch, width), np.bool_),
            value=np.zeros((batch, width), np.float32),
            score=np.zeros((batch, width), np.float32),
        )
        done = 0
        while done < sims:
            count = min(width, sims - done)
            select_leaves(self.tree, params, schedules, count, leaf_node, leaf_kind)
            rows, cols = np.nonzero(leaf_kind == NEW)
            if rows.size:
                self._evaluate_new_leaves(rows, cols, leaf_node[rows, cols], leaves, run_seed)
            expand_and_backup(self.tree, leaf_node, leaf_kind, *leaves)
            done += count
            if stop is not None and done < sims and stop():
                break
        return done

    def _evaluate_new_leaves(
        self,
        rows: np.ndarray,
        cols: np.ndarray,
        nodes: np.ndarray,
        leaves: LeafEvaluations,
        run_seed: np.uint64,
    ) -> None:
        """Step each new leaf's parent state into its slot, then fill leaves[rows, cols]:
        terminal leaves from the domain, the others from ONE evaluator call."""
        nodes = nodes.astype(np.int64)
        dst = rows * self.num_nodes + nodes
        src = rows * self.num_nodes + self.tree.parents[rows, nodes]
        actions = self.tree.action_from_parent[rows, nodes]
        self.domain.step(self.states, src, self.states, dst, actions)
        over, terminal_value = self.domain.terminal(self.states, dst)
        legal = self.domain.legal_mask(self.states, dst)
        to_play = self.domain.to_play(self.states, dst)
        leaves.legal[rows, cols] = legal
        leaves.to_play[rows, cols] = to_play
        leaves.terminal[rows, cols] = over
        leaves.value[rows, cols] = terminal_value
        leaves.logits[rows, cols] = 0.0
        if self.scored and over.any():
            leaves.score[rows[over], cols[over]] = self._final_margins(dst[over], to_play[over])
        live = ~over
        if live.any():
            logits, value, score = self._evaluate(
                dst[live], rows[live], nodes[live], legal[live], run_seed
            )
            leaves.logits[rows[live], cols[live]] = logits
            leaves.value[rows[live], cols[live]] = value
            leaves.score[rows[live], cols[live]] = score

    def _final_margins(self, slots: np.ndarray, to_play: np.ndarray) -> np.ndarray:
        """float32[K]: `Domain.final_score` of the finished states in `slots`, for the
        player to move there (to_play int[K])."""
        final_score = self.domain.final_score
        assert final_score is not None  # checked by `_check_scored`
        margins = np.array([final_score(self.states[slot]) for slot in slots], np.float32)
        return np.where(np.asarray(to_play) == 0, margins, -margins).astype(np.float32)

    def _evaluate(
        self,
        slots: np.ndarray,
        rows: np.ndarray,
        nodes: np.ndarray,
        legal: np.ndarray,
        run_seed: np.uint64,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(logits float32[K, A], value float32[K], score float32[K]) of the states in
        `slots`: one call. The score (expected margin) is the evaluator's with a score
        utility, else zeros (unread)."""
        score = np.zeros(slots.shape[0], np.float32)
        if self.scored:
            obs = self.domain.encode(self.states, slots)
            logits, value, score = self.evaluator.evaluate_scored(obs, legal)
            score = np.ascontiguousarray(score, dtype=np.float32).reshape(-1)
            if score.shape != (slots.shape[0],):
                raise ShapeError(
                    f"evaluator score must be float32[{slots.shape[0]}], got shape {score.shape}"
                )
        elif hasattr(self.evaluator, "evaluate_states"):
            seeds = leaf_seeds(run_seed, rows.astype(np.int64), nodes.astype(np.int64))
            logits, value = self.evaluator.evaluate_states(self.states, slots, seeds)
        else:
            logits, value = self.evaluator(self.domain.encode(self.states, slots), legal)
        logits = np.ascontiguousarray(logits, dtype=np.float32)
        value = np.ascontiguousarray(value, dtype=np.float32).reshape(-1)
        expected = (slots.shape[0], self.domain.num_actions)
        if logits.shape != expected:
            raise ShapeError(
                f"evaluator logits must be float32{list(expected)}, got shape {logits.shape}"
            )
        if value.shape != (slots.shape[0],):
            raise ShapeError(
                f"evaluator value must be float32[{slots.shape[0]}], got shape {value.shape}"
            )
        return logits, value, score

    def _result(
        self, params: Params, rng: np.random.Generator, temperature: np.ndarray
    ) -> SearchResult:
        batch, num_actions = self.batch_size, self.domain.num_actions
        visit_counts = np.zeros((batch, num_actions), np.int32)
        q_values = np.zeros((batch, num_actions), np.float32)
        policy = np.zeros((batch, num_actions), np.float32)
        root_value = np.zeros(batch, np.float32)
        action = np.zeros(batch, np.int64)
        root_statistics(self.tree, params, visit_counts, q_values, policy, root_value, action)
        if self.config.algorithm != "gumbel":
            action = choose_by_visits(visit_counts, q_values, temperature, rng)
        prior = self.tree.children_prior[:, ROOT].copy()
        return SearchResult(
            visit_counts=visit_counts,
            policy_target=policy,
            root_value=root_value,
            q_values=q_values,
            prior=prior,
            action=action,
        )

    def _move_states(self, b: int, old_of_new: np.ndarray) -> None:
        """Move game b's node states the way `compact_row` moved its nodes."""
        base = b * self.num_nodes
        new_slots = base + np.arange(old_of_new.shape[0])
        old_slots = base + old_of_new.astype(np.int64)
        if isinstance(self.states, np.ndarray):
            self.states[new_slots] = self.states[old_slots]
        else:
            items = self.states.items
            moved = [items[i] for i in old_slots]
            for slot, item in zip(new_slots, moved, strict=True):
                items[slot] = item


def _check_scored(domain: Domain, evaluator: Any, jit: bool | None) -> None:
    """ConfigError unless a search with a score utility can run: an evaluator with
    ``evaluate_scored``, a domain with `Domain.final_score`, not the jitted loop."""
    if jit:
        raise ConfigError(
            "Searcher(jit=True) has no score utility: the jitted evaluators give no score"
        )
    if not (getattr(evaluator, "scored", False) and hasattr(evaluator, "evaluate_scored")):
        raise ConfigError(
            "the search's score utility (search.score_utility_static / _dynamic) needs an "
            f"evaluator with a score (a network with a score head); {evaluator!r} has none"
        )
    if domain.final_score is None:
        raise ConfigError(
            f"the search's score utility needs a domain with a final score; "
            f"{domain.name!r} has none"
        )
