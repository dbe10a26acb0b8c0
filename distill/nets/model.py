"""`PolicyValueNet`: a trunk plus heads, built from a `NetConfig` by `build_net`.

``net(obs float32[B, C, H, W], mask float32[B, 1, H, W] | None = None)`` returns a
dict of tensors (all from the view of the player to move):

====================  ===============  =============================================
key                   shape            meaning
====================  ===============  =============================================
``policy_logits``     [B, A]           raw policy logits (legal-move masking is the
                                       caller's job: `distill.inference`, losses)
``value``             [B]              expected outcome in [-1, 1]
``wdl_logits``        [B, 3]           win/draw/loss logits (``heads.value="wdl"``)
``short_term``        [B, K]           short-term values, one per horizon (optional)
``ownership``         [B, H, W]        ownership in [-1, 1] (optional, Go)
``score``             [B]              final score margin in points (optional, Go)
====================  ===============  =============================================
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

from distill.errors import ConfigError, ShapeError
from distill.nets.config import NetConfig
from distill.nets.heads import (
    ColumnPolicyHead,
    DensePolicyHead,
    OwnershipHead,
    SpatialPolicyHead,
    ValueHead,
)
from distill.nets.layers import board_mask
from distill.nets.resnet import ResNetTrunk
from distill.nets.transformer import TransformerTrunk

POLICY = "policy_logits"
VALUE = "value"
WDL = "wdl_logits"
SHORT_TERM = "short_term"
OWNERSHIP = "ownership"
SCORE = "score"


def resolve_policy_head(kind: str, board: tuple[int, int], num_actions: int) -> str:
    """The concrete policy head for `kind` ("auto" resolved) or ConfigError if it cannot fit."""
    cells = board[0] * board[1]
    if kind == "auto":
        if num_actions >= cells:
            return "spatial"
        return "column" if num_actions == board[1] else "dense"
    if kind == "spatial" and num_actions < cells:
        raise ConfigError(
            f"heads.policy='spatial' needs num_actions >= H*W={cells}, got {num_actions}"
        )
    if kind == "column" and num_actions != board[1]:
        raise ConfigError(
            f"heads.policy='column' needs num_actions == W={board[1]}, got {num_actions}"
        )
    return kind


class PolicyValueNet(nn.Module):
    """Trunk + policy head + value head (+ optional auxiliary heads). See module doc."""

    def __init__(
        self, config: NetConfig, obs_shape: tuple[int, int, int], num_actions: int
    ) -> None:
        super().__init__()
        self.config = config
        self.obs_shape = tuple(obs_shape)
        self.num_actions = num_actions
        in_channels, height, width = obs_shape
        bn = config.batch_norm
        self.trunk: nn.Module
        if config.backbone == "resnet":
            self.trunk = ResNetTrunk(in_channels, config.resnet, bn)
        else:
            self.trunk = TransformerTrunk(in_channels, config.transformer)
        c = self.trunk.out_channels
        heads = config.heads
        self.policy_kind = resolve_policy_head(heads.policy, (height, width), num_actions)
        self.policy: nn.Module
        if self.policy_kind == "spatial":
            extra = num_actions - height * width
            self.policy = SpatialPolicyHead(c, heads.policy_channels, extra, bn)
        elif self.policy_kind == "column":
            self.policy = ColumnPolicyHead(c, heads.policy_channels, bn)
        else:
            self.policy = DensePolicyHead(c, heads.policy_channels, height * width, num_actions, bn)
        self.value = ValueHead(
            c,
            heads.value_channels,
            heads.value_hidden,
            heads.value == "wdl",
            len(heads.short_term_horizons),
            bn,
            score=heads.score,
        )
        self.ownership = OwnershipHead(c) if heads.ownership else None

    def forward(self, obs: Tensor, mask: Tensor | None = None) -> dict[str, Tensor]:
        if obs.dim() != 4 or obs.shape[1] != self.obs_shape[0]:
            raise ShapeError(
                f"net input must be float[B, {self.obs_shape[0]}, H, W], got {tuple(obs.shape)}"
            )
        if mask is None:
            mask = board_mask(obs, self.config.mask_plane)
        features = self.trunk(obs, mask)
        out = {POLICY: self.policy(features, mask)}
        out.update(self.value(features, mask))
        if self.ownership is not None:
            out[OWNERSHIP] = self.ownership(features, mask)
        return out


def build_net(
    config: NetConfig, obs_shape: tuple[int, int, int], num_actions: int
) -> PolicyValueNet:
    """A fresh `PolicyValueNet` for observations ``obs_shape = (C, H, W)`` and A actions.

    H, W are the board size the policy head is resolved against (the largest board
    for a fully convolutional net serving several sizes). Raises ConfigError if the
    requested policy head cannot produce `num_actions` logits.
    """
    if len(obs_shape) != 3 or min(obs_shape) < 1 or num_actions < 1:
        raise ShapeError(
            f"obs_shape must be (C, H, W) and num_actions >= 1, got {obs_shape}, {num_actions}"
        )
    return PolicyValueNet(config, tuple(obs_shape), int(num_actions))  # type: ignore[arg-type]


def count_params(net: nn.Module, trainable_only: bool = True) -> int:
    """Number of parameters (trainable ones only by default)."""
    return sum(p.numel() for p in net.parameters() if p.requires_grad or not trainable_only)


def count_flops(net: nn.Module, obs_shape: tuple[int, int, int]) -> int:
    """FLOPs of one forward pass on one observation of shape ``(C, H, W)``.

    Counted by `torch.utils.flop_counter.FlopCounterMode`: matrix multiplies and
    convolutions only, a multiply-add counted as 2 FLOPs (the convention of matmul
    GFLOP/s figures); elementwise work (norms, activations, pooling) is left out.

    Runs the net once in eval mode on zeros (weights and running stats untouched).
    Gradients stay enabled so the transformer uses its plain (countable) path
    rather than the fused inference kernel.
    """
    was_training = net.training
    device = next(net.parameters()).device
    obs = torch.zeros((1, *obs_shape), device=device)
    net.eval()
    try:
        with FlopCounterMode(display=False) as counter:
            net(obs)
    finally:
        net.train(was_training)
    return int(counter.get_total_flops())
