"""The consumer side: a window of the most recent positions, sampled with symmetries.

`ReplayBuffer(root)` lists the shards under `root` (oldest first, by name) and
builds a `ReplayWindow` from the newest ones. The window computes each game's
value targets with `distill.credit` *when it is read*, from the raw fields the
shards keep (root values, players, final value), so the value-target recipe
(z, q, mix, λ; horizons) can change without regenerating data. Likewise a game's final
ownership and score, stored once from player 0's view, become per-position targets from
the view of each position's player to move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from distill.credit import (
    ValueTargetConfig,
    ValueTargetSpec,
    multi_horizon_targets,
    policy_advantages,
    value_targets,
)
from distill.errors import ConfigError, ShapeError
from distill.replay.format import Arrays
from distill.replay.shards import SHARD_SUFFIX, Shard, read_shard
from distill.symmetry import apply_symmetry

#: Per-position fields a window keeps (plus value_target, short_term and the final targets).
WINDOW_FIELDS = (
    "obs",
    "mask",
    "policy",
    "policy_weight",
    "root_value",
    "player",
    "move_index",
    "game_of",
    "generation",
)
#: Final-state targets a window has when its shards do (see `_final_targets`).
FINAL_FIELDS = ("ownership", "score", "final_weight")
#: What a policy-gradient loss adds to a window: the move played and its advantage.
GRADIENT_FIELDS = ("action", "advantage")


def _final_targets(shard: Shard) -> Arrays:
    """Per-position ownership / score targets of a shard that has them (else {}).

    ownership int8[N, H, W] and score float32[N] are the game's final ones seen by the
    player to move at each position (+1 / positive = theirs); final_weight float32[N] is 1
    where the game reached its end and 0 for resigned or move-capped games, whose last
    position is no final result to learn ownership or score from (KataGo likewise trains
    these heads only on games played out).
    """
    a = shard.arrays
    game = np.repeat(np.arange(shard.num_games), a["game_length"])
    sign = np.where(a["player"] == 0, 1, -1).astype(np.int8)
    out: Arrays = {}
    if "game_ownership" in a:
        out["ownership"] = (a["game_ownership"][game] * sign[:, None, None]).astype(np.int8)
    if "game_score" in a:
        out["score"] = (a["game_score"][game] * sign).astype(np.float32)
    if out:
        ended = ~(a["game_resigned"] | a["game_truncated"])
        out["final_weight"] = ended[game].astype(np.float32)
    return out


def _game_targets(
    shard: Shard, config: ValueTargetSpec, horizons: tuple[float, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(value_target float32[N], short_term float32[N, K], advantage float32[N]) of every
    position of a shard; the advantage is `policy_advantages` under ``config.policy_loss``
    over the recorded root values (zeros for ``distill``)."""
    a = shard.arrays
    n = shard.num_positions
    value = np.empty(n, dtype=np.float32)
    short = np.empty((n, len(horizons)), dtype=np.float32)
    advantage = np.zeros(n, dtype=np.float32)
    gradient = config.policy_loss != "distill"
    start = 0
    for g in range(shard.num_games):
        stop = start + int(a["game_length"][g])
        args = (
            a["root_value"][start:stop],
            a["player"][start:stop],
            float(a["game_final_value"][g]),
            int(a["game_final_player"][g]),
        )
        value[start:stop] = value_targets(*args, config)
        if horizons:
            short[start:stop] = multi_horizon_targets(*args, horizons)
        if gradient:
            advantage[start:stop] = policy_advantages(
                *args, policy_loss=config.policy_loss, gae_lambda=config.gae_lambda
            )
        start = stop
    return value, short, advantage


def _require_actions(shard: Shard, config: ValueTargetSpec) -> None:
    """ShapeError naming the shard when a policy-gradient loss needs the moves played and
    the shard (written before self-play recorded them) has none."""
    if config.policy_loss != "distill" and "action" not in shard.arrays:
        raise ShapeError(
            f"{shard.path}: credit.policy_loss {config.policy_loss} needs the move played at "
            "each position, and this shard has no 'action' (written by an older distill); "
            "use credit.policy_loss: distill or train on new self-play"
        )


@dataclass
class ReplayWindow:
    """The most recent positions, concatenated oldest to newest (numpy, host memory).

    ``arrays`` holds the shard position fields (`WINDOW_FIELDS`, obs still float16)
    plus ``value_target float32[N]``, ``short_term float32[N, K]`` and, when every
    shard has them, the final targets ``ownership int8[N, H, W]``, ``score float32[N]``
    (both from the view of the player to move) and ``final_weight float32[N]``; under a
    policy-gradient ``credit.policy_loss``, ``action int64[N]`` (the move played) and
    ``advantage float32[N]`` (its weight, `distill.credit.policy_advantages`).
    """

    arrays: Arrays
    shards: list[Path]

    def __len__(self) -> int:
        return int(self.arrays["value_target"].shape[0])

    def sample(
        self,
        batch_size: int,
        rng: np.random.Generator,
        *,
        action_perms: np.ndarray | None = None,
        cell_perms: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """A uniform random batch (with replacement), each row under a random symmetry.

        Returns obs float32[B, C, H, W], mask bool[B, A], policy float32[B, A],
        policy_weight, value_target float32[B], short_term float32[B, K] and, where the
        window has them, ownership float32[B, H, W], score float32[B], final_weight
        float32[B], action int64[B] and advantage float32[B]. Symmetry k is drawn
        uniformly from the rows of ``action_perms``/``cell_perms`` (the domain's; None =
        no augmentation):
        observation and ownership cells move by ``cell_perms[k]``, policy and mask
        entries (and the move played) by ``action_perms[k]``
        (`distill.symmetry.apply_symmetry`).
        """
        if len(self) == 0:
            raise ShapeError("cannot sample from an empty replay window")
        rows = rng.integers(0, len(self), size=batch_size)
        batch = {
            "obs": self.arrays["obs"][rows].astype(np.float32),
            "mask": self.arrays["mask"][rows],
            "policy": self.arrays["policy"][rows],
            "policy_weight": self.arrays["policy_weight"][rows],
            "value_target": self.arrays["value_target"][rows],
            "short_term": self.arrays["short_term"][rows],
        }
        for key in FINAL_FIELDS:
            if key in self.arrays:
                batch[key] = self.arrays[key][rows].astype(np.float32)
        for key in GRADIENT_FIELDS:
            if key in self.arrays:
                batch[key] = self.arrays[key][rows]
        if action_perms is None or cell_perms is None:
            return batch
        return augment(
            batch, rng.integers(0, len(action_perms), size=batch_size), action_perms, cell_perms
        )


def augment(
    batch: dict[str, np.ndarray],
    symmetry: np.ndarray,
    action_perms: np.ndarray,
    cell_perms: np.ndarray,
) -> dict[str, np.ndarray]:
    """Apply symmetry ``symmetry[b]`` to row b of obs, policy, mask (and ownership)."""
    out = {key: value.copy() for key, value in batch.items()}
    for k in np.unique(symmetry):
        rows = np.flatnonzero(symmetry == k)
        obs, policy = apply_symmetry(
            batch["obs"][rows], batch["policy"][rows], cell_perms[k], action_perms[k]
        )
        out["obs"][rows], out["policy"][rows] = obs, policy
        out["mask"][rows[:, None], action_perms[k][None, :]] = batch["mask"][rows]
        if "action" in batch:  # the move played moves like its policy mass
            out["action"][rows] = action_perms[k][batch["action"][rows]]
        if "ownership" in batch:
            own = batch["ownership"][rows]
            flat = own.reshape(len(rows), -1)
            moved = np.empty_like(flat)
            moved[:, cell_perms[k]] = flat
            out["ownership"][rows] = moved.reshape(own.shape)
    return out


class ReplayBuffer:
    """Read-only view of the shards under `root` (self-play writes them)."""

    def __init__(self, root: str | Path, names: Sequence[str] | None = None) -> None:
        self.root = Path(root)
        self.names = None if names is None else frozenset(names)
        """Only these shard file names count (None: every shard under `root`). The
        decoupled loop passes the shards state.json records, since actors write new ones
        into `root` while the learner reads (`distill.flywheel.decoupled`)."""

    def shards(self) -> list[Path]:
        """Shard paths, oldest first (names sort by generation, then write time)."""
        if not self.root.is_dir():
            return []
        return sorted(
            p
            for p in self.root.iterdir()
            if p.name.endswith(SHARD_SUFFIX)
            and not p.name.startswith(".")
            and (self.names is None or p.name in self.names)
        )

    def window(
        self,
        max_positions: int,
        *,
        value_config: ValueTargetSpec | None = None,
        horizons: tuple[float, ...] = (),
    ) -> ReplayWindow:
        """The most recent `max_positions` positions (fewer if the buffer is smaller).

        Reads the newest shards until they hold `max_positions` positions, computes
        value targets per whole game, then keeps the last `max_positions` rows.
        """
        if max_positions < 1:
            raise ConfigError(f"max_positions must be >= 1, got {max_positions}")
        config: ValueTargetSpec = value_config or ValueTargetConfig()
        chosen: list[Shard] = []
        total = 0
        for path in reversed(self.shards()):
            if total >= max_positions:
                break
            shard = read_shard(path)
            chosen.append(shard)
            total += shard.num_positions
        chosen.reverse()
        return ReplayWindow(
            _concatenate(chosen, config, horizons, max_positions), [s.path for s in chosen]
        )


def _concatenate(
    shards: list[Shard], config: ValueTargetSpec, horizons: tuple[float, ...], keep: int
) -> Arrays:
    parts: list[Arrays] = []
    finals = [_final_targets(shard) for shard in shards]
    shared = set.intersection(*(set(f) for f in finals)) if finals else set()
    for shard, final in zip(shards, finals, strict=True):
        _require_actions(shard, config)
        value, short, advantage = _game_targets(shard, config, horizons)
        part = {key: shard.arrays[key] for key in WINDOW_FIELDS}
        part["value_target"], part["short_term"] = value, short
        if config.policy_loss != "distill":
            part["action"], part["advantage"] = shard.arrays["action"], advantage
        part.update({key: final[key] for key in shared})  # only targets every shard has
        parts.append(part)
    if not parts:
        return {"value_target": np.zeros(0, np.float32)}
    return {key: np.concatenate([p[key] for p in parts])[-keep:] for key in parts[0]}
