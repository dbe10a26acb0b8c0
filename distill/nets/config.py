"""Typed, frozen configs of the networks (loadable from recipes by `distill.config`).

`NetConfig` picks a backbone and holds one sub-config per component. Defaults
describe a small CPU-friendly net (6 blocks x 64 channels). Cross-field checks
live in ``__post_init__`` and raise ``ValueError`` (the recipe loader reports
them against the field path).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class ResNetConfig:
    """A pre-activation residual tower with KataGo-style global pooling blocks."""

    channels: int = 64
    """Width C of the trunk (channels of every residual block)."""
    blocks: int = 6
    """Number of residual blocks."""
    global_pool_every: int = 3
    """Every k-th block (k, 2k, ...) is a global-pooling block; 0 = none."""
    global_pool_channels: int = 16
    """Channels of a global-pooling block that are pooled into a bias for the others."""

    def __post_init__(self) -> None:
        if self.channels < 1 or self.blocks < 0 or self.global_pool_every < 0:
            raise ValueError("channels must be >= 1, blocks and global_pool_every >= 0")
        if self.global_pool_every and not 0 < self.global_pool_channels < self.channels:
            raise ValueError(
                f"global_pool_channels must be in 1..channels-1={self.channels - 1}, "
                f"got {self.global_pool_channels}"
            )


@dataclass(frozen=True)
class TransformerConfig:
    """A pre-norm transformer encoder with one token per board cell."""

    dim: int = 64
    """Token width d_model (also the channels the heads see)."""
    layers: int = 4
    """Number of encoder layers."""
    heads: int = 4
    """Attention heads per layer; must divide `dim`."""
    mlp_ratio: int = 4
    """Hidden width of the feed-forward block, as a multiple of `dim`."""
    max_board: tuple[int, int] = (19, 19)
    """Largest (H, W) the learned row/column position embeddings cover."""

    def __post_init__(self) -> None:
        if self.dim < 1 or self.layers < 0 or self.heads < 1 or self.dim % self.heads:
            raise ValueError(f"heads={self.heads} must divide dim={self.dim}")
        if len(self.max_board) != 2 or min(self.max_board) < 1:
            raise ValueError(f"max_board must be (H, W) >= 1, got {self.max_board}")


@dataclass(frozen=True)
class HeadsConfig:
    """Output heads shared by every backbone."""

    policy: Literal["auto", "spatial", "column", "dense"] = "auto"
    """Policy head kind. ``spatial``: one logit per cell (1x1 conv), then A - H*W extra
    global actions (e.g. Go's pass) from pooled features; fully convolutional.
    ``column``: features pooled over rows give one logit per column (Connect Four,
    A == W); fully convolutional along W. ``dense``: a linear layer over the flattened
    features (any A, fixed board size only). ``auto``: spatial if A >= H*W, else column
    if A == W, else dense."""
    policy_channels: int = 32
    """Channels of the policy head's 1x1 convolution."""
    value: Literal["scalar", "wdl"] = "scalar"
    """``scalar``: one tanh output. ``wdl``: win/draw/loss logits; the scalar value
    exposed is then P(win) - P(loss). Both are from the view of the player to move."""
    value_channels: int = 32
    """Channels of the value head's 1x1 convolution (before global pooling)."""
    value_hidden: int = 64
    """Width of the value head's hidden layer (shared with the short-term values)."""
    short_term_horizons: tuple[float, ...] = ()
    """Horizons h (in moves) of auxiliary short-term value outputs (KataGo-style); the
    targets come from `distill.credit.multi_horizon_targets` with the same horizons."""
    ownership: bool = False
    """Add a per-cell ownership head (tanh, +1 = the player to move owns the cell; Go).
    Trained where the domain offers `Domain.ownership` (self-play records it)."""
    score: bool = False
    """Add a score head: the expected final score margin for the player to move, in
    points (a scalar belief; Wu 2019, arXiv:1902.10565, sec. 4.1, has a distribution).
    Trained where the domain offers `Domain.final_score`."""

    def __post_init__(self) -> None:
        if min(self.policy_channels, self.value_channels, self.value_hidden) < 1:
            raise ValueError("head widths must be >= 1")
        if any(h < 1 for h in self.short_term_horizons):
            raise ValueError(f"short_term_horizons must be >= 1, got {self.short_term_horizons}")


@dataclass(frozen=True)
class NetConfig:
    """A whole policy-value network: a backbone plus heads."""

    backbone: Literal["resnet", "transformer"] = "resnet"
    """Which trunk to build; its settings are in the sub-config of the same name."""
    resnet: ResNetConfig = field(default_factory=ResNetConfig)
    """Settings of the ResNet trunk (used when backbone == "resnet")."""
    transformer: TransformerConfig = field(default_factory=TransformerConfig)
    """Settings of the transformer trunk (used when backbone == "transformer")."""
    heads: HeadsConfig = field(default_factory=HeadsConfig)
    """Output heads."""
    batch_norm: bool = True
    """Use (masked) batch norm in the ResNet trunk and the heads; False = none."""
    mask_plane: int | None = None
    """Observation plane that is 1 on the board and 0 off it (for boards padded into a
    bigger tensor); None = every cell of the tensor is on the board. A mask passed to
    ``forward`` explicitly overrides it."""
