"""`DistillModule`: the learner as an explicit system (network + loss weights + optimizer).

The network is a separate `nn.Module` (`distill.nets`); the losses are plain
functions (`distill.learn.losses`); the weights, optimizer and schedule come from the
recipe's ``learner`` section (`distill.recipe.LearnerSection`). A batch is a dict of
tensors as produced by `distill.learn.data.ReplayDataModule`:

    obs float32[B, C, H, W], mask bool[B, A], policy float32[B, A],
    policy_weight float32[B], value_target float32[B], short_term float32[B, K],
    ownership float32[B, H, W], score float32[B], final_weight float32[B] (the last
    three where the domain offers ownership / a final score), action int64[B] and
    advantage float32[B] (under a policy-gradient ``credit.policy_loss``)

One module lives across generations: each `fit_generation` makes a fresh Trainer,
and the module carries the optimizer state and the step count (for the LR
schedule) from one fit to the next (and into checkpoints); docs/design.md says why.
"""

from __future__ import annotations

import math
from typing import Any

import lightning.pytorch as pl
import torch
from torch import Tensor, nn

from distill.credit import ValueTargetConfig
from distill.errors import ConfigError
from distill.learn.losses import (
    ownership_loss,
    policy_entropy,
    policy_gradient_loss,
    policy_loss,
    score_loss,
    short_term_loss,
    value_loss,
)
from distill.nets.model import OWNERSHIP, POLICY, SCORE, SHORT_TERM, VALUE, WDL
from distill.recipe import LearnerSection, Schedule


def lr_factor(
    step: int, *, schedule: Schedule, warmup_steps: int, total_steps: int, min_ratio: float
) -> float:
    """Multiplier of the base learning rate at optimizer step `step` (0-based).

    Linear warmup from 1/warmup_steps to 1 over `warmup_steps`, then either constant
    or a cosine decay to `min_ratio` at `total_steps` (Loshchilov & Hutter 2017,
    arXiv:1608.03983, eq. 5 without restarts), constant after that.
    """
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if schedule == "constant":
        return 1.0
    span = max(total_steps - warmup_steps, 1)
    progress = min((step - warmup_steps) / span, 1.0)
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))


class DistillModule(pl.LightningModule):
    """Policy/value distillation of search targets into `net`.

    Loss = policy_weight * (policy term - entropy_bonus * H(π)) + value_weight * value loss
           + aux_weight * (short-term value MSE + ownership MSE)
           + score_weight * score Huber, each auxiliary term where the net has the head
           and the batch the target. The policy term is ``credit.policy_loss``: the
           cross-entropy to the search policy (``distill``), or -log π(a|s) · advantage of
           the move played (``reinforce``, ``gae_actor_critic``; `policy_gradient_loss`).

    Args:
        net: network returning the dict documented in `distill.nets.model`.
        config: the recipe's ``learner`` section: loss weights, optimizer ("adamw",
            decoupled weight decay, Loshchilov & Hutter 2019, or "sgd" with Nesterov
            momentum as AlphaZero/KataGo; weight decay on conv/linear weights only, not
            norms, biases or embeddings; ``momentum`` is SGD's momentum or AdamW's
            beta1) and the LR schedule (`lr_factor`).
        total_steps: optimizer steps of the whole run, the cosine schedule's length
            (`distill.recipe.derive`); None = one generation's steps. Steps count across
            generations.
        credit: the recipe's ``credit`` section: which policy loss and its entropy bonus
            (None = distillation without a bonus).
    """

    def __init__(
        self,
        net: nn.Module,
        config: LearnerSection | None = None,
        *,
        total_steps: int | None = None,
        credit: ValueTargetConfig | None = None,
    ) -> None:
        super().__init__()
        self.config = config = config or LearnerSection()
        self.credit = credit or ValueTargetConfig()
        if config.optimizer not in ("adamw", "sgd"):
            raise ConfigError(f"optimizer must be 'adamw' or 'sgd', got {config.optimizer!r}")
        self.net = net
        steps = config.steps_per_generation if total_steps is None else total_steps
        self.total_steps = max(int(steps), 1)
        #: optimizer steps taken over all fits (drives the LR schedule; checkpointed).
        self.steps_done = 0
        #: optimizer state carried between fits (and into checkpoints); None before the first.
        self.optimizer_state: dict[str, Any] | None = None
        self._step_offset = 0
        self._sums: dict[str, float] = {}
        self._count = 0

    def forward(self, obs: Tensor) -> dict[str, Tensor]:
        return self.net(obs)  # type: ignore[no-any-return]

    def compute_losses(self, batch: dict[str, Tensor]) -> dict[str, Tensor]:
        """All loss terms of one batch and their weighted sum under "loss" (scalars)."""
        out = self.net(batch["obs"])
        losses = {
            "policy": self._policy_term(out[POLICY], batch),
            "value": value_loss(out[VALUE], batch["value_target"], out.get(WDL)),
        }
        # the entropy is logged whatever the bonus: a policy gradient may collapse it
        losses["entropy"] = policy_entropy(out[POLICY], batch["mask"])
        policy_total = losses["policy"] - self.credit.entropy_bonus * losses["entropy"]
        aux = out[VALUE].new_zeros(())
        if SHORT_TERM in out:
            losses["short_term"] = short_term_loss(out[SHORT_TERM], batch["short_term"])
            aux = aux + losses["short_term"]
        final_weight = batch.get("final_weight")
        if OWNERSHIP in out and "ownership" in batch:
            losses["ownership"] = ownership_loss(out[OWNERSHIP], batch["ownership"], final_weight)
            aux = aux + losses["ownership"]
        c = self.config
        total = c.policy_weight * policy_total + c.value_weight * losses["value"]
        total = total + c.aux_weight * aux
        if SCORE in out and "score" in batch:
            cells = float(batch["obs"].shape[-2] * batch["obs"].shape[-1])
            losses["score"] = score_loss(out[SCORE], batch["score"], cells, final_weight)
            total = total + c.score_weight * losses["score"]
        losses["loss"] = total
        return losses

    def _policy_term(self, logits: Tensor, batch: dict[str, Tensor]) -> Tensor:
        """The policy loss ``credit.policy_loss`` picks (without the entropy bonus)."""
        if self.credit.policy_loss == "distill":
            return policy_loss(logits, batch["policy"], batch["mask"], batch.get("policy_weight"))
        if "action" not in batch:
            raise ConfigError(
                f"credit.policy_loss {self.credit.policy_loss} needs batches with the move "
                "played and its advantage (a replay window read under that policy loss)"
            )
        return policy_gradient_loss(logits, batch["mask"], batch["action"], batch["advantage"])

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        losses = self.compute_losses(batch)
        size = batch["obs"].shape[0]
        for key, value in losses.items():
            self.log(f"train/{key}", value.detach(), on_step=True, on_epoch=False, batch_size=size)
            self._sums[key] = self._sums.get(key, 0.0) + float(value.detach())
        self._count += 1
        lr = self.trainer.optimizers[0].param_groups[0]["lr"]
        self.log("train/lr", float(lr), on_step=True, on_epoch=False, batch_size=size)
        return losses["loss"]

    def on_train_batch_end(self, outputs: Any, batch: Any, batch_idx: int) -> None:
        self.steps_done += 1

    def current_lr_factor(self, step: int) -> float:
        return lr_factor(
            step,
            schedule=self.config.schedule,
            warmup_steps=self.config.warmup_steps,
            total_steps=self.total_steps,
            min_ratio=self.config.min_lr_ratio,
        )

    def _param_groups(self) -> list[dict[str, Any]]:
        decay: list[nn.Parameter] = []
        no_decay: list[nn.Parameter] = []
        for name, param in self.net.named_parameters():
            if not param.requires_grad:
                continue
            is_weight = param.ndim > 1 and not name.endswith((".row", ".col"))
            (decay if is_weight else no_decay).append(param)
        return [
            {"params": decay, "weight_decay": self.config.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ]

    def configure_optimizers(self) -> Any:
        """The optimizer, resumed from the previous fit's state (if any), and the LR schedule.

        Lightning calls this after moving the net to its device, so the carried state
        loads onto the right device. It is loaded before the scheduler is made: the
        scheduler keeps the base rate the state records (``initial_lr``) and sets this
        step's rate from `lr_factor`, continuing the schedule where the last fit ended.
        """
        c, groups = self.config, self._param_groups()
        opt: torch.optim.Optimizer
        if c.optimizer == "sgd":
            opt = torch.optim.SGD(groups, lr=c.lr, momentum=c.momentum, nesterov=True)
        else:
            opt = torch.optim.AdamW(groups, lr=c.lr, betas=(c.momentum, 0.999))
        if self.optimizer_state is not None:
            opt.load_state_dict(self.optimizer_state)
        self._step_offset = self.steps_done
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: self.current_lr_factor(self._step_offset + s)
        )
        return {"optimizer": opt, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}

    def on_train_start(self) -> None:
        self.net.train()  # evaluation between generations may have left it in eval mode
        self._sums, self._count = {}, 0

    def on_train_end(self) -> None:
        self.optimizer_state = self.trainer.optimizers[0].state_dict()

    def fit_summary(self) -> dict[str, float]:
        """Mean of each loss term over the steps of the last fit (NaN before any step)."""
        if not self._count:
            return {f"mean/{k}": math.nan for k in ("loss", "policy", "value")}
        return {f"mean/{k}": v / self._count for k, v in self._sums.items()}
