"""`fit_generation`: one generation of training, quietly, on whatever accelerator exists.

Each call builds a fresh Trainer (``accelerator="auto"``; bf16 mixed precision on
a GPU, fp32 on CPU) with CSV and TensorBoard loggers under `log_dir`, no progress
bar, no model summary and no Lightning checkpointing (checkpoints are written by
`distill.learn.checkpoint`, atomically). Lightning's info logs and its
dataloader-worker advice are silenced: the loop shows its own progress display.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger

from distill.errors import ConfigError
from distill.learn.data import ReplayDataModule
from distill.learn.module import DistillModule

_QUIET_LOGGERS = ("lightning.pytorch", "lightning.fabric", "lightning")


@contextlib.contextmanager
def quiet_lightning() -> Iterator[None]:
    """Silence Lightning's INFO logs and its advisory warnings for the duration."""
    saved = {name: logging.getLogger(name).level for name in _QUIET_LOGGERS}
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        warnings.filterwarnings("ignore", message=".*GPU available but not used.*")
        warnings.filterwarnings("ignore", message=".*LeafSpec.*")
        warnings.filterwarnings("ignore", message=".*tensorboardX.*")
        try:
            yield
        finally:
            for name, level in saved.items():
                logging.getLogger(name).setLevel(level)


def default_precision() -> str:
    """ "bf16-mixed" where a CUDA GPU is present, else "32-true"."""
    return "bf16-mixed" if torch.cuda.is_available() else "32-true"


def _on_cuda(accelerator: str) -> bool:
    return accelerator in ("auto", "gpu", "cuda") and torch.cuda.is_available()


def fit_generation(
    module: DistillModule,
    datamodule: ReplayDataModule,
    *,
    steps: int,
    log_dir: str | Path,
    version: str | None = None,
    accelerator: str = "auto",
    precision: str | None = None,
    log_every: int = 10,
    devices: int = 1,
    strategy: Any = None,
) -> dict[str, float]:
    """Train `module` for `steps` optimizer steps on `datamodule`; return metrics.

    Logs go to ``log_dir/csv/<version>/metrics.csv`` and ``log_dir/tb/<version>``
    (`version` e.g. "gen0003"; None = Lightning's next version_N). Returns the
    last-step values (``train/loss``, ``train/policy``, ``train/value``, ...), the
    means over this fit (``mean/loss``, ...), ``steps``, ``seconds`` and
    ``samples_per_s``.

    devices > 1 trains data-parallel on that many processes (`distill.learn.ddp`);
    `strategy` is for those processes themselves (None = one process, or `fit_ddp`).
    """
    if steps < 1:
        raise ConfigError(f"steps must be >= 1, got {steps}")
    if devices > 1 and strategy is None:
        from distill.learn.ddp import fit_ddp

        return fit_ddp(
            module,
            datamodule,
            devices=devices,
            steps=steps,
            log_dir=log_dir,
            version=version,
            accelerator=accelerator,
            precision=precision,
            log_every=log_every,
        )
    log_path = Path(log_dir)
    with quiet_lightning():
        trainer = pl.Trainer(
            accelerator=accelerator,
            devices=devices,
            strategy=strategy or "auto",
            # Batch statistics over the global batch where torch offers it (GPU only)
            sync_batchnorm=devices > 1 and _on_cuda(accelerator),
            precision=precision or default_precision(),  # type: ignore[arg-type]
            max_steps=steps,
            max_epochs=-1,
            logger=[
                CSVLogger(log_path, name="csv", version=version),
                TensorBoardLogger(log_path, name="tb", version=version),
            ],
            log_every_n_steps=max(1, log_every),
            enable_progress_bar=False,
            enable_model_summary=False,
            enable_checkpointing=False,
            num_sanity_val_steps=0,
        )
        start = time.perf_counter()
        trainer.fit(module, datamodule=datamodule)
        seconds = time.perf_counter() - start
    metrics = {k: float(v) for k, v in trainer.callback_metrics.items()}
    metrics.update(module.fit_summary())
    metrics["steps"] = float(trainer.global_step)
    metrics["seconds"] = seconds
    metrics["samples_per_s"] = trainer.global_step * datamodule.batch_size / max(seconds, 1e-9)
    return metrics
