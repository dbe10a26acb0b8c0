"""Masked building blocks shared by the trunks and heads.

Board mask convention: ``mask`` is ``float32[B, 1, H, W]``, 1 on the board and 0
off it (a small board padded into a bigger tensor), or ``None`` when every cell
of the tensor is on the board (the fast path: no masking work at all). Features
off the board are kept at exactly 0, so pooling and convolutions see the same
numbers for a 9x9 board alone or padded into a 19x19 tensor.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

#: Board width b0 and scale of KataGo's size-aware mean: mean * (sqrt(area) - b0) * scale
#: (Wu 2019, "Accelerating Self-Play Learning in Go", arXiv:1902.10565, Sec. 4.2 / App. A).
POOL_SIZE_OFFSET = 14.0
POOL_SIZE_SCALE = 0.1


def apply_mask(x: Tensor, mask: Tensor | None) -> Tensor:
    """x * mask, or x unchanged when mask is None."""
    return x if mask is None else x * mask


def board_mask(obs: Tensor, mask_plane: int | None) -> Tensor | None:
    """float32[B, 1, H, W] on-board mask read from observation plane `mask_plane`, or None."""
    if mask_plane is None:
        return None
    return obs[:, mask_plane : mask_plane + 1].to(obs.dtype)


def global_pool(x: Tensor, mask: Tensor | None) -> Tensor:
    """KataGo global pooling of x [B, C, H, W] over the on-board cells -> [B, 3C].

    Concatenates the mean, the mean scaled by board size ((sqrt(area) - 14) / 10,
    so one net can tell board sizes apart; Wu 2019 Sec. 4.2) and the max.
    """
    if mask is None:
        area = torch.full((x.shape[0], 1), float(x.shape[2] * x.shape[3]), device=x.device)
        mean = x.mean(dim=(2, 3))
        peak = x.amax(dim=(2, 3))
    else:
        area = mask.sum(dim=(2, 3)).clamp_min(1.0)
        mean = (x * mask).sum(dim=(2, 3)) / area
        peak = x.masked_fill(mask == 0, float("-inf")).amax(dim=(2, 3))
    size = (area.sqrt() - POOL_SIZE_OFFSET) * POOL_SIZE_SCALE
    return torch.cat([mean, mean * size.to(mean.dtype), peak], dim=1)


def row_pool(x: Tensor, mask: Tensor | None) -> Tensor:
    """Mean and max of x [B, C, H, W] over the on-board rows of each column -> [B, 2C, W]."""
    if mask is None:
        return torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=1)
    rows = mask.sum(dim=2).clamp_min(1.0)
    mean = (x * mask).sum(dim=2) / rows
    peak = x.masked_fill(mask == 0, float("-inf")).amax(dim=2)
    peak = torch.where(torch.isfinite(peak), peak, torch.zeros_like(peak))  # off-board columns
    return torch.cat([mean, peak], dim=1)


class MaskedBatchNorm(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics count on-board cells only; output is masked.

    With ``mask=None`` it is exactly ``nn.BatchNorm2d``. In eval mode it applies the
    running statistics and multiplies by the mask.
    """

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:  # type: ignore[override]
        if mask is None or not self.training:
            return apply_mask(super().forward(x), mask)
        count = (mask.sum() * 1.0).clamp_min(2.0)
        mean = (x * mask).sum(dim=(0, 2, 3)) / count
        centred = (x - mean[None, :, None, None]) * mask
        var = (centred * centred).sum(dim=(0, 2, 3)) / count
        if self.track_running_stats and self.running_mean is not None:
            assert self.running_var is not None
            momentum = 0.1 if self.momentum is None else self.momentum
            with torch.no_grad():
                unbiased = var * count / (count - 1.0)
                self.running_mean.lerp_(mean.detach(), momentum)
                self.running_var.lerp_(unbiased.detach(), momentum)
        scale = torch.rsqrt(var + self.eps)
        if self.affine:
            scale = scale * self.weight
        out = centred * scale[None, :, None, None]
        if self.affine:
            out = out + self.bias[None, :, None, None]
        return out * mask


class Norm(nn.Module):
    """Masked batch norm, or the identity when the config turns normalization off."""

    def __init__(self, channels: int, enabled: bool) -> None:
        super().__init__()
        self.bn = MaskedBatchNorm(channels) if enabled else None

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        return x if self.bn is None else self.bn(x, mask)


def conv3x3(cin: int, cout: int) -> nn.Conv2d:
    """3x3 'same' convolution without bias (a norm or residual add follows)."""
    return nn.Conv2d(cin, cout, kernel_size=3, padding=1, bias=False)


def conv1x1(cin: int, cout: int, bias: bool = False) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, kernel_size=1, bias=bias)


def zero_init(module: nn.Conv2d | nn.Linear) -> None:
    """Start a residual branch's last layer at zero, so each block begins as the identity
    (Goyal et al. 2017, arXiv:1706.02677, Sec. 5.1); keeps deep towers trainable without BN."""
    nn.init.zeros_(module.weight)
    if module.bias is not None:
        nn.init.zeros_(module.bias)


def relu_norm(x: Tensor, norm: Norm, mask: Tensor | None) -> Tensor:
    """relu(norm(x)), masked (relu keeps off-board zeros at zero)."""
    return F.relu(norm(x, mask))


def kaiming_fan_in(layer: nn.Linear) -> None:
    """He-normal init for a linear layer followed by a ReLU."""
    nn.init.normal_(layer.weight, std=math.sqrt(2.0 / layer.in_features))
    if layer.bias is not None:
        nn.init.zeros_(layer.bias)
