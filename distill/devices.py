"""Where a run computes: the recipe's ``device: auto|cpu|cuda`` resolved on this machine.

One place decides, so self-play, the learner and the arena never disagree:

============  ==========================  ============================================
``device``    self-play / arena inference  learner (Lightning)
============  ==========================  ============================================
``cpu``       CPU, float32                 ``accelerator="cpu"``, ``precision="32-true"``
``cuda``      CUDA, bfloat16 autocast      ``accelerator="gpu"``, ``precision="bf16-mixed"``
``auto``      ``cuda`` where a CUDA GPU is present, else ``cpu``
============  ==========================  ============================================

`check_machine` refuses, with one line, a recipe this machine cannot run (``device:
cuda`` without a GPU, more self-play actors than cores); `distill train` calls it
before it creates or changes anything in a run directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

from distill.errors import ConfigError

DeviceChoice = Literal["auto", "cpu", "cuda"]


def cuda_available() -> bool:
    """Whether torch sees a CUDA GPU (the one probe, so tests can patch it)."""
    import torch

    return bool(torch.cuda.is_available())


@dataclass(frozen=True)
class Placement:
    """A resolved device choice (see the module docstring's table)."""

    device: str
    """torch device of inference: "cpu" or "cuda"."""
    inference_dtype: Literal["float32", "bfloat16"]
    """Compute dtype of self-play and arena inference."""
    accelerator: str
    """Lightning accelerator of the learner."""
    precision: str
    """Lightning precision of the learner."""

    @property
    def cuda(self) -> bool:
        return self.device == "cuda"


def resolve_device(choice: str) -> Placement:
    """The `Placement` of a recipe's ``device`` on this machine (ConfigError: cuda without
    a GPU, or an unknown choice)."""
    if choice not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"device must be auto, cpu or cuda, got {choice!r}")
    if choice == "cuda" and not cuda_available():
        raise ConfigError(
            "device: cuda, but torch sees no CUDA GPU on this machine "
            "(use device: auto or cpu, or install a CUDA build of torch)"
        )
    if choice == "cpu" or (choice == "auto" and not cuda_available()):
        return Placement("cpu", "float32", "cpu", "32-true")
    return Placement("cuda", "bfloat16", "gpu", "bf16-mixed")


def check_core_count(count: int, what: str) -> None:
    """ConfigError unless 1 <= count <= this machine's CPU count: `what` runs one
    process a core (self-play actors, parallel ladder games)."""
    cores = os.cpu_count() or 1
    if not 1 <= count <= cores:
        raise ConfigError(f"{what} must be in 1..{cores} (this machine's cores), got {count}")


def check_machine(recipe: Any) -> Placement:
    """ConfigError (one line, naming the field) unless this machine can run `recipe`:
    ``device: cuda`` needs a CUDA GPU, ``selfplay.actors`` and ``ladder.jobs`` at most
    the CPU count.
    Returns the resolved `Placement`."""
    from distill.actors import check_actor_count

    try:
        placement = resolve_device(recipe.device)
    except ConfigError as exc:
        raise ConfigError(f"recipe field device: {exc}") from None
    if recipe.selfplay.actors:
        try:
            check_actor_count(recipe.selfplay.actors)
        except ConfigError as exc:
            raise ConfigError(f"recipe field selfplay.actors: {exc}") from None
    if recipe.ladder.every:
        from distill.arena.parallel import check_jobs

        try:
            check_jobs(recipe.ladder.jobs)
        except ConfigError as exc:
            raise ConfigError(f"recipe field ladder.jobs: {exc}") from None
    return placement


__all__ = [
    "DeviceChoice",
    "Placement",
    "check_core_count",
    "check_machine",
    "cuda_available",
    "resolve_device",
]
