"""`ReplayDataModule`: batches sampled from the newest replay shards (the consumer side).

It only reads shards (self-play writes them; `distill.replay`). On ``setup`` it
loads a `ReplayWindow` of the most recent positions, with value targets computed
by `distill.credit`; the train loader then yields random batches, each row under
a random board symmetry of the domain, as dicts of tensors (layout in
`distill.learn.module`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, IterableDataset

from distill.credit import ValueTargetConfig, ValueTargetSpec
from distill.domain import Domain
from distill.errors import ConfigError, ShapeError
from distill.replay import ReplayBuffer, ReplayWindow


class WindowBatches(IterableDataset):  # type: ignore[type-arg]
    """`batches_per_epoch` random batches from a window per pass (the rng persists)."""

    def __init__(
        self,
        window: ReplayWindow,
        batch_size: int,
        batches_per_epoch: int,
        rng: np.random.Generator,
        action_perms: np.ndarray | None,
        cell_perms: np.ndarray | None,
    ) -> None:
        self.window, self.batch_size, self.batches = window, batch_size, batches_per_epoch
        self.rng, self.action_perms, self.cell_perms = rng, action_perms, cell_perms

    def __iter__(self) -> Iterator[dict[str, Tensor]]:
        for _ in range(self.batches):
            batch = self.window.sample(
                self.batch_size,
                self.rng,
                action_perms=self.action_perms,
                cell_perms=self.cell_perms,
            )
            yield {key: torch.from_numpy(np.ascontiguousarray(v)) for key, v in batch.items()}


class ReplayDataModule(pl.LightningDataModule):
    """Train batches from the newest `window_positions` positions under `root`.

    Args:
        root: replay directory (shards written by `distill.replay.write_shard`).
        action_perms, cell_perms: the domain's symmetries (`Domain.action_perms`,
            `Domain.cell_perms`) for augmentation; None = no augmentation.
        window_positions: how many of the most recent positions to train on.
        batch_size: positions per batch. batches_per_epoch: length of one pass.
        value_config: which value target (z, q, mix, λ-return); the recipe's
            ``credit`` section fits (`distill.credit.ValueTargetSpec`).
        horizons: short-term value horizons (must match the net's heads).
        seed: seeds the sampling rng (batches and symmetries).
        shard_names: read only these shard file names under `root` (None: all of them;
            `distill.replay.ReplayBuffer`).
    """

    def __init__(
        self,
        root: str | Path,
        *,
        action_perms: np.ndarray | None = None,
        cell_perms: np.ndarray | None = None,
        window_positions: int = 100_000,
        batch_size: int = 256,
        batches_per_epoch: int = 1000,
        value_config: ValueTargetSpec | None = None,
        horizons: tuple[float, ...] = (),
        seed: int = 0,
        shard_names: Sequence[str] | None = None,
    ) -> None:
        super().__init__()
        if batch_size < 1 or batches_per_epoch < 1:
            raise ConfigError("batch_size and batches_per_epoch must be >= 1")
        if (action_perms is None) != (cell_perms is None):
            raise ConfigError("give both action_perms and cell_perms, or neither")
        if (
            action_perms is not None
            and cell_perms is not None
            and (len(action_perms) != len(cell_perms))
        ):
            raise ShapeError(
                f"action_perms has {len(action_perms)} symmetries, cell_perms {len(cell_perms)}"
            )
        self.buffer = ReplayBuffer(root, shard_names)
        self.action_perms, self.cell_perms = action_perms, cell_perms
        self.window_positions, self.batch_size = window_positions, batch_size
        self.batches_per_epoch = batches_per_epoch
        self.value_config: ValueTargetSpec = value_config or ValueTargetConfig()
        self.horizons = tuple(horizons)
        self.rng = np.random.default_rng(seed)
        self.window: ReplayWindow | None = None

    @classmethod
    def for_domain(
        cls, root: str | Path, domain: Domain, *, augment: bool = True, **kwargs: Any
    ) -> ReplayDataModule:
        """A data module using `domain`'s symmetries (when `augment`) for augmentation."""
        if augment:
            kwargs.update(action_perms=domain.action_perms, cell_perms=domain.cell_perms)
        return cls(root, **kwargs)

    def setup(self, stage: str | None = None) -> None:
        """(Re)read the newest shards; called by the Trainer at the start of every fit."""
        self.window = self.buffer.window(
            self.window_positions, value_config=self.value_config, horizons=self.horizons
        )
        if len(self.window) == 0:
            raise ShapeError(f"no replay positions under {self.buffer.root} to train on")

    def train_dataloader(self) -> DataLoader:  # type: ignore[type-arg]
        if self.window is None:
            self.setup("fit")
        assert self.window is not None
        batches = WindowBatches(
            self.window,
            self.batch_size,
            self.batches_per_epoch,
            self.rng,
            self.action_perms,
            self.cell_perms,
        )
        return DataLoader(batches, batch_size=None, num_workers=0)
