"""Pretraining on SGF games: warm-start a Go recipe's network from a game collection.

    run_dir = pretrain(recipe, sgf_dir, out, epochs=2, progress=callback)

Every ``*.sgf`` of the directory is read with `distill.domains.go.sgf.load_sgf` and
checked against the recipe's domain first (board size, komi, no handicap or setup
stones, an area ruleset), so bad input is refused by file name before anything is
written. Each game becomes training positions in the replay shard layout
(`distill.replay.format`, written by the one writer `distill.replay.write_shard`):

* policy target: the move played (one-hot), policy weight 1;
* value: the game's result for the player to move (``root_value`` holds it too, so
  every credit target of the recipe, z, mix or lambda, trains on the result);
* ownership and score: the final Tromp-Taylor ownership and margin of the last
  position, only for games that ended by two passes (the others are marked resigned,
  so the window gives them ownership/score weight 0, `distill.replay.buffer`).

With ``holdout`` N > 0, N games drawn with the recipe's seed are kept out of training
and scored after every epoch (`heldout_metrics`: the policy's cross-entropy and top-1
accuracy on the moves played, the value's squared error against the results); the
epochs' training losses and held-out scores go to ``pretrain.csv`` in the run directory.

The recipe's learner then trains on them for `epochs` passes (a cosine schedule of
its own), from the recipe's fresh network or, with ``init``, from the weights of a
trained checkpoint (`init_weights`: fine-tuning, e.g. on games a trained agent played
against an opponent), and the weights become the checkpoint ``gen-00000.ckpt`` of a fresh run
directory whose state lists it: ``distill train --resume RUN_DIR`` starts self-play
from the pretrained net with a fresh optimizer and schedule. The run directory is
built under a temporary name and renamed into place at the end, so a killed
pretraining leaves no half run behind.
"""

from __future__ import annotations

import dataclasses
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from distill.errors import DistillError

#: RU values (lower case) that score by area like distill's Tromp-Taylor rules.
AREA_RULESETS = ("chinese", "cn", "tromp-taylor", "tromp taylor", "tt", "area", "aga", "nz")
#: Games per replay shard.
GAMES_PER_SHARD = 256


@dataclass
class SgfGame:
    """One checked game: its actions, how it ended and its winner (0 black, 1 white)."""

    path: Path
    actions: list[int]
    winner: int | None
    by_passes: bool


def read_collection(
    sgf_dir: Path, domain: Any, on_file: Callable[[int, int], None] | None = None
) -> list[SgfGame]:
    """Every ``*.sgf`` under `sgf_dir` (sorted), checked against `domain` (a Go domain);
    ``on_file(done, total)`` after each file (a progress display).

    Raises DistillError naming the file for a handicap or setup stones, a territory
    ruleset, another board size or komi, a game without a result that did not end by
    two passes, and (CorruptFileError) a malformed file with its node.
    """
    from distill.domains.go.sgf import load_sgf

    paths = sorted(sgf_dir.rglob("*.sgf")) if sgf_dir.is_dir() else []
    if not paths:
        problem = "is not a directory" if not sgf_dir.is_dir() else "holds no *.sgf file"
        raise DistillError(f"--sgf {sgf_dir} {problem}")
    rules = domain.rules
    games = []
    for path in paths:
        _, actions, info = load_sgf(path, superko=rules.superko)
        _check_info(path, info, rules)
        by_passes = len(actions) >= 2 and actions[-1] == actions[-2] == domain.num_actions - 1
        winner = _winner(info.get("result"))
        if winner is None and not by_passes:
            raise DistillError(f"{path}: the game has no result (RE) and did not end by two passes")
        games.append(SgfGame(path, actions, winner, by_passes))
        if on_file is not None:
            on_file(len(games), len(paths))
    return games


def _check_info(path: Path, info: dict[str, Any], rules: Any) -> None:
    """Refuse, by name, what the recipe's domain cannot replay as the same game."""
    if info["size"] != rules.size:
        raise DistillError(
            f"{path}: board size {info['size']} (SZ), but the recipe plays "
            f"{rules.size}x{rules.size}"
        )
    if info["handicap"] or info["black_stones"] or info["white_stones"]:
        raise DistillError(
            f"{path}: handicap or setup stones (HA/AB/AW) are not supported: the recipe's "
            "games start from an empty board"
        )
    if not math.isclose(info["komi"], rules.komi):
        raise DistillError(
            f"{path}: komi {info['komi']:g} (KM), but the recipe's is {rules.komi:g}"
        )
    ruleset = (info.get("ruleset") or "").strip()
    if ruleset and ruleset.lower() not in AREA_RULESETS:
        raise DistillError(
            f"{path}: ruleset {ruleset!r} (RU) is not supported: only area scoring "
            "(Chinese, Tromp-Taylor) matches the recipe's rules"
        )


def _winner(result: str | None) -> int | None:
    """0 (black), 1 (white) or None from an SGF RE value ("B+R", "W+2.5", "0", "?")."""
    text = (result or "").strip().upper()
    if text.startswith("B+"):
        return 0
    if text.startswith("W+"):
        return 1
    return None


def game_arrays(domain: Any, game: SgfGame, game_id: int) -> dict[str, np.ndarray]:
    """One game as shard arrays (position fields [T, ...] and game fields [1, ...]).

    Replays the actions in the recipe's domain (its own move cap included: a game the
    domain ends early keeps the positions before that end and counts as truncated).
    """
    store = domain.new_store(1)
    domain.reset(store, [0])
    obs, mask, players, moves = [], [], [], []
    for action in game.actions:
        over, _ = domain.terminal(store, [0])
        if over[0]:
            break
        obs.append(domain.encode(store, [0])[0])
        mask.append(domain.legal_mask(store, [0])[0])
        players.append(int(domain.to_play(store, [0])[0]))
        moves.append(action)
        domain.step(store, [0], store, [0], [action])
    over, value = domain.terminal(store, [0])
    final_player = int(domain.to_play(store, [0])[0])
    truncated = len(moves) < len(game.actions)
    ended = bool(over[0]) and game.by_passes and not truncated
    if ended:
        final_value = float(value[0])
    else:
        final_value = 0.0 if game.winner is None else (1.0 if game.winner == final_player else -1.0)
    players_arr = np.array(players, np.int8)
    # The result for each position's player to move: final value with the sign flipped
    # where the player differs from the final state's (no assumption of alternation).
    z = np.where(players_arr == final_player, final_value, -final_value).astype(np.float32)
    count = len(moves)
    policy = np.zeros((count, domain.num_actions), np.float32)
    policy[np.arange(count), moves] = 1.0
    return {
        "obs": np.array(obs).astype(np.float16),
        "mask": np.array(mask, np.bool_),
        "policy": policy,
        "policy_weight": np.ones(count, np.float32),
        "root_value": z,
        "player": players_arr,
        "move_index": np.arange(count, dtype=np.int32),
        "game_of": np.full(count, game_id, np.int64),
        "generation": np.zeros(count, np.int32),
        "game_id": np.array([game_id], np.int64),
        "game_final_value": np.array([final_value], np.float32),
        "game_final_player": np.array([final_player], np.int8),
        "game_length": np.array([count], np.int32),
        "game_truncated": np.array([truncated], np.bool_),
        "game_resigned": np.array([not ended and not truncated], np.bool_),
        "game_ownership": domain.ownership(store[0])[None].astype(np.int8),
        "game_score": np.array([domain.final_score(store[0])], np.float32),
    }


def write_shards(
    domain: Any,
    games: list[SgfGame],
    directory: Path,
    on_games: Callable[[int, int], None] | None = None,
) -> int:
    """Write the games as shards of `GAMES_PER_SHARD` games into `directory`; returns
    the number of positions written. ``on_games(done, total)`` after each shard."""
    from distill.replay import shard_meta, shard_name, write_shard

    directory.mkdir(parents=True, exist_ok=True)
    positions = 0
    for index, start in enumerate(range(0, len(games), GAMES_PER_SHARD)):
        parts = [
            game_arrays(domain, game, start + k)
            for k, game in enumerate(games[start : start + GAMES_PER_SHARD])
        ]
        arrays = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
        write_shard(directory / shard_name(0, index), arrays, shard_meta(domain))
        positions += int(arrays["player"].shape[0])
        if on_games is not None:
            on_games(min(start + GAMES_PER_SHARD, len(games)), len(games))
    return positions


def split_holdout(
    games: list[SgfGame], holdout: int, seed: int
) -> tuple[list[SgfGame], list[SgfGame]]:
    """(training games, held-out games): `holdout` games drawn with `seed`, each list in
    the collection's order. DistillError unless 0 <= holdout < len(games)."""
    if not 0 <= holdout < len(games):
        raise DistillError(
            f"--holdout must be in 0..{len(games) - 1} (one game at least must train; "
            f"{len(games)} games read), got {holdout}"
        )
    held = set(np.random.default_rng(seed).permutation(len(games))[:holdout].tolist())
    train = [g for i, g in enumerate(games) if i not in held]
    return train, [g for i, g in enumerate(games) if i in held]


def heldout_arrays(domain: Any, games: list[SgfGame]) -> dict[str, np.ndarray]:
    """The positions of `games` as evaluation arrays: obs float32[T, C, H, W], mask
    bool[T, A], move int64[T] (the move played), z float32[T] (the result for the
    player to move)."""
    parts = [game_arrays(domain, game, k) for k, game in enumerate(games)]
    return {
        "obs": np.concatenate([p["obs"] for p in parts]).astype(np.float32),
        "mask": np.concatenate([p["mask"] for p in parts]),
        "move": np.concatenate([p["policy"].argmax(axis=1) for p in parts]).astype(np.int64),
        "z": np.concatenate([p["root_value"] for p in parts]),
    }


def heldout_metrics(
    net: Any, arrays: dict[str, np.ndarray], batch_size: int = 1024
) -> dict[str, float]:
    """Scores of `net` on `heldout_arrays`, averaged over positions: ``policy_ce`` (the
    cross-entropy of the move played under the policy over legal moves, nats),
    ``policy_top1`` (share of positions where the policy's best legal move is the move
    played) and ``value_mse`` (squared error of the value against the result, both in
    [-1, 1]; 1.0 for a constant 0)."""
    import torch

    from distill.learn.losses import masked_log_softmax

    was_training = net.training
    net.eval()
    ce = top1 = mse = 0.0
    with torch.no_grad():
        for start in range(0, len(arrays["move"]), batch_size):
            part = slice(start, start + batch_size)
            out = net(torch.from_numpy(arrays["obs"][part]))
            mask = torch.from_numpy(arrays["mask"][part])
            move = torch.from_numpy(arrays["move"][part])
            log_probs = masked_log_softmax(out["policy_logits"].float(), mask)
            ce -= float(log_probs.gather(1, move[:, None]).sum())
            top1 += float((log_probs.argmax(dim=1) == move).sum())
            z = torch.from_numpy(arrays["z"][part])
            mse += float(((out["value"].float() - z) ** 2).sum())
    net.train(was_training)
    count = max(len(arrays["move"]), 1)
    return {"policy_ce": ce / count, "policy_top1": top1 / count, "value_mse": mse / count}


#: progress(epoch, epochs, metrics of the epoch's fit) after each epoch.
ProgressFn = Callable[[int, int, dict[str, float]], None]


def pretrain(
    recipe: Any,
    sgf_dir: Path,
    out: Path,
    *,
    epochs: int = 2,
    holdout: int = 0,
    init: Path | None = None,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Read, write, train and hand off (module docstring); returns a summary dict
    (games, positions, steps, final losses and held-out scores, run directory).
    `init`: a run directory (its latest checkpoint) or a checkpoint file to start from."""
    domain, games = check_inputs(recipe, sgf_dir, out, epochs)
    weights = init_weights(recipe, domain, init) if init is not None else None
    return pretrain_games(
        recipe, domain, games, out, epochs=epochs, holdout=holdout, init=weights, progress=progress
    )


def init_weights(recipe: Any, domain: Any, source: Path) -> dict[str, Any]:
    """The network weights (a state dict) of `source`, a run directory (its latest
    checkpoint) or a checkpoint file, checked to fit the recipe's network on `domain`.

    Raises DistillError when `source` is neither, CorruptFileError when the checkpoint
    does not verify or its weights do not fit (a different architecture or board).
    """
    from distill.flywheel.run_dir import RunDir
    from distill.learn.checkpoint import fit_weights, read_checkpoint
    from distill.nets import build_net

    source = Path(source)
    if source.is_dir():
        run = RunDir.open(source)
        path = run.checkpoint_path(run.read_state())
    elif source.is_file():
        path = source
    else:
        raise DistillError(f"--init {source}: no such run directory or checkpoint file")
    state = read_checkpoint(path)["net"]
    net = build_net(recipe.network, domain.obs_shape, domain.num_actions)
    fit_weights(net, state, f"--init {path}: its weights do not fit the recipe's network")
    return dict(state)


def check_inputs(
    recipe: Any,
    sgf_dir: Path,
    out: Path,
    epochs: int,
    on_file: Callable[[int, int], None] | None = None,
) -> tuple[Any, list[SgfGame]]:
    """(the recipe's domain, the checked games): every check, before anything is written;
    ``on_file(done, total)`` after each file read."""
    from distill.registry import make

    if epochs < 1:
        raise DistillError(f"--epochs must be >= 1, got {epochs}")
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    _check_domain(domain, recipe.domain.id)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise DistillError(f"--out {out} already exists and is not empty; pick another")
    return domain, read_collection(Path(sgf_dir), domain, on_file)


def pretrain_games(
    recipe: Any,
    domain: Any,
    games: list[SgfGame],
    out: Path,
    *,
    epochs: int,
    holdout: int = 0,
    init: dict[str, Any] | None = None,
    progress: ProgressFn | None = None,
    on_games: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """`pretrain` after `check_inputs`: shards, training, the run directory at `out`;
    ``on_games(done, total)`` as games become shards, `progress` after each epoch.
    With `holdout` > 0 (`split_holdout`) the summary's ``heldout/*`` are the last
    epoch's held-out scores; `init` (`init_weights`) is the net to start from."""
    from distill.flywheel.run_dir import RunDir
    from distill.recipe import recipe_to_yaml

    games, held = split_holdout(games, holdout, recipe.seed)
    staging = out.parent / f".{out.name}.pretrain-tmp"
    shutil.rmtree(staging, ignore_errors=True)  # a killed earlier attempt
    run = RunDir.create(staging, recipe_to_yaml(recipe))
    positions = write_shards(domain, games, run.root / "pretrain", on_games)
    evaluation = heldout_arrays(domain, held) if held else None
    metrics = train_on_shards(
        recipe, domain, run, positions, epochs, progress, evaluation, init=init
    )
    if out.exists():
        out.rmdir()  # empty (checked above)
    staging.rename(out)
    return {
        "games": len(games),
        "heldout_games": len(held),
        "positions": positions,
        "run_dir": str(out),
        **metrics,
    }


def _check_domain(domain: Any, domain_id: str) -> None:
    rules = getattr(domain, "rules", None)
    if not all(hasattr(rules, k) for k in ("size", "komi", "superko")):
        raise DistillError(
            f"pretrain reads Go SGF games; the recipe's domain {domain_id!r} is not Go"
        )
    if domain.ownership is None or domain.final_score is None:
        raise DistillError(f"domain {domain_id!r} offers no ownership/final_score")


def train_on_shards(
    recipe: Any,
    domain: Any,
    run: Any,
    positions: int,
    epochs: int,
    progress: ProgressFn | None,
    heldout: dict[str, np.ndarray] | None = None,
    *,
    init: dict[str, Any] | None = None,
) -> dict[str, float]:
    """`epochs` passes of the recipe's learner over the pretraining shards (from the
    weights `init` when given, else the recipe's fresh net), then the
    weights (fresh optimizer, step 0) as the run's first checkpoint gen-00000.ckpt.
    Each epoch's mean losses (and, with `heldout` arrays, its ``heldout/*`` scores) are
    a row of ``pretrain.csv``; returns the last row."""
    import torch

    from distill.fileio import atomic_write
    from distill.flywheel.run_dir import checkpoint_name
    from distill.learn import DistillModule, ReplayDataModule, fit_generation, save_checkpoint
    from distill.nets import build_net
    from distill.recipe import derive

    torch.manual_seed(recipe.seed)
    torch.set_num_threads(recipe.threads)
    net = build_net(recipe.network, domain.obs_shape, domain.num_actions)
    if init is not None:
        net.load_state_dict(init, strict=True)  # checked by init_weights
    steps = max(1, math.ceil(positions / recipe.learner.batch_size))
    module = DistillModule(net, recipe.learner, total_steps=steps * epochs)
    metrics: dict[str, float] = {}
    rows: list[dict[str, float]] = []
    for epoch in range(epochs):
        data = ReplayDataModule(
            run.root / "pretrain",
            action_perms=domain.action_perms if recipe.replay.augment else None,
            cell_perms=domain.cell_perms if recipe.replay.augment else None,
            window_positions=positions,
            batch_size=recipe.learner.batch_size,
            batches_per_epoch=steps,
            value_config=dataclasses.replace(recipe.credit, policy_loss="distill"),  # a teacher
            horizons=recipe.network.heads.short_term_horizons,
            seed=recipe.seed * 1000 + epoch,
        )
        module.net.train()
        out = fit_generation(
            module, data, steps=steps, log_dir=run.root, version=f"pretrain-{epoch + 1:03d}"
        )
        metrics = {k: v for k, v in out.items() if k.startswith("mean/")}
        if heldout is not None:
            scores = heldout_metrics(module.net, heldout)
            metrics.update({f"heldout/{k}": v for k, v in scores.items()})
        rows.append({"epoch": float(epoch + 1), **metrics})
        atomic_write(run.root / "pretrain.csv", _csv(rows))
        if progress is not None:
            progress(epoch + 1, epochs, metrics)
    flywheel = DistillModule(
        module.net, recipe.learner, total_steps=derive(recipe).total_learner_steps
    )
    name = checkpoint_name(-1)
    save_checkpoint(run.checkpoints / name, flywheel, extra={"generation": 0, "pretrain": True})
    state = run.read_state()
    state.checkpoints = [name]
    run.write_state(state)
    return {"steps": float(steps * epochs), **metrics}


def _csv(rows: list[dict[str, float]]) -> str:
    """The rows as CSV text (the first row's keys as the header)."""
    keys = list(rows[0])
    lines = [",".join(keys)] + [",".join(f"{row[k]:.6g}" for k in keys) for row in rows]
    return "\n".join(lines) + "\n"


__all__ = [
    "SgfGame",
    "check_inputs",
    "game_arrays",
    "heldout_arrays",
    "heldout_metrics",
    "init_weights",
    "pretrain",
    "pretrain_games",
    "read_collection",
    "split_holdout",
    "write_shards",
]
