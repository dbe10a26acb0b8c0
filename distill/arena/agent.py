"""Load a run's trained agent: its recipe, domain and a CPU evaluator of a checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distill.domain import Domain
from distill.errors import DistillError
from distill.recipe import Recipe


@dataclass
class Agent:
    """A run's network as an evaluator, with what is needed to search with it."""

    recipe: Recipe
    domain: Domain
    evaluator: Any
    checkpoint: Path


def load_agent(run_dir: str | Path, checkpoint: str | None = None) -> Agent:
    """The agent of `run_dir` at `checkpoint` (a file name in checkpoints/, default latest).

    Raises DistillError when the run has no checkpoint yet, CorruptFileError when the
    checkpoint does not verify or does not fit the recipe's network.
    """
    import torch

    from distill.flywheel.generation import Learner
    from distill.flywheel.loop import load_run_recipe
    from distill.flywheel.run_dir import RunDir
    from distill.learn import load_checkpoint
    from distill.registry import make

    run = RunDir.open(run_dir)
    state = run.read_state()
    if not state.checkpoints:
        raise DistillError(f"{run.root} has no checkpoint yet (train at least one generation)")
    name = checkpoint or state.checkpoints[-1]
    path = run.checkpoints / name
    if not path.is_file():
        present = [c for c in state.checkpoints if (run.checkpoints / c).is_file()]
        what = (
            "the run's latest checkpoint is missing" if checkpoint is None else "no such checkpoint"
        )
        raise DistillError(f"{path}: {what}; {_listing(present)}")
    recipe = load_run_recipe(run)
    torch.set_num_threads(recipe.threads)
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    learner = Learner.create(recipe, domain)
    load_checkpoint(path, learner.module)
    return Agent(recipe, domain, learner.evaluator(), path)


def _listing(names: list[str]) -> str:
    """'on disk: a, b, c' (first and last few only when there are many)."""
    if not names:
        return "none is on disk"
    shown = names if len(names) <= 6 else [*names[:3], "...", *names[-3:]]
    return f"on disk ({len(names)}): {', '.join(shown)}"


__all__ = ["Agent", "load_agent"]
