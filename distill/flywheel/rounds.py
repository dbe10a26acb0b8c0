"""Self-play rounds of a generation, in the training process or on actor processes.

`open_selfplay` gives the outer loop one of two engines with the same two calls:

* ``begin(learner, version)``: the weights of this generation's self-play, published as
  `version` (the number of checkpoints so far: version k = the weights of gen-k.ckpt).
* ``play(run, state)``: play the next round(s), write their shards, record them in
  ``state.json``; returns one `RoundSummary` per call.

`RayRounds` (``distill train --ray``) plays the rounds on Ray units
(`distill.scale.ray_selfplay`) and records each one here, in order, as it comes back.
`InProcessSelfPlay` plays one round of G games at a time in this process
(`distill.flywheel.generation.selfplay_round`). `PoolSelfPlay` (``selfplay.actors: N``)
plays rounds r..r+N-1 at once, one per actor process of a `distill.actors.ActorPool`;
each actor writes its own shard, and the rounds are recorded together once all are
written. A round is a pure function of (recipe seed, generation, round index) and the
weights version, wherever it is played, so ``kill -9`` while actors are mid-game loses
only those games: their shards are missing or unrecorded, and a resumed run replays
the rounds. With ``selfplay.decoupled`` the pool is driven by
`distill.flywheel.decoupled.DecoupledRounds` instead, which queues a generation's rounds
ahead of the learner.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from distill.devices import Placement
from distill.domain import Domain
from distill.fileio import atomic_write
from distill.flywheel.run_dir import RunDir, RunState
from distill.flywheel.selfplay import SelfPlayBatch, SelfPlayWorker
from distill.recipe import Recipe, derive
from distill.replay import shard_name

if TYPE_CHECKING:
    from distill.flywheel.decoupled import DecoupledRounds


@dataclass(frozen=True)
class RoundSummary:
    """Counters of one engine call (one round, or N parallel rounds on actors)."""

    rounds: int
    games: int
    positions: int
    wall_seconds: float
    """Wall time of the call."""
    eval_seconds: float
    """Of that, time spent waiting for the network (mean over actors with a pool)."""
    resigned: int
    would_resign: int
    false_resign: int

    @property
    def positions_per_second(self) -> float:
        return self.positions / max(self.wall_seconds, 1e-9)

    @classmethod
    def of_batch(cls, batch: SelfPlayBatch) -> RoundSummary:
        return cls(
            rounds=1,
            games=batch.num_games,
            positions=batch.num_positions,
            wall_seconds=batch.stats["wall_seconds"],
            eval_seconds=batch.stats["eval_seconds"],
            resigned=int(batch.resigned.sum()),
            would_resign=int(batch.would_resign.sum()),
            false_resign=int(batch.false_resign.sum()),
        )

    @classmethod
    def of_actors(cls, stats: list[dict[str, Any]], wall_seconds: float) -> RoundSummary:
        """Summed actor stats (`distill.actors.actor`) of rounds played in parallel."""
        return cls(
            rounds=len(stats),
            games=sum(s["games"] for s in stats),
            positions=sum(s["positions"] for s in stats),
            wall_seconds=wall_seconds,
            eval_seconds=sum(s["eval_seconds"] for s in stats) / max(len(stats), 1),
            resigned=sum(s["resigned"] for s in stats),
            would_resign=sum(s["would_resign"] for s in stats),
            false_resign=sum(s["false_resign"] for s in stats),
        )


def sample_lines(domain: Domain, moves: list[Any], outcomes: list[float]) -> str:
    """The readable sample of a generation's games: one line of moves and result each."""
    lines = [
        " ".join(domain.format_action(int(a)) for a in game) + f"  result {int(result):+d}"
        for game, result in zip(moves, outcomes, strict=False)
    ]
    return "\n".join(lines) + "\n"


class InProcessSelfPlay:
    """One round of G games at a time, in this process (``selfplay.actors: 0``)."""

    def __init__(self, recipe: Recipe, domain: Domain) -> None:
        self.recipe, self.domain = recipe, domain
        self.worker: SelfPlayWorker | None = None
        self.version = 0

    def begin(self, learner: Any, version: int) -> None:
        self.version = version
        self.worker = SelfPlayWorker(
            self.domain,
            learner.evaluator(),
            search=self.recipe.search,
            selfplay=self.recipe.selfplay,
            num_games=derive(self.recipe).games_per_round,
        )

    def play(self, run: RunDir, state: RunState) -> RoundSummary:
        from distill.flywheel.generation import selfplay_round

        assert self.worker is not None, "begin() first"
        batch = selfplay_round(self.recipe, run, state, self.worker, self.domain, self.version)
        return RoundSummary.of_batch(batch)


class PoolSelfPlay:
    """N rounds at once on N actor processes (``selfplay.actors: N``; module docstring)."""

    def __init__(self, recipe: Recipe, domain: Domain, placement: Placement, pool: Any) -> None:
        self.recipe, self.domain, self.placement, self.pool = recipe, domain, placement, pool

    def begin(self, learner: Any, version: int) -> None:
        self.pool.set_weights(learner.weights(), version)

    def play(self, run: RunDir, state: RunState) -> RoundSummary:
        from distill.flywheel.generation import GAME_ID_STRIDE, SELFPLAY

        derived, g = derive(self.recipe), state.generation
        stop = min(state.rounds_done + self.pool.num_actors, derived.rounds_per_generation)
        rounds = range(state.rounds_done, stop)
        start = time.perf_counter()
        stats = self.pool.play(
            [[self.recipe.seed, SELFPLAY, g, r] for r in rounds],  # = generation.seeded
            [run.replay / shard_name(g, r) for r in rounds],
            g,
            [g * GAME_ID_STRIDE + r * derived.games_per_round for r in rounds],
        )
        summary = RoundSummary.of_actors(stats, time.perf_counter() - start)
        if rounds[0] == 0:
            text = sample_lines(self.domain, stats[0]["sample_moves"], stats[0]["outcomes"])
            atomic_write(run.games / f"gen-{g + 1:05d}.txt", text)
        state.shards += [shard_name(g, r) for r in rounds]  # all written: record them at once
        state.rounds_done = stop
        state.games += summary.games
        state.positions += summary.positions
        run.write_state(state)
        return summary


class RayRounds:
    """The generation's remaining rounds on Ray units (``distill train --ray``): one
    weights reference per version, whole rounds back, recorded here one by one."""

    def __init__(self, recipe: Recipe, domain: Domain, units: Any, note: Any = None) -> None:
        self.recipe, self.domain, self.units, self.note = recipe, domain, units, note
        self.batches: Iterator[SelfPlayBatch] | None = None
        self.version = 0

    def begin(self, learner: Any, version: int) -> None:
        self.version, self.batches = version, None
        self.units.set_weights(learner.weights(), version=version)

    def play(self, run: RunDir, state: RunState) -> RoundSummary:
        from distill.flywheel.generation import record_round

        if self.batches is None:  # submit every remaining round of the generation at once
            rounds = range(state.rounds_done, derive(self.recipe).rounds_per_generation)
            self.batches = iter(self.units.play_rounds(state.generation, rounds, note=self.note))
        batch = next(self.batches)
        record_round(self.recipe, run, state, batch, self.domain, self.version)
        return RoundSummary.of_batch(batch)


SelfPlayEngine: TypeAlias = "InProcessSelfPlay | PoolSelfPlay | RayRounds | DecoupledRounds"
"""What `open_selfplay` yields: ``begin(learner, version)`` then ``play(run, state)``, or
with ``selfplay.decoupled`` a `distill.flywheel.decoupled.DecoupledRounds`, which the
loop drives through its own ``play_and_learn``."""


@contextlib.contextmanager
def open_selfplay(
    recipe: Recipe,
    domain: Domain,
    placement: Placement,
    units: Any = None,
    note: Any = None,
) -> Iterator[SelfPlayEngine]:
    """The self-play engine of `recipe` (module docstring); a pool is closed on exit.
    units: Ray self-play units (`distill.scale.ray_selfplay.RaySelfPlay`) or None."""
    if units is not None:
        if recipe.selfplay.decoupled:
            from distill.flywheel.decoupled import DecoupledRounds
            from distill.scale.ray_selfplay import RayActorPool

            yield DecoupledRounds(recipe, domain, RayActorPool(units, domain, note))
        else:
            yield RayRounds(recipe, domain, units, note)
        return
    actors = recipe.selfplay.actors
    if not actors:
        yield InProcessSelfPlay(recipe, domain)
        return
    from distill.actors import ActorPool

    inference = recipe.selfplay.inference
    if inference == "auto":
        inference = "server" if placement.cuda else "local"
    with ActorPool(
        recipe.domain.id,
        dict(recipe.domain.kwargs),
        net_config=recipe.network,
        search=recipe.search,
        selfplay=recipe.selfplay,
        actors=actors,
        games_per_actor=derive(recipe).games_per_round,
        device=placement.device,
        dtype=placement.inference_dtype,
        server_threads=recipe.threads,
        inference=inference,
    ) as pool:
        if recipe.selfplay.decoupled:
            from distill.flywheel.decoupled import DecoupledRounds

            yield DecoupledRounds(recipe, domain, pool)
        else:
            yield PoolSelfPlay(recipe, domain, placement, pool)


__all__ = [
    "InProcessSelfPlay",
    "PoolSelfPlay",
    "RayRounds",
    "RoundSummary",
    "SelfPlayEngine",
    "open_selfplay",
    "sample_lines",
]
