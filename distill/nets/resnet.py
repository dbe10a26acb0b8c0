"""Masked, fully convolutional ResNet trunk with KataGo-style global pooling blocks.

Input ``obs float32[B, C_in, H, W]`` and an optional on-board mask
``float32[B, 1, H, W]`` (see `distill.nets.layers`); output features
``float32[B, C, H, W]``, zero off the board. No layer depends on H or W, so one
set of weights runs on every board size.

Blocks are pre-activation residual blocks (He et al. 2016, arXiv:1603.05027).
A global-pooling block (Wu 2019, arXiv:1902.10565, Sec. 4.2) lets distant parts of
the board talk in one layer: after the first convolution, G of its channels are
pooled over the board (mean, size-scaled mean, max) and a linear map of the result
is added as a per-channel bias to the other C - G channels.
"""

from __future__ import annotations

from torch import Tensor, nn

from distill.nets.config import ResNetConfig
from distill.nets.layers import (
    Norm,
    apply_mask,
    conv3x3,
    global_pool,
    relu_norm,
    zero_init,
)


class ResidualBlock(nn.Module):
    """x + conv(relu(norm(conv(relu(norm(x)))))), masked. Shape-preserving [B, C, H, W]."""

    def __init__(self, channels: int, batch_norm: bool) -> None:
        super().__init__()
        self.norm1 = Norm(channels, batch_norm)
        self.conv1 = conv3x3(channels, channels)
        self.norm2 = Norm(channels, batch_norm)
        self.conv2 = conv3x3(channels, channels)
        zero_init(self.conv2)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        h = apply_mask(self.conv1(relu_norm(x, self.norm1, mask)), mask)
        h = apply_mask(self.conv2(relu_norm(h, self.norm2, mask)), mask)
        return x + h


class GlobalPoolingBlock(nn.Module):
    """A residual block whose middle adds a bias pooled from G of its channels.

    conv1 maps C -> C: channels [0, C-G) are "regular", [C-G, C) are pooled into
    [B, 3G], mapped to [B, C-G] and added to the regular channels; conv2 maps the
    C-G regular channels back to C.
    """

    def __init__(self, channels: int, pooled: int, batch_norm: bool) -> None:
        super().__init__()
        self.regular = channels - pooled
        self.norm1 = Norm(channels, batch_norm)
        self.conv1 = conv3x3(channels, channels)
        self.pool_norm = Norm(pooled, batch_norm)
        self.pool_to_bias = nn.Linear(3 * pooled, self.regular, bias=False)
        self.norm2 = Norm(self.regular, batch_norm)
        self.conv2 = conv3x3(self.regular, channels)
        zero_init(self.conv2)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        h = apply_mask(self.conv1(relu_norm(x, self.norm1, mask)), mask)
        regular, pooled = h[:, : self.regular], h[:, self.regular :]
        summary = global_pool(relu_norm(pooled, self.pool_norm, mask), mask)
        regular = apply_mask(regular + self.pool_to_bias(summary)[:, :, None, None], mask)
        h = apply_mask(self.conv2(relu_norm(regular, self.norm2, mask)), mask)
        return x + h


class ResNetTrunk(nn.Module):
    """Stem 3x3 conv, residual/global-pooling blocks, final norm + ReLU.

    ``forward(obs [B, C_in, H, W], mask [B, 1, H, W] | None) -> [B, C, H, W]``.
    """

    def __init__(self, in_channels: int, config: ResNetConfig, batch_norm: bool) -> None:
        super().__init__()
        c = config.channels
        self.out_channels = c
        self.stem = conv3x3(in_channels, c)
        blocks: list[nn.Module] = []
        for i in range(1, config.blocks + 1):
            if config.global_pool_every and i % config.global_pool_every == 0:
                blocks.append(GlobalPoolingBlock(c, config.global_pool_channels, batch_norm))
            else:
                blocks.append(ResidualBlock(c, batch_norm))
        self.blocks = nn.ModuleList(blocks)
        self.final_norm = Norm(c, batch_norm)

    def forward(self, obs: Tensor, mask: Tensor | None) -> Tensor:
        x = apply_mask(self.stem(obs), mask)
        for block in self.blocks:
            x = block(x, mask)
        return relu_norm(x, self.final_norm, mask)
