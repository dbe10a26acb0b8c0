"""The learner: a LightningModule over `distill.nets`, a DataModule over replay shards,
plain-function losses, atomic checkpoints and `fit_generation` for one generation."""

from __future__ import annotations

from distill.learn.checkpoint import (
    build_net_from_checkpoint,
    load_checkpoint,
    read_checkpoint,
    save_checkpoint,
    save_weights,
)
from distill.learn.data import ReplayDataModule
from distill.learn.fit import fit_generation
from distill.learn.losses import (
    masked_log_softmax,
    ownership_loss,
    policy_loss,
    score_loss,
    short_term_loss,
    value_loss,
    wdl_target,
)
from distill.learn.module import DistillModule, lr_factor

__all__ = [
    "DistillModule",
    "ReplayDataModule",
    "build_net_from_checkpoint",
    "fit_generation",
    "load_checkpoint",
    "lr_factor",
    "masked_log_softmax",
    "ownership_loss",
    "policy_loss",
    "read_checkpoint",
    "save_checkpoint",
    "save_weights",
    "score_loss",
    "short_term_loss",
    "value_loss",
    "wdl_target",
]
