"""Decoupled self-play and learning (``selfplay.decoupled``): the actors keep playing while
the learner trains, as in KataGo's asynchronous loop (Wu 2019, sec. 5; KataGo's
``python/selfplay`` scripts).

With R rounds per generation, version k = the weights of gen-k.ckpt (0 = the initial
net), and data generation d = the rounds d·R .. d·R+R-1 (shards ``g{d}-r{r}``)::

    data generation d is played with version    v(d) = max(d - 1, 0)

    generation g:  record data generation g's rounds, in order    (the learner waits)
                   publish version g; queue data generation g+1    (if g+1 < generations)
                   fit g on the recorded shards, at most `capped_steps` steps
                                                    (meanwhile the actors play g+1)
                   checkpoint gen-(g+1); arena, ladder, metrics row (`distill.flywheel.loop`)

So self-play runs ahead of the learner by at most one generation, and every shard is
played with weights at most one version behind the learner that first trains on it
(the ``staleness`` column: 0 for data generation 0, 1 after). The learner never waits
for more than its own generation's rounds; self-play waits only when it has played
generation g+1 before fit g ends.

The cap (KataGo's ``train.py -max-train-bucket-per-new-data``: each new data row adds
that many rows to the trainer's bucket, and training stops when the bucket is empty):
learner samples (steps x batch size) over the whole run may not exceed
``learner.max_samples_per_position`` x the self-play positions recorded, so fit g takes
``min(steps_per_generation, floor((cap·P - S) / B))`` steps (`capped_steps`).

Crash safety. The version of every round is fixed by the schedule, not by timing, and
a version is published only when no round is in flight (data generation g is recorded
before version g replaces version g-1), so a server never changes weights under a
running round. A shard is thus a pure function of (seed, data generation, round,
version), recorded in its metadata and checked when it is recorded; fit g reads exactly
the (g+1)·R shards recorded before it (never the ones actors write meanwhile). After
``kill -9`` and ``--resume``, unrecorded shards are discarded and their rounds replayed
with the versions the schedule names (loaded from the checkpoints), so the resumed run
writes what the uninterrupted one would have: only the games in flight are lost.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import torch

from distill.domain import Domain
from distill.errors import ConfigError, DistillError
from distill.fileio import atomic_write
from distill.flywheel.generation import GAME_ID_STRIDE, SELFPLAY, fits_done, learn, load_version
from distill.flywheel.rounds import RoundSummary, sample_lines
from distill.flywheel.run_dir import RunDir, RunState
from distill.metrics import SelfPlayMetrics
from distill.recipe import Recipe, derive
from distill.replay import read_shard, shard_name


def check_decoupled(recipe: Recipe, *, on_ray: bool) -> None:
    """ConfigError unless a ``selfplay.decoupled`` recipe has someone to keep playing while
    the learner trains: actor processes (``selfplay.actors``) or Ray units (`on_ray`)."""
    if recipe.selfplay.decoupled and not on_ray and recipe.selfplay.actors < 1:
        raise ConfigError(
            "recipe field selfplay.decoupled: true needs actor processes to keep playing "
            "while the learner trains: set selfplay.actors >= 1 or train with --ray "
            f"(got selfplay.actors={recipe.selfplay.actors})"
        )


def played_with(data_generation: int) -> int:
    """The weights version that plays the rounds of `data_generation` (module docstring)."""
    return max(data_generation - 1, 0)


def capped_steps(
    steps: int, batch_size: int, max_samples_per_position: float, positions: int, done: int
) -> int:
    """Optimizer steps the next fit may take: at most `steps`, and no more than keeps the
    run's learner samples ``(done + steps) x batch_size`` within ``max_samples_per_position
    x positions`` (the positions self-play has recorded); 0 when the cap is already used.

    `done`: optimizer steps taken so far in the run.
    """
    allowed = math.floor(max_samples_per_position * positions) - done * batch_size
    return max(0, min(steps, allowed // batch_size))


class DecoupledRounds:
    """Rounds queued on an `distill.actors.ActorPool` ahead of the learner, recorded in
    order (module docstring). One object per training session.

    Args:
        recipe, domain: the run's.
        pool: the started pool (its actors play rounds; `set_weights` publishes versions).
    """

    def __init__(self, recipe: Recipe, domain: Domain, pool: Any) -> None:
        self.recipe, self.domain, self.pool = recipe, domain, pool
        derived = derive(recipe)
        self.rounds_per_generation = derived.rounds_per_generation
        self.games_per_round = derived.games_per_round
        self.pending: list[deque[int]] = [deque() for _ in range(pool.num_actors)]
        """Per actor, the round indices it has queued, in order (answers come in order)."""
        self.finished: dict[int, dict[str, Any]] = {}
        """Answered rounds not yet recorded (round index -> actor stats)."""
        self.submitted = 0
        """Rounds below this index are queued or recorded (this session)."""
        self.published: int | None = None
        """The version the actors play with now (None: none published yet)."""
        self.waited_s = 0.0
        self.stats: list[dict[str, Any]] = []
        """Actor stats of the rounds recorded since the last `take_rates`."""

    # -- self-play -------------------------------------------------------------------------

    def queue(
        self, run: RunDir, state: RunState, stop: int, version: int, weights: Callable[[], Any]
    ) -> None:
        """Queue every round below index `stop` that is neither queued nor recorded, with
        weights `version`; `weights()` gives them (called only if not yet published)."""
        start = max(self.submitted, len(state.shards))
        if start >= stop:
            return
        if self.published != version:
            if any(self.pending):  # the schedule publishes only between rounds
                raise DistillError(f"weights version {version} published with rounds in flight")
            self.pool.set_weights(weights(), version)
            self.published = version
        seed, stride = self.recipe.seed, GAME_ID_STRIDE
        for index in range(start, stop):
            d, r = divmod(index, self.rounds_per_generation)
            actor = min(range(len(self.pending)), key=lambda a: len(self.pending[a]))
            first_id = d * stride + r * self.games_per_round
            seed_key = [seed, SELFPLAY, d, r]  # = generation.seeded
            self.pool.submit(actor, seed_key, run.replay / shard_name(d, r), d, first_id)
            self.pending[actor].append(index)
        self.submitted = stop

    def record_until(self, run: RunDir, state: RunState, count: int, progress: Any) -> None:
        """Record answered rounds, in index order, until state.json lists `count` shards
        (blocks on the actors meanwhile: that time is the learner's wait)."""
        start = time.perf_counter()
        while len(state.shards) < count:
            index = len(state.shards)
            if index not in self.finished:
                actor, stats = self.pool.next_result()
                self.finished[self.pending[actor].popleft()] = stats
                continue
            stats = self.finished.pop(index)
            self._record(run, state, index, stats)
            d, r = divmod(index, self.rounds_per_generation)
            summary = RoundSummary.of_actors([stats], stats["wall_seconds"])
            progress.selfplay(d, r + 1, self.rounds_per_generation, summary)
        self.waited_s += time.perf_counter() - start

    def _record(self, run: RunDir, state: RunState, index: int, stats: dict[str, Any]) -> None:
        d, r = divmod(index, self.rounds_per_generation)
        if stats["version"] != played_with(d):
            raise DistillError(
                f"round {r} of data generation {d} was played by weights version "
                f"{stats['version']}, the schedule says {played_with(d)}"
            )
        if r == 0:  # a readable sample of the generation's games
            text = sample_lines(self.domain, stats["sample_moves"], stats["outcomes"])
            atomic_write(run.games / f"gen-{d + 1:05d}.txt", text)
        state.shards.append(shard_name(d, r))
        state.games += stats["games"]
        state.positions += stats["positions"]
        run.write_state(state)
        self.stats.append(stats)

    # -- one generation --------------------------------------------------------------------

    def play_and_learn(
        self, recipe: Recipe, run: RunDir, state: RunState, learner: Any, progress: Any
    ) -> tuple[dict[str, float], SelfPlayMetrics]:
        """Generation `state.generation` up to its durable checkpoint (module docstring);
        returns the fit's summary and the self-play metrics of its data. The caller
        records the checkpoint in state.json."""
        g, rounds = state.generation, self.rounds_per_generation
        old = _weights_of(recipe, run, state, learner)
        self.queue(run, state, (g + 1) * rounds, played_with(g), lambda: old(played_with(g)))
        self.record_until(run, state, (g + 1) * rounds, progress)
        if g + 1 < recipe.budget.generations:  # the actors play g+1 while the learner fits g
            self.queue(run, state, (g + 2) * rounds, g, learner.weights)
        steps = capped_steps(
            recipe.learner.steps_per_generation,
            recipe.learner.batch_size,
            recipe.learner.max_samples_per_position,
            state.positions,
            learner.module.steps_done,
        )
        shards = state.shards[: (g + 1) * rounds]
        fit = learn(recipe, run, learner, self.domain, g, steps=steps, shards=shards)
        done = learner.module.steps_done * recipe.learner.batch_size
        fit["samples_per_position"] = done / max(state.positions, 1)
        return fit, self.take_rates(run, shards[g * rounds :], g)

    def take_rates(self, run: RunDir, new: list[str], g: int) -> SelfPlayMetrics:
        """The self-play metrics of fit `g`'s new shards, and the counters since the last
        call (reset)."""
        versions = [int(read_shard(run.replay / name).meta["weights_version"]) for name in new]
        stale = [g - v for v in versions]
        stats, waited = self.stats, self.waited_s
        self.stats, self.waited_s = [], 0.0
        wall = sum(s["wall_seconds"] for s in stats)
        actors = len(self.pending)
        return SelfPlayMetrics(
            positions_per_s=sum(s["positions"] for s in stats) * actors / wall if wall else None,
            eval_share=sum(s["eval_seconds"] for s in stats) / wall if wall else None,
            seconds=wall / actors if wall else None,
            resigned=sum(s["resigned"] for s in stats),
            false_resign=sum(s["false_resign"] for s in stats),
            would_resign=sum(s["would_resign"] for s in stats),
            staleness=sum(stale) / len(stale) if stale else None,
            staleness_max=max(stale) if stale else None,
            wait_s=waited,
        )


def _weights_of(
    recipe: Recipe, run: RunDir, state: RunState, learner: Any
) -> Callable[[int], dict[str, torch.Tensor]]:
    """version -> its weights: the learner's own for the newest version, else the run's
    beginning (0: a pretrained or exported run's gen-00000.ckpt, a tabula rasa run's
    initial net) or checkpoint gen-k (a resumed run replays rounds of an older one)."""

    def weights(version: int) -> dict[str, torch.Tensor]:
        if version == fits_done(state):
            return learner.weights()  # type: ignore[no-any-return]
        return load_version(recipe, run, state, learner.domain, version).weights()

    return weights


__all__ = ["DecoupledRounds", "capped_steps", "check_decoupled", "played_with"]
