"""Policy-value networks: configs, trunks (ResNet, transformer), heads, cost counters.

``build_net(NetConfig(), obs_shape=(C, H, W), num_actions=A)`` returns a plain
``nn.Module`` whose forward maps ``obs float32[B, C, H, W]`` (and an optional
on-board mask) to a dict with ``policy_logits [B, A]`` and ``value [B]`` (player
to move), plus optional auxiliary outputs; see `distill.nets.model`.
"""

from __future__ import annotations

from distill.nets.config import HeadsConfig, NetConfig, ResNetConfig, TransformerConfig
from distill.nets.model import (
    OWNERSHIP,
    POLICY,
    SCORE,
    SHORT_TERM,
    VALUE,
    WDL,
    PolicyValueNet,
    build_net,
    count_flops,
    count_params,
)

__all__ = [
    "OWNERSHIP",
    "POLICY",
    "SCORE",
    "SHORT_TERM",
    "VALUE",
    "WDL",
    "HeadsConfig",
    "NetConfig",
    "PolicyValueNet",
    "ResNetConfig",
    "TransformerConfig",
    "build_net",
    "count_flops",
    "count_params",
]
