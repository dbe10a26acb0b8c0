"""The outer loop: self-play → credit → replay → learn → arena → checkpoint, per generation.

`train` runs (or resumes) the run directory `run`. Everything it does is a
step that leaves durable files and then records them in ``state.json``
(`distill.flywheel.run_dir` explains why that makes ``kill -9`` safe):

    generation g:
      round r = 0..R-1   self-play G games with the latest weights → one replay shard
      learn              a fresh window of replay (credit: value targets computed on read)
                         → optimizer steps → checkpoint gen-(g+1)
      arena              rating games against the pool, ratings refitted over every
                         game so far, error rates → arena/
      ladder             (recipe ``ladder.every``) games against outside opponents such
                         as GNU Go → ladder/ (`distill.flywheel.ladder`)
                         → a row of metrics.csv

Every random stream is derived from (recipe seed, generation, round), never
from the time, so a redone step reproduces what a killed one would have written.

With ``selfplay.decoupled`` the self-play and learn steps overlap: the actors play
generation g+1's rounds while the learner fits generation g
(`distill.flywheel.decoupled`); arena, ladder and the metrics row stay as above.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import torch

from distill.arena.gamelog import GameLog
from distill.config import from_dict
from distill.devices import check_machine
from distill.errors import ConfigError
from distill.flywheel.decoupled import DecoupledRounds, check_decoupled
from distill.flywheel.generation import (
    Learner,
    add_stats,
    arena_fits,
    arena_step,
    last_generation,
    learn,
    selfplay_rates,
)
from distill.flywheel.ladder import ladder_due, ladder_step
from distill.flywheel.rounds import (
    InProcessSelfPlay,
    PoolSelfPlay,
    RayRounds,
    SelfPlayEngine,
    open_selfplay,
)
from distill.flywheel.run_dir import RunDir, RunState, checkpoint_name
from distill.learn import load_checkpoint
from distill.metrics import FitMetrics, GenerationMetrics, SelfPlayMetrics
from distill.progress import Progress
from distill.recipe import Recipe, derive
from distill.registry import make
from distill.replay import read_shard

if TYPE_CHECKING:
    from distill.scale.ray_selfplay import RaySelfPlay


def load_run_recipe(run: RunDir) -> Recipe:
    """The resolved recipe saved in the run directory."""
    import yaml

    try:
        data = yaml.safe_load(run.read_recipe_text())
    except yaml.YAMLError as exc:
        raise ConfigError(f"{run.recipe_path}: invalid YAML: {exc}") from None
    return from_dict(Recipe, data)


def train(run: RunDir, progress: Progress, units: RaySelfPlay | None = None) -> RunState:
    """Run or resume `run` until its budget is spent; returns the final state.

    units: Ray self-play units (`distill.scale.ray_selfplay`) that play the rounds
    instead of this process; None = self-play here.
    """
    recipe = load_run_recipe(run)
    placement = check_machine(recipe)  # before anything in the run changes
    check_decoupled(recipe, on_ray=units is not None)
    state = run.read_state()
    if state.finished and not _budget_spent(recipe, state):  # the budget was raised
        state.finished = False
        progress.note(f"resume: the budget allows more; generation {state.generation + 1} next")
    removed = run.discard_unrecorded(state)
    dropped = GameLog(run.root / "arena").truncate(state.generation)
    if dropped:
        progress.note(f"resume: dropped {dropped} rating game(s) of an unfinished arena")
    if removed:
        progress.note(f"resume: discarded {len(removed)} unrecorded file(s) of an unfinished step")
    for name in state.shards:  # fail now, before writing anything, if a shard is damaged
        read_shard(run.replay / name)
    torch.set_num_threads(recipe.threads)
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    learner = Learner.create(recipe, domain)
    if state.checkpoints:
        load_checkpoint(run.checkpoints / state.checkpoints[-1], learner.module)
    session_start = time.perf_counter()
    progress.start(recipe, state)
    with open_selfplay(recipe, domain, placement, units, progress.note) as selfplay:
        while not state.finished:
            _generation(recipe, run, state, learner, selfplay, progress)
    if recipe.selfplay.decoupled:  # a budget that ends early leaves rounds of g+1 unrecorded
        run.discard_unrecorded(state)
    progress.finish(state, time.perf_counter() - session_start)
    return state


def _generation(
    recipe: Recipe,
    run: RunDir,
    state: RunState,
    learner: Learner,
    selfplay: SelfPlayEngine,
    progress: Progress,
) -> None:
    """Generation `state.generation` from where `state` says it stopped, recorded."""
    g, domain = state.generation, learner.domain
    step_start = time.perf_counter()
    fit_metrics: dict[str, float] = {}
    rates: SelfPlayMetrics | None = None
    if state.phase == "selfplay":
        if isinstance(selfplay, DecoupledRounds):  # self-play of g+1 overlaps this fit
            fit_metrics, rates = selfplay.play_and_learn(recipe, run, state, learner, progress)
        else:
            selfplay_stats = _selfplay(recipe, run, state, learner, selfplay, progress)
            fit_metrics = learn(recipe, run, learner, domain, g)
            rates = selfplay_rates(selfplay_stats)
        state.checkpoints.append(checkpoint_name(g))
        state.learner_steps = learner.module.steps_done
        state.phase = "learned"
        state.elapsed_s += time.perf_counter() - step_start
        run.write_state(state)
        progress.learned(g, fit_metrics)
        step_start = time.perf_counter()
    arena = None
    if _arena_due(recipe, state) and arena_fits(recipe, run, state):
        arena = arena_step(recipe, run, state, learner, domain, g)
    state.elapsed_s += time.perf_counter() - step_start
    ladder = None
    if ladder_due(recipe, state):
        step_start = time.perf_counter()
        ladder = ladder_step(recipe, run, state, g)
        state.elapsed_s += time.perf_counter() - step_start
    metrics = GenerationMetrics(
        generation=g,
        games=state.games,
        positions=state.positions,
        learner_steps=state.learner_steps,
        elapsed_s=state.elapsed_s,
        fit=FitMetrics.from_fit(fit_metrics),
        selfplay=rates,
        arena=arena,
        ladder=ladder,
    )
    run.append_metrics(metrics.to_row())
    if arena is not None and arena.perfect and state.perfect is None:
        state.perfect = g + 1
    state.generation, state.phase, state.rounds_done = g + 1, "selfplay", 0
    state.finished = _budget_spent(recipe, state)
    run.write_state(state)
    progress.evaluated(g, metrics, state)


def _selfplay(
    recipe: Recipe,
    run: RunDir,
    state: RunState,
    learner: Learner,
    selfplay: InProcessSelfPlay | PoolSelfPlay | RayRounds,
    progress: Progress,
) -> dict[str, float]:
    """The generation's remaining self-play rounds with the newest weights (published as
    version k = the number of checkpoints); returns their summed counters."""
    rounds = derive(recipe).rounds_per_generation
    stats: dict[str, float] = {}
    selfplay.begin(learner, version=len(state.checkpoints))
    while state.rounds_done < rounds:
        summary = selfplay.play(run, state)
        stats = add_stats(stats, summary)
        progress.selfplay(state.generation, state.rounds_done, rounds, summary)
    return stats


def _arena_due(recipe: Recipe, state: RunState) -> bool:
    """Evaluate every `arena.every` generations and after the run's last generation."""
    return last_generation(recipe, state) or (state.generation + 1) % recipe.arena.every == 0


def _budget_spent(recipe: Recipe, state: RunState) -> bool:
    budget = recipe.budget
    if state.generation >= budget.generations:
        return True
    if budget.stop_when_perfect and state.perfect is not None:
        return True
    return budget.max_minutes is not None and state.elapsed_s >= 60.0 * budget.max_minutes


__all__ = ["load_run_recipe", "train"]
