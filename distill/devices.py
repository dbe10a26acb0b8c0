"""Where a run computes: the recipe's ``device: auto|cpu|cuda`` and ``precision:
auto|float32|bfloat16`` resolved on this machine.

One place decides, so self-play, the learner and the arena never disagree:

============  ==========================  ============================================
``device``    self-play inference          learner (Lightning)
============  ==========================  ============================================
``cpu``       CPU                          ``accelerator="cpu"``
``cuda``      CUDA                         ``accelerator="gpu"``
``auto``      ``cuda`` where a CUDA GPU is present, else ``cpu``
============  ==========================  ============================================

=============  ==========================  ============================================
``precision``  self-play inference          learner (Lightning)
=============  ==========================  ============================================
``float32``    float32                      ``precision="32-true"``
``bfloat16``   bfloat16 autocast            ``precision="bf16-mixed"`` (float32 weights)
``auto``       ``bfloat16`` on CUDA, ``float32`` on a CPU
=============  ==========================  ============================================

Every network evaluation of a run follows it: self-play, the arena, and the players
that load the run later (`run:` in the ladder, matches and GTP). bfloat16 on a CPU pays
where the CPU computes in it natively (AVX512-BF16 or AMX, `cpu_has_native_bf16`;
measured in docs/benchmarks.md); elsewhere it is emulated and slower than float32.

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
PrecisionChoice = Literal["auto", "float32", "bfloat16"]


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


def cpu_has_native_bf16() -> bool:
    """Whether this CPU computes in bfloat16 natively (AVX512-BF16 or AMX), as torch's
    CPU kernels see it; elsewhere bfloat16 is emulated and slower than float32."""
    import torch

    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in probes)


def inference_dtype(device: str, precision: str) -> Literal["float32", "bfloat16"]:
    """The self-play inference dtype of `precision` (auto|float32|bfloat16) on `device`
    ("cpu" or "cuda"); ConfigError for an unknown precision."""
    if precision == "auto":
        return "bfloat16" if device == "cuda" else "float32"
    if precision == "float32":
        return "float32"
    if precision == "bfloat16":
        return "bfloat16"
    raise ConfigError(f"precision must be auto, float32 or bfloat16, got {precision!r}")


def resolve_device(choice: str, precision: str = "auto") -> Placement:
    """The `Placement` of a recipe's ``device`` and ``precision`` on this machine
    (ConfigError: cuda without a GPU, or an unknown choice)."""
    if choice not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"device must be auto, cpu or cuda, got {choice!r}")
    if choice == "cuda" and not cuda_available():
        raise ConfigError(
            "device: cuda, but torch sees no CUDA GPU on this machine "
            "(use device: auto or cpu, or install a CUDA build of torch)"
        )
    cpu = choice == "cpu" or (choice == "auto" and not cuda_available())
    device = "cpu" if cpu else "cuda"
    dtype = inference_dtype(device, precision)
    learner = "bf16-mixed" if dtype == "bfloat16" else "32-true"
    return Placement(device, dtype, "cpu" if cpu else "gpu", learner)


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
        placement = resolve_device(recipe.device, recipe.precision)
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
    "PrecisionChoice",
    "check_core_count",
    "check_machine",
    "cpu_has_native_bf16",
    "cuda_available",
    "inference_dtype",
    "resolve_device",
]
