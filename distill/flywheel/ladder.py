"""The ladder inside the training loop (recipe section ``ladder``; `distill.gtp.ladder`).

Every ``ladder.every`` generations, and after the run's last generation, the new
checkpoint plays the recipe's opponents exactly as ``distill ladder RUN`` would, and the
results land in ``RUN/ladder/gen-NNNNN/`` (SGFs, ``ladder.json``) and in the
generation's row of metrics.csv (`distill.metrics.LadderMetrics`). Its wall time counts
as the run's time (``elapsed_s``, hence the budget), and its share is reported, so the
Elo-against-time curve of ``distill report`` (``report/ladder.png``) is honest about what
the measurement cost.

Crash safety: a ladder killed part-way leaves a folder without a finished metrics row;
the resumed run deletes that folder and plays the ladder again (its openings and
search seeds derive from the recipe seed and the generation, so only timed searches,
``seconds_per_move``, can make the replay differ).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from distill.flywheel.generation import last_generation, seeded
from distill.flywheel.run_dir import RunDir, RunState, checkpoint_name
from distill.metrics import LadderMetrics, parse_rows
from distill.recipe import Recipe

#: The ladder's random stream in `distill.flywheel.generation.seeded` (after ARENA = 3).
LADDER = 4


def ladder_due(recipe: Recipe, state: RunState) -> bool:
    """Whether generation `state.generation` ends with a ladder: every `ladder.every`
    generations and after the last one (the budget's generations or its minutes)."""
    every = recipe.ladder.every
    return bool(every) and (last_generation(recipe, state) or (state.generation + 1) % every == 0)


def ladder_folder(run: RunDir, g: int) -> Path:
    """Where generation `g`'s ladder writes: ``RUN/ladder/gen-(g+1)``."""
    return run.root / "ladder" / Path(checkpoint_name(g)).stem


def ladder_step(recipe: Recipe, run: RunDir, state: RunState, g: int) -> LadderMetrics:
    """Play the ladder of checkpoint gen-(g+1) (see the module docstring); its metrics,
    with its wall time and the share of the run's wall time all ladders took so far."""
    from distill.gtp.ladder import LadderSettings, anchor_text, run_ladder, win_rates_text

    section = recipe.ladder
    out = ladder_folder(run, g)
    shutil.rmtree(out, ignore_errors=True)  # a killed ladder's games: play it again
    settings = LadderSettings(
        games=section.games,
        seconds_per_move=section.seconds_per_move,
        simulations=section.simulations,
        checkpoint=checkpoint_name(g),
        opening_plies=section.opening_plies,
        seed=int(seeded(recipe, LADDER, g).integers(2**31)),
        resign=section.resign,
        jobs=section.jobs,
    )
    spent = ladder_seconds(run)
    start = time.perf_counter()
    result = run_ladder(run.root, section.opponents, settings, out=out)
    seconds = time.perf_counter() - start
    return LadderMetrics(
        elo=result.elo.elo,
        elo_low=result.elo.low,
        elo_high=result.elo.high,
        anchor=anchor_text(section.opponents),
        games=sum(row.games for row in result.rows),
        win_rates=win_rates_text(result),
        seconds=seconds,
        share=(spent + seconds) / max(state.elapsed_s + seconds, 1e-9),
    )


def ladder_seconds(run: RunDir) -> float:
    """Wall time of all ladders recorded in metrics.csv."""
    rows = parse_rows(run.read_metrics())
    return sum(m.ladder.seconds or 0.0 for m in rows if m.ladder is not None)


__all__ = ["LADDER", "ladder_due", "ladder_folder", "ladder_seconds", "ladder_step"]
