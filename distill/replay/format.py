"""The replay shard format: its version, its fields, and upgrades from older versions.

FORMAT_VERSION is the one place the shard layout is versioned. Who must stay in sync:

* producer: self-play (`distill.flywheel.selfplay.SelfPlayBatch.shard_arrays` packs a
  round's games; `distill.replay.write_shard` is the one writer and `shard_name` the one
  naming scheme);
* consumers: the learner's DataModule (`distill.learn.data`, through
  `distill.replay.ReplayBuffer`), the resume check of `distill.flywheel.loop` and tests,
  through `distill.replay.read_shard`.

A shard is a framed file (`distill.replay.files`) whose payload is an ``.npz``
archive (no pickles) of the arrays below plus ``__meta__`` (UTF-8 JSON as uint8).
Reading upgrades older payloads step by step with the functions in `UPGRADES`,
so no code outside this module branches on versions.

Per position (N rows, grouped by game in ply order; values from the view of the player
to move there):

=================  =====================  ========================================
key                dtype, shape           meaning
=================  =====================  ========================================
obs                float16 [N, C, H, W]   observation planes (lossless for 0/1 and
                                          small integer planes)
mask               bool [N, A]            legal actions, True = legal
policy             float32 [N, A]         search policy target (sums to 1)
policy_weight      float32 [N]            weight of the policy loss (0 for
                                          playout-cap "fast" searches)
root_value         float32 [N]            search root value q_t
player             int8 [N]               player to move p_t
move_index         int32 [N]              ply of the position in its game
game_of            int64 [N]              game_id of the game the position is from
generation         int32 [N]              network generation that played it
action             int64 [N]              optional: the move played there (lets
                                          `distill lab credit` replay each game)
=================  =====================  ========================================

Per game (G rows, in the order the games' positions appear):

=====================  ==================  ==============================================
game_id                int64 [G]           id (unique across writers)
game_final_value       float32 [G]         value of the final state for game_final_player
                                           (terminal value, or bootstrap if truncated)
game_final_player      int8 [G]            player to move at the final state
game_length            int32 [G]           number of positions of the game in the shard
game_truncated         bool [G]            True if the game was cut at a move cap
game_resigned          bool [G]            True if the game ended by resignation
game_ownership         int8 [G, H, W]      optional: ownership of the final state, +1 =
                                           player 0, -1 = player 1 (`Domain.ownership`)
game_score             float32 [G]         optional: final score margin for player 0,
                                           in points (`Domain.final_score`)
=====================  ==================  ==============================================

Ownership and score are stored once per game from player 0's view, like the final
value with its player: the learner's window turns them into per-position targets from
the view of each position's player to move (`distill.replay.buffer`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Bump when the layout changes, and add an upgrade function from the previous version.
FORMAT_VERSION = 3

MAGIC = b"DSTSHARD"

POSITION_DTYPES: dict[str, type] = {
    "obs": np.float16,
    "mask": np.bool_,
    "policy": np.float32,
    "policy_weight": np.float32,
    "root_value": np.float32,
    "player": np.int8,
    "move_index": np.int32,
    "game_of": np.int64,
    "generation": np.int32,
}
#: Optional per-position fields (present in shards written since they were added).
OPTIONAL_POSITION_DTYPES: dict[str, type] = {"action": np.int64}
GAME_DTYPES: dict[str, type] = {
    "game_id": np.int64,
    "game_final_value": np.float32,
    "game_final_player": np.int8,
    "game_length": np.int32,
    "game_truncated": np.bool_,
    "game_resigned": np.bool_,
}
OPTIONAL_GAME_DTYPES: dict[str, type] = {"game_ownership": np.int8, "game_score": np.float32}

Arrays = dict[str, np.ndarray]


def _upgrade_1_to_2(arrays: Arrays) -> Arrays:
    """Version 1 stored one shard-wide scalar ``generation`` and no ``policy_weight``.

    Version 2 stores the generation per position (a shard may mix generations) and
    a per-position policy weight (playout-cap randomization); old data gets weight 1.
    """
    out = dict(arrays)
    positions = arrays["root_value"].shape[0]
    out["generation"] = np.full(positions, int(arrays["generation"]), dtype=np.int32)
    out["policy_weight"] = np.ones(positions, dtype=np.float32)
    return out


def _upgrade_2_to_3(arrays: Arrays) -> Arrays:
    """Version 2 had an optional per-position ``ownership`` (+1 = the player to move) and
    no resignation flag. Version 3 stores ownership once per game from player 0's view
    (``game_ownership``, taken from each game's first position), may store the final
    score, and flags resigned games (unknown in version 2: none flagged)."""
    out = dict(arrays)
    out["game_resigned"] = np.zeros(arrays["game_id"].shape[0], dtype=np.bool_)
    ownership = out.pop("ownership", None)
    if ownership is not None:
        first = np.concatenate([[0], np.cumsum(arrays["game_length"])[:-1]]).astype(np.int64)
        sign = np.where(arrays["player"][first] == 0, 1, -1).astype(np.int8)
        out["game_ownership"] = (ownership[first] * sign[:, None, None]).astype(np.int8)
    return out


#: UPGRADES[v] turns a version-v payload into a version-(v+1) payload.
UPGRADES: dict[int, Callable[[Arrays], Arrays]] = {1: _upgrade_1_to_2, 2: _upgrade_2_to_3}


def upgrade(arrays: Arrays, version: int) -> Arrays:
    """Apply the upgrade chain from `version` to FORMAT_VERSION (ValueError if impossible)."""
    if version > FORMAT_VERSION:
        raise ValueError(
            f"format version {version} is newer than this distill reads ({FORMAT_VERSION}); "
            "upgrade distill"
        )
    while version < FORMAT_VERSION:
        if version not in UPGRADES:
            raise ValueError(f"no upgrade from format version {version}")
        arrays = UPGRADES[version](arrays)
        version += 1
    return arrays
