"""The steps of one generation, each leaving durable files (used by `distill.flywheel.loop`).

* `selfplay_round`: G games with the latest weights → one replay shard, recorded in state.
* `learn`: optimizer steps on a fresh replay window → the generation's checkpoint.
* `arena_step`: the evaluation metrics of the current network.

Each step draws its randomness from `seeded` (recipe seed, stream, generation,
round), never from the clock, so a step redone after a crash writes the same files.
(The one exception: with ``arena.time_share`` set, how many rating games an arena
plays depends on measured time; a redone arena still replaces, never adds to, the
killed one's games.)
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from distill.arena.evaluate import run_arena
from distill.arena.rate import arena_allowance
from distill.devices import Placement, resolve_device
from distill.domain import Domain
from distill.fileio import atomic_write
from distill.flywheel.run_dir import RunDir, RunState, checkpoint_name
from distill.flywheel.selfplay import SelfPlayBatch, SelfPlayWorker
from distill.learn import (
    DistillModule,
    ReplayDataModule,
    fit_generation,
    load_checkpoint,
    save_checkpoint,
)
from distill.metrics import ArenaMetrics, SelfPlayMetrics, parse_rows
from distill.nets import build_net
from distill.recipe import Recipe, derive
from distill.replay import shard_meta, shard_name, write_shard

if TYPE_CHECKING:
    from distill.flywheel.rounds import RoundSummary

GAME_ID_STRIDE = 1_000_000  # game ids: generation * stride + round * games_per_round + g


#: Random streams of a generation (the first key of `seeded` after the seed).
SELFPLAY, LEARNER_INIT, LEARNER_DATA, ARENA = 0, 1, 2, 3


def seeded(recipe: Recipe, stream: int, *keys: int) -> np.random.Generator:
    """The rng of one step: a pure function of the recipe seed, the stream and indices."""
    return np.random.default_rng([recipe.seed, stream, *keys])


@dataclass
class Learner:
    """The network and its training system (weights + optimizer state live in `module`)."""

    domain: Domain
    module: DistillModule
    placement: Placement = dataclasses.field(default_factory=lambda: resolve_device("cpu"))
    """Where inference and training run (the recipe's ``device``, `distill.devices`)."""

    @classmethod
    def create(cls, recipe: Recipe, domain: Domain) -> Learner:
        torch.manual_seed(recipe.seed)  # the initial weights are part of the run's identity
        net = build_net(recipe.network, domain.obs_shape, domain.num_actions)
        total = derive(recipe).total_learner_steps
        module = DistillModule(net, recipe.learner, total_steps=total, credit=recipe.credit)
        return cls(domain, module, resolve_device(recipe.device, recipe.precision))

    def evaluator(self) -> Any:
        """A fresh evaluator of the current weights on the run's device and in its
        inference dtype (`distill.devices`; rebuilt after every fit)."""
        from distill.inference import InferenceOptions, NetEvaluator

        options = InferenceOptions(dtype=self.placement.inference_dtype)
        return NetEvaluator(self.module.net, device=self.placement.device, options=options)

    def weights(self) -> dict[str, torch.Tensor]:
        """The network's weights as CPU tensors (what actors load by version)."""
        return {k: v.detach().cpu() for k, v in self.module.net.state_dict().items()}


def selfplay_round(
    recipe: Recipe,
    run: RunDir,
    state: RunState,
    worker: SelfPlayWorker,
    domain: Domain,
    version: int = 0,
) -> SelfPlayBatch:
    """Play round `state.rounds_done` of the current generation, write its shard, record it."""
    batch = worker.play(seeded(recipe, SELFPLAY, state.generation, state.rounds_done))
    return record_round(recipe, run, state, batch, domain, version)


def record_round(
    recipe: Recipe,
    run: RunDir,
    state: RunState,
    batch: SelfPlayBatch,
    domain: Domain,
    version: int = 0,
) -> SelfPlayBatch:
    """Write `batch`, played with the rng ``seeded(recipe, SELFPLAY, g, r)`` of round
    r = `state.rounds_done` by the weights `version`, as that round's shard (its metadata
    records the version) and record it (durably) in `state`.

    The one writer of replay for rounds played here or on Ray units; actor pools write
    their own shards (`distill.flywheel.rounds.PoolSelfPlay`).
    """
    from distill.flywheel.rounds import sample_lines

    g, r = state.generation, state.rounds_done
    first_id = g * GAME_ID_STRIDE + r * derive(recipe).games_per_round
    meta = {**shard_meta(domain), "weights_version": version}
    path = write_shard(run.replay / shard_name(g, r), batch.shard_arrays(g, first_id), meta)
    if r == 0:  # a readable sample of the generation's games
        sample = range(min(batch.num_games, 8))
        moves = [batch.game_moves(k).tolist() for k in sample]
        outcomes = batch.first_player_outcomes()[list(sample)].tolist()
        atomic_write(run.games / f"gen-{g + 1:05d}.txt", sample_lines(domain, moves, outcomes))
    state.shards.append(path.name)
    state.rounds_done += 1
    state.games += batch.num_games
    state.positions += batch.num_positions
    run.write_state(state)
    return batch


def learn(
    recipe: Recipe,
    run: RunDir,
    learner: Learner,
    domain: Domain,
    g: int,
    *,
    steps: int | None = None,
    shards: list[str] | None = None,
) -> dict[str, float]:
    """Optimizer steps on a fresh replay window, then the checkpoint gen-(g+1) (durable).

    steps: optimizer steps (None: ``learner.steps_per_generation``; 0: none, the
    checkpoint repeats the weights). shards: the window reads only these shard names
    (None: every shard in replay/).
    """
    steps = recipe.learner.steps_per_generation if steps is None else steps
    torch.manual_seed(int(seeded(recipe, LEARNER_INIT, g).integers(2**31)))
    augment = recipe.replay.augment
    data = ReplayDataModule(
        run.replay,
        action_perms=domain.action_perms if augment else None,
        cell_perms=domain.cell_perms if augment else None,
        window_positions=recipe.replay.window_positions,
        batch_size=recipe.learner.batch_size,
        batches_per_epoch=max(steps, 1),
        value_config=recipe.credit,
        horizons=recipe.network.heads.short_term_horizons,
        seed=int(seeded(recipe, LEARNER_DATA, g).integers(2**31)),
        shard_names=shards,
    )
    out: dict[str, float] = {}
    version = f"gen{g + 1:05d}"
    for leftover in (run.root / "csv" / version, run.tb / version):  # logs of a killed fit
        shutil.rmtree(leftover, ignore_errors=True)
    if steps > 0:
        learner.module.net.train()
        out = fit_generation(
            learner.module,
            data,
            steps=steps,
            log_dir=run.root,
            version=version,
            devices=recipe.learner.devices,
            accelerator=learner.placement.accelerator,
            precision=learner.placement.precision,
        )
    save_checkpoint(
        run.checkpoints / checkpoint_name(g), learner.module, extra={"generation": g + 1}
    )
    return out


def add_stats(stats: dict[str, float], summary: RoundSummary) -> dict[str, float]:
    """Sum a round's self-play counters into `stats` (returns a new dict)."""
    new = {
        "positions": summary.positions,
        "wall": summary.wall_seconds,
        "eval": summary.eval_seconds,
        "resigned": summary.resigned,
        "would_resign": summary.would_resign,
        "false_resign": summary.false_resign,
    }
    return {k: stats.get(k, 0) + v for k, v in new.items()}


def selfplay_rates(stats: dict[str, float]) -> SelfPlayMetrics | None:
    """Self-play throughput and resignation counts of the generation (None: no self-play
    this session, after a resume past it)."""
    if not stats:
        return None
    return SelfPlayMetrics(
        positions_per_s=stats["positions"] / max(stats["wall"], 1e-9),
        eval_share=stats["eval"] / max(stats["wall"], 1e-9),
        seconds=stats["wall"],
        resigned=int(stats["resigned"]),
        false_resign=int(stats["false_resign"]),
        would_resign=int(stats["would_resign"]),
    )


def fits_done(state: RunState) -> int:
    """The fits the newest weights have had: one per checkpoint, not counting the
    ``gen-00000.ckpt`` a pretrained or exported run begins from."""
    return len(state.checkpoints) - (checkpoint_name(-1) in state.checkpoints)


def load_version(
    recipe: Recipe, run: RunDir, state: RunState, domain: Domain, version: int
) -> Learner:
    """A learner holding weights version `version`, the net after `version` fits:
    checkpoint ``gen-{version:05d}.ckpt``. Version 0 is the run's own beginning: the
    ``gen-00000.ckpt`` of a run made by `distill pretrain` or `distill export`, else a
    tabula rasa run's seeded initial net (`Learner.create`)."""
    learner = Learner.create(recipe, domain)
    name = checkpoint_name(version - 1)
    if version or name in state.checkpoints:
        load_checkpoint(run.checkpoints / name, learner.module)
    return learner


def arena_step(
    recipe: Recipe, run: RunDir, state: RunState, learner: Learner, domain: Domain, g: int
) -> ArenaMetrics:
    """Evaluate the current network (`distill.arena.evaluate.run_arena`) within the arena's
    share of the run's wall time; earlier checkpoints join the rating pool by name.

    The result carries the arena's wall time and the share of the run's wall time that
    all arenas took so far, this one included."""

    def load_network(generations: int) -> Any:
        return load_version(recipe, run, state, domain, generations).evaluator()

    spent = arena_seconds(run)
    start = time.perf_counter()
    metrics = run_arena(
        domain,
        learner.evaluator(),
        recipe,
        seeded(recipe, ARENA, g),
        generation=g,
        arena_dir=run.root / "arena",
        load_network=load_network,
        allowance_s=arena_allowance(recipe.arena, state.elapsed_s - spent, spent),
        cache_dir=run.root / "positions",
    )
    seconds = time.perf_counter() - start
    share = (spent + seconds) / max(state.elapsed_s + seconds, 1e-9)
    return dataclasses.replace(metrics, seconds=seconds, share=share)


def arena_seconds(run: RunDir) -> float:
    """Wall time of all arenas recorded in metrics.csv."""
    return sum(arena_costs(run))


def arena_costs(run: RunDir) -> list[float]:
    """Wall time of each arena recorded in metrics.csv, oldest first."""
    rows = parse_rows(run.read_metrics())
    return [m.arena.seconds or 0.0 for m in rows if m.arena is not None]


def arena_fits(recipe: Recipe, run: RunDir, state: RunState) -> bool:
    """Whether a due arena keeps all arenas within `arena.time_share` of the wall time.

    An arena has a fixed part (error positions, diagnostics, `min_games` per opponent)
    that the game-count controller (`arena_allowance`) cannot shrink, so a regular arena
    is postponed to a later generation while the cheapest arena so far would push the
    share above the target. The first arena, the run's last generation and arenas without
    a time share always run."""
    share = recipe.arena.time_share
    if share is None or last_generation(recipe, state):
        return True
    costs = arena_costs(run)
    if not costs:
        return True
    spent, cheapest = sum(costs), min(costs)
    return (spent + cheapest) <= share * (state.elapsed_s + cheapest)


def last_generation(recipe: Recipe, state: RunState) -> bool:
    """Whether the generation in progress is the run's last (by count or by time)."""
    budget = recipe.budget
    out_of_time = budget.max_minutes is not None and state.elapsed_s >= 60 * budget.max_minutes
    return out_of_time or state.generation + 1 >= budget.generations


__all__ = [
    "Learner",
    "add_stats",
    "arena_costs",
    "arena_fits",
    "arena_seconds",
    "arena_step",
    "last_generation",
    "learn",
    "record_round",
    "seeded",
    "selfplay_rates",
    "selfplay_round",
]
