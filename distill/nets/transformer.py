"""Transformer trunk: one token per board cell, learned 2-D position embeddings.

Input ``obs float32[B, C_in, H, W]`` and an optional on-board mask
``float32[B, 1, H, W]``; output ``float32[B, D, H, W]`` (zero off the board), the
same layout as the ResNet trunk, so the same heads sit on top. Cell (r, c) becomes
token r*W + c; its embedding is ``Linear(C_in -> D)(obs[:, :, r, c]) + row[r] + col[c]``
where ``row`` and ``col`` are learned tables sized for `TransformerConfig.max_board`
(factorized 2-D embedding, so any board up to that size works). Off-board tokens
are excluded as attention keys. Layers are pre-norm (Xiong et al. 2020,
arXiv:2002.04745) with GELU and no dropout.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from distill.errors import ShapeError
from distill.nets.config import TransformerConfig


class TransformerTrunk(nn.Module):
    """``forward(obs [B, C_in, H, W], mask [B, 1, H, W] | None) -> [B, D, H, W]``."""

    def __init__(self, in_channels: int, config: TransformerConfig) -> None:
        super().__init__()
        d = config.dim
        self.out_channels = d
        self.max_board = config.max_board
        self.embed = nn.Linear(in_channels, d)
        self.row = nn.Parameter(torch.randn(config.max_board[0], d) * 0.02)
        self.col = nn.Parameter(torch.randn(config.max_board[1], d) * 0.02)
        layer = nn.TransformerEncoderLayer(
            d,
            config.heads,
            dim_feedforward=config.mlp_ratio * d,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.encoder = nn.TransformerEncoder(
            layer, config.layers, norm=nn.LayerNorm(d), enable_nested_tensor=False
        )

    def forward(self, obs: Tensor, mask: Tensor | None) -> Tensor:
        b, _, h, w = obs.shape
        if h > self.max_board[0] or w > self.max_board[1]:
            raise ShapeError(
                f"transformer trunk: board {h}x{w} exceeds max_board "
                f"{self.max_board[0]}x{self.max_board[1]} of its position embeddings"
            )
        tokens = self.embed(obs.flatten(2).transpose(1, 2))  # [B, H*W, D]
        position = (self.row[:h, None, :] + self.col[None, :w, :]).reshape(h * w, -1)
        tokens = tokens + position
        padding = None if mask is None else mask.flatten(1) == 0  # [B, H*W], True = off board
        out = self.encoder(tokens, src_key_padding_mask=padding)
        features = out.transpose(1, 2).reshape(b, -1, h, w)
        return features if mask is None else features * mask
