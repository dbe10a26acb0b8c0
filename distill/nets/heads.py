"""Output heads over trunk features ``float32[B, C, H, W]`` (zero off the board).

Every head takes ``(features, mask)`` with the mask convention of
`distill.nets.layers`. Values are from the view of the player to move.

Policy heads (choose with `HeadsConfig.policy`):

* `SpatialPolicyHead`: logits [B, H*W + extra]; cell a = r*W + c gets a 1x1-conv
  logit, and the ``extra`` global actions (Go's pass) come from pooled features
  (KataGo's pass logit; Wu 2019 Sec. 4.2). Off-board cells get `ILLEGAL_LOGIT`.
* `ColumnPolicyHead`: logits [B, W]: features pooled over each column's rows (mean,
  max) and mapped per column, for games whose actions are columns (Connect Four).
* `DensePolicyHead`: logits [B, A] from a linear layer over the flattened features:
  any action space, but fixed H, W.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from distill.logits import ILLEGAL_LOGIT
from distill.nets.layers import Norm, conv1x1, global_pool, kaiming_fan_in, relu_norm, row_pool


class SpatialPolicyHead(nn.Module):
    """logits [B, H*W + extra]: per-cell logits, then `extra` global-action logits."""

    def __init__(self, channels: int, head_channels: int, extra: int, batch_norm: bool) -> None:
        super().__init__()
        self.extra = extra
        self.conv = conv1x1(channels, head_channels)
        self.norm = Norm(head_channels, batch_norm)
        self.pool_to_bias = nn.Linear(3 * head_channels, head_channels)
        self.cell_logit = conv1x1(head_channels, 1, bias=True)
        self.global_logits = nn.Linear(3 * head_channels, extra) if extra else None

    def forward(self, features: Tensor, mask: Tensor | None) -> Tensor:
        h = relu_norm(self.conv(features), self.norm, mask)
        pooled = global_pool(h, mask)
        h = F.relu(h + self.pool_to_bias(pooled)[:, :, None, None])
        cells = self.cell_logit(h).flatten(1)  # [B, H*W]
        if mask is not None:
            cells = cells.masked_fill(mask.flatten(1) == 0, ILLEGAL_LOGIT)
        if self.global_logits is None:
            return cells
        return torch.cat([cells, self.global_logits(pooled)], dim=1)


class ColumnPolicyHead(nn.Module):
    """logits [B, W]: one per column, from (mean, max) over that column's on-board rows."""

    def __init__(self, channels: int, head_channels: int, batch_norm: bool) -> None:
        super().__init__()
        self.conv = conv1x1(channels, head_channels)
        self.norm = Norm(head_channels, batch_norm)
        self.mix = nn.Conv1d(2 * head_channels, head_channels, kernel_size=1)
        self.column_logit = nn.Conv1d(head_channels, 1, kernel_size=1)

    def forward(self, features: Tensor, mask: Tensor | None) -> Tensor:
        h = relu_norm(self.conv(features), self.norm, mask)
        columns = F.relu(self.mix(row_pool(h, mask)))  # [B, C', W]
        logits = self.column_logit(columns)[:, 0]
        if mask is not None:
            logits = logits.masked_fill(mask.amax(dim=2)[:, 0] == 0, ILLEGAL_LOGIT)
        return logits


class DensePolicyHead(nn.Module):
    """logits [B, A] = Linear(flatten(relu(norm(conv1x1(features))))); fixed H, W."""

    def __init__(
        self, channels: int, head_channels: int, cells: int, num_actions: int, batch_norm: bool
    ) -> None:
        super().__init__()
        self.conv = conv1x1(channels, head_channels)
        self.norm = Norm(head_channels, batch_norm)
        self.linear = nn.Linear(head_channels * cells, num_actions)

    def forward(self, features: Tensor, mask: Tensor | None) -> Tensor:
        h = relu_norm(self.conv(features), self.norm, mask)
        return self.linear(h.flatten(1))  # type: ignore[no-any-return]


class ValueHead(nn.Module):
    """Pooled value head: {"value": [B], "wdl_logits": [B, 3]?, "short_term": [B, K]?,
    "score": [B]?}.

    ``value`` is in [-1, 1] for the player to move: tanh of one output (scalar mode)
    or P(win) - P(loss) of the win/draw/loss softmax (wdl mode; logits ordered
    win, draw, loss). ``short_term`` are K tanh values, one per horizon. ``score`` is
    the final score margin for the player to move in points: one linear output
    times the number of on-board cells, so the layer itself works in margin per
    cell, of order 1 on every board size (KataGo's score mean, Wu 2019 sec. 4.1,
    likewise feeds the value head's pooled features).
    """

    def __init__(
        self,
        channels: int,
        head_channels: int,
        hidden: int,
        wdl: bool,
        horizons: int,
        batch_norm: bool,
        score: bool = False,
    ) -> None:
        super().__init__()
        self.wdl = wdl
        self.conv = conv1x1(channels, head_channels)
        self.norm = Norm(head_channels, batch_norm)
        self.hidden = nn.Linear(3 * head_channels, hidden)
        kaiming_fan_in(self.hidden)
        self.out = nn.Linear(hidden, 3 if wdl else 1)
        self.short_term = nn.Linear(hidden, horizons) if horizons else None
        self.score = nn.Linear(hidden, 1) if score else None

    def forward(self, features: Tensor, mask: Tensor | None) -> dict[str, Tensor]:
        h = relu_norm(self.conv(features), self.norm, mask)
        hidden = F.relu(self.hidden(global_pool(h, mask)))
        raw = self.out(hidden)
        result: dict[str, Tensor] = {}
        if self.wdl:
            probs = raw.softmax(dim=1)
            result["value"] = probs[:, 0] - probs[:, 2]
            result["wdl_logits"] = raw
        else:
            result["value"] = torch.tanh(raw[:, 0])
        if self.short_term is not None:
            result["short_term"] = torch.tanh(self.short_term(hidden))
        if self.score is not None:
            result["score"] = self.score(hidden)[:, 0] * board_cells(features, mask)
        return result


def board_cells(features: Tensor, mask: Tensor | None) -> Tensor:
    """float[B]: on-board cells per sample (H*W without a mask)."""
    if mask is None:
        return features.new_full((features.shape[0],), float(features.shape[2] * features.shape[3]))
    return mask.flatten(1).sum(dim=1).to(features.dtype)


class OwnershipHead(nn.Module):
    """ownership [B, H, W] in [-1, 1]: +1 = the player to move ends up owning the cell."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = conv1x1(channels, 1, bias=True)

    def forward(self, features: Tensor, mask: Tensor | None) -> Tensor:
        own = torch.tanh(self.conv(features))
        return (own if mask is None else own * mask)[:, 0]
