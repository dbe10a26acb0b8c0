"""`fit_ddp`: one generation of training over N processes with Lightning DDP.

``learner.devices: N`` (N > 1) trains each generation data-parallel: N processes, one
per device (GPU, or CPU process with the gloo backend), each running
`distill.learn.fit.fit_generation`'s Trainer with ``strategy="ddp"``. Gradients are
averaged across ranks every step, so the ranks' weights stay identical.

Why this module starts the processes itself instead of Lightning's launchers:
Lightning's ``ddp`` launcher re-runs the whole command line in every child (it would
re-run ``distill train``, self-play included), and ``ddp_spawn`` brings back only the
weights and metrics, not the optimizer state and step count that `DistillModule`
carries across generations (docs/design.md). So the driver spawns N ranks with the
environment of a launched job (``RANK``, ``WORLD_SIZE``, ``MASTER_PORT``...), which
Lightning recognises as processes created externally; each rank trains, and writes the
digest of its final weights to a file; rank 0 also writes the net, optimizer state, step
count and metrics, which the driver loads back into its module. The driver checks that
every rank ended with the same weights, and remains the only writer of checkpoints.

Batches: ``learner.batch_size`` stays the global batch; each rank samples
batch_size / N positions per step from its own random stream (the data module's seed
and the rank), so the ranks see different positions. Batch norm: on GPUs the layers
are synchronised (SyncBatchNorm: statistics of the global batch); on CPU torch has no
SyncBatchNorm, so each rank normalises with its own share, and the running statistics
kept are rank 0's. Parameters are identical on every rank either way.
"""

from __future__ import annotations

import copy
import hashlib
import multiprocessing
import os
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from distill.errors import ConfigError, DistillError
from distill.learn.data import ReplayDataModule
from distill.learn.module import DistillModule


def weights_digest(net: torch.nn.Module) -> str:
    """sha256 of every parameter of `net`, in order (CPU bytes).

    Buffers are left out: without SyncBatchNorm (GPU only in torch) each rank's batch
    norm running statistics follow its own share of the batches.
    """
    digest = hashlib.sha256()
    for name, tensor in net.named_parameters():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fit_ddp(
    module: DistillModule,
    datamodule: ReplayDataModule,
    *,
    devices: int,
    steps: int,
    log_dir: str | Path,
    version: str | None = None,
    accelerator: str = "auto",
    precision: str | None = None,
    log_every: int = 10,
) -> dict[str, float]:
    """Train `module` for `steps` DDP steps on `devices` processes; return rank 0's metrics.

    Same contract as `fit_generation` (the module afterwards holds the trained weights,
    optimizer state and step count), plus ``ranks`` in the metrics. Raises DistillError
    when a rank fails or the ranks' final weights differ.
    """
    if devices < 2:
        raise ConfigError(f"fit_ddp needs devices >= 2, got {devices}")
    if datamodule.batch_size % devices:
        raise ConfigError(
            f"learner.batch_size ({datamodule.batch_size}) must be a multiple of "
            f"learner.devices ({devices}): each rank takes an equal share of a batch"
        )
    fit_kwargs = {
        "steps": steps,
        "log_dir": str(log_dir),
        "version": version,
        "accelerator": accelerator,
        "precision": precision,
        "log_every": log_every,
    }
    threads = max(1, torch.get_num_threads() // devices)
    seed = int(datamodule.rng.integers(2**31))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="distill-ddp-") as tmp:
        _run_ranks(module, datamodule, devices, fit_kwargs, threads, seed, Path(tmp))
        results = [_read_rank(Path(tmp), rank) for rank in range(devices)]
    _check_agreement(results)
    first = results[0]
    module.net.load_state_dict(first["net"])
    module.optimizer_state = first["optimizer"]
    module.steps_done = int(first["steps_done"])
    metrics = {k: float(v) for k, v in first["metrics"].items()}
    metrics["ranks"] = float(devices)
    metrics["samples_per_s"] = steps * datamodule.batch_size / max(metrics["seconds"], 1e-9)
    metrics["wall_seconds"] = time.perf_counter() - start  # with process start-up
    return metrics


def _run_ranks(
    module: DistillModule,
    datamodule: ReplayDataModule,
    devices: int,
    fit_kwargs: dict[str, Any],
    threads: int,
    seed: int,
    out: Path,
) -> None:
    """Start the ranks (spawned: safe with torch threads and CUDA) and wait for all."""
    ctx = multiprocessing.get_context("spawn")
    port = _free_port()
    procs = [
        ctx.Process(
            target=_rank_main,
            args=(rank, devices, port, module, datamodule, fit_kwargs, threads, seed, str(out)),
            name=f"distill-ddp-rank{rank}",
        )
        for rank in range(devices)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join()
    failed = [(p.name, p.exitcode) for p in procs if p.exitcode != 0]
    if failed:
        raise DistillError(
            "DDP: "
            + ", ".join(f"{name} exited with code {code}" for name, code in failed)
            + " (its traceback is above)"
        )


WEIGHT_TOLERANCE = 1e-5
"""Largest |difference| between two ranks' parameters, relative to the parameter's
largest magnitude (plus 1), that still counts as the same weights. Identical gradients
after the all-reduce give identical weights; the margin is for backends whose reductions
may differ in float order between ranks. (Ranks that differed under load on a CPU were
ranks racing on shared tensors, fixed by `_own_tensors`; they now agree bit for bit, as
tests/test_ddp.py checks.)"""


def _check_agreement(results: list[dict[str, Any]]) -> None:
    """DistillError unless every rank's parameters equal rank 0's within WEIGHT_TOLERANCE."""
    first = results[0]["params"]
    for rank, result in enumerate(results[1:], start=1):
        for name, tensor in result["params"].items():
            ref = first[name]
            if not tensor.numel():
                continue
            gap = float((tensor - ref).abs().max())
            if gap > WEIGHT_TOLERANCE * (1.0 + float(ref.abs().max())):
                raise DistillError(
                    f"DDP: rank {rank} ended with different weights from rank 0 "
                    f"({name}: largest difference {gap:.3g})"
                )


def _read_rank(out: Path, rank: int) -> dict[str, Any]:
    path = out / f"rank{rank}.pt"
    if not path.is_file():
        raise DistillError(f"DDP: rank {rank} exited without its result")
    return torch.load(path, map_location="cpu", weights_only=True)  # type: ignore[no-any-return]


def _own_tensors(module: DistillModule) -> None:
    """Give this rank private copies of the net and the optimizer state.

    Spawning pickles `module` with torch's multiprocessing reductions, which move every
    tensor into shared memory: without the copies all ranks would step the same
    parameters and the same AdamW moments and step counts in place (measured: each update
    applied once per rank, the step count advancing by the number of ranks, and ranks
    that raced each other disagreeing under load).
    """
    module.net = copy.deepcopy(module.net)
    if module.optimizer_state is not None:
        module.optimizer_state = copy.deepcopy(module.optimizer_state)


def _rank_main(
    rank: int,
    world: int,
    port: int,
    module: DistillModule,
    datamodule: ReplayDataModule,
    fit_kwargs: dict[str, Any],
    threads: int,
    seed: int,
    out: str,
) -> None:
    """One rank: the environment of a launched DDP job, then the Trainer's fit."""
    from lightning.pytorch.strategies import DDPStrategy

    from distill.learn.fit import fit_generation

    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        WORLD_SIZE=str(world),
        NODE_RANK="0",
        RANK=str(rank),
        LOCAL_RANK=str(rank),
    )
    torch.set_num_threads(threads)
    _own_tensors(module)
    datamodule.rng = np.random.default_rng([seed, rank])
    datamodule.batch_size //= world
    cuda = fit_kwargs["accelerator"] in ("auto", "gpu", "cuda") and torch.cuda.is_available()
    strategy = DDPStrategy(process_group_backend="nccl" if cuda else "gloo")
    metrics = fit_generation(module, datamodule, devices=world, strategy=strategy, **fit_kwargs)
    params = {n: p.detach().cpu().clone() for n, p in module.net.named_parameters()}
    result: dict[str, Any] = {"digest": weights_digest(module.net), "params": params}
    if rank == 0:
        result.update(
            net=module.net.state_dict(),
            optimizer=module.optimizer_state,
            steps_done=int(module.steps_done),
            metrics=metrics,
        )
    torch.save(result, Path(out) / f"rank{rank}.pt")


__all__ = ["fit_ddp", "weights_digest"]
