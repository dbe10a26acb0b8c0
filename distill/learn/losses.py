"""Training losses as plain functions of tensors (testable without a Trainer).

Shapes: B positions, A actions, K short-term horizons. Targets are from the
view of the player to move, like the network outputs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from distill.logits import ILLEGAL_LOGIT


def masked_log_softmax(logits: Tensor, mask: Tensor) -> Tensor:
    """log-probabilities [B, A] over the legal actions (mask bool[B, A], True = legal);
    illegal entries are ~ `ILLEGAL_LOGIT`."""
    return logits.masked_fill(~mask, ILLEGAL_LOGIT).log_softmax(dim=-1)


def weighted_mean(per_row: Tensor, weight: Tensor | None) -> Tensor:
    """Mean of per_row [B] with optional non-negative weights [B] (0 if all weights are 0)."""
    if weight is None:
        return per_row.mean()
    return (per_row * weight).sum() / weight.sum().clamp_min(1e-8)


def policy_loss(
    logits: Tensor, target: Tensor, mask: Tensor, weight: Tensor | None = None
) -> Tensor:
    """Cross-entropy H(target, softmax over legal actions) averaged over the batch.

    logits float[B, A]; target float[B, A], the search policy (rows sum to 1; mass on
    illegal actions is ignored); mask bool[B, A]; weight float[B] or None (e.g. 0 for
    playout-cap "fast" searches, KataGo's playout cap randomization, Wu 2019 Sec. 3.1).
    """
    log_probs = masked_log_softmax(logits.float(), mask)
    per_row = -(target * log_probs.masked_fill(~mask, 0.0)).sum(dim=-1)
    return weighted_mean(per_row, weight)


def policy_gradient_loss(logits: Tensor, mask: Tensor, action: Tensor, advantage: Tensor) -> Tensor:
    """Mean over the batch of -log π(a|s) · advantage: the score-function estimator of
    the policy gradient (Williams 1992, REINFORCE; with GAE advantages, Schulman et al.
    2016, arXiv:1506.02438, eq. 18 without PPO's clipping).

    logits float[B, A]; mask bool[B, A]; action int64[B], the move played (legal);
    advantage float[B], treated as a constant (no gradient flows into it). Its gradient
    raises the played move's probability where the advantage is positive.
    """
    log_probs = masked_log_softmax(logits.float(), mask)
    played = log_probs.gather(1, action.long().unsqueeze(1)).squeeze(1)
    return -(played * advantage.detach().float()).mean()


def policy_entropy(logits: Tensor, mask: Tensor) -> Tensor:
    """Mean entropy H(π) = -Σ_a π(a) log π(a) over the legal actions (nats), [B] -> scalar."""
    log_probs = masked_log_softmax(logits.float(), mask).masked_fill(~mask, 0.0)
    return -(log_probs.exp() * log_probs).sum(dim=-1).mean()


def wdl_target(value: Tensor) -> Tensor:
    """[B, 3] win/draw/loss distribution with expectation `value` in [-1, 1]:
    (max(v, 0), 1 - |v|, max(-v, 0)); exact for outcomes -1, 0, 1."""
    v = value.clamp(-1.0, 1.0)
    return torch.stack([v.clamp_min(0.0), 1.0 - v.abs(), (-v).clamp_min(0.0)], dim=-1)


def value_loss(value: Tensor, target: Tensor, wdl_logits: Tensor | None = None) -> Tensor:
    """Scalar head: mean squared error of value [B] against target [B].
    WDL head (wdl_logits [B, 3] given): cross-entropy against `wdl_target(target)`."""
    if wdl_logits is None:
        return F.mse_loss(value.float(), target.float())
    soft = wdl_target(target.float())
    return -(soft * wdl_logits.float().log_softmax(dim=-1)).sum(dim=-1).mean()


def short_term_loss(prediction: Tensor, target: Tensor) -> Tensor:
    """Mean squared error of the short-term values [B, K] (0 when K = 0)."""
    if prediction.shape[-1] == 0:
        return prediction.sum() * 0.0
    return F.mse_loss(prediction.float(), target.float())


def ownership_loss(prediction: Tensor, target: Tensor, weight: Tensor | None = None) -> Tensor:
    """Mean squared error of ownership [B, H, W] in [-1, 1] over the cells of each row, then
    the (weighted) mean over rows; weight float[B] or None (0 for games that did not end,
    `distill.replay.buffer`). Off-board cells are 0 in both."""
    per_row = (prediction.float() - target.float()).square().flatten(1).mean(dim=1)
    return weighted_mean(per_row, weight)


def score_loss(
    prediction: Tensor, target: Tensor, scale: float, weight: Tensor | None = None
) -> Tensor:
    """Huber loss (delta 1) of the score margin [B] in points, both divided by `scale`
    (e.g. the board's cells, so a whole-board margin is about 1: quadratic for ordinary
    errors, linear for the occasional huge margin of a massacre), then the (weighted) mean
    over rows; weight float[B] or None."""
    error = (prediction.float() - target.float()) / scale
    per_row = F.huber_loss(error, torch.zeros_like(error), reduction="none", delta=1.0)
    return weighted_mean(per_row, weight)
