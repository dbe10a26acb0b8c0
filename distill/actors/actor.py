"""A self-play actor process: the numba search over G games, leaves evaluated by the server.

`RemoteEvaluator` is the search's evaluator inside an actor: it writes the leaves into
the actor's shared-memory `Slot`, sends ``("eval", actor_id, rows)`` and waits for the
server's done message, then reads the answers from the slot. Batches larger than the
slot are sent in chunks.

`actor_main` runs in the actor process: it builds the domain and one
`SelfPlayWorker`, then plays one round of games per ``("play", ...)`` command,
writes that round's replay shard itself (atomically, its metadata naming the weights
version that played it) and reports only small stats back (counts, times, the moves
of a few sample games), so no per-position data crosses a process boundary. An actor
dies with its driver (`distill.actors.lifeline`). With a local evaluator
(``ActorSpec.local``) the actor holds its own copy of the network instead of asking
the server: on a CPU whose cores the network keeps busy, N independent actors beat
one shared server (measured in docs/benchmarks.md).
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from distill.actors.lifeline import die_with_parent
from distill.actors.slots import Slot, SlotLayout


class RemoteEvaluator:
    """``(obs float32[B,C,H,W], mask bool[B,A]) -> (logits, value)`` through the server."""

    def __init__(
        self, slot: Slot, actor_id: int, requests: Any, done: Any, scored: bool = False
    ) -> None:
        self.slot, self.actor_id = slot, actor_id
        self.requests, self.done = requests, done
        self.scored = scored
        """True when the server answers score margins too (`evaluate_scored`)."""
        self.version = -1  # the weights version of the last answer

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, value, _ = self.evaluate_scored(obs, mask)
        return logits, value

    def evaluate_scored(
        self, obs: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(logits, value, score margin); the margin is only meaningful when `scored`."""
        rows = obs.shape[0]
        logits = np.empty(mask.shape, np.float32)
        value = np.empty(rows, np.float32)
        score = np.zeros(rows, np.float32)
        capacity = self.slot.layout.capacity
        for start in range(0, rows, capacity):
            stop = min(start + capacity, rows)
            n = stop - start
            self.slot.obs[:n] = obs[start:stop]
            self.slot.mask[:n] = mask[start:stop]
            self.requests.put(("eval", self.actor_id, n))
            self.version = self.done.get()
            logits[start:stop] = self.slot.logits[:n]
            value[start:stop] = self.slot.value[:n]
            if self.scored:
                score[start:stop] = self.slot.score[:n]
        return logits, value, score


@dataclass(frozen=True)
class ActorSpec:
    """What an actor process needs to start (picklable)."""

    actor_id: int
    domain_id: str
    domain_kwargs: dict[str, Any]
    search: Any
    """`distill.search.SearchConfig` of self-play."""
    selfplay: Any
    """`distill.recipe.SelfPlaySection`."""
    num_games: int
    """G: games this actor plays per round."""
    layout: SlotLayout
    slot_name: str
    local_net: Any = None
    """A `NetConfig`: evaluate with a local copy of the network (weights arrive by
    ``("weights", path, version)`` commands) instead of the server; None = server."""
    dtype: str = "float32"
    """The local network's inference dtype ("float32" or "bfloat16"; `distill.devices`)."""


def actor_main(spec: ActorSpec, requests: Any, done: Any, commands: Any, results: Any) -> None:
    """Entry point of an actor process: play rounds on command until ``("stop",)``.

    Command ``("play", seed_key, shard_path, generation, first_game_id)``: play one
    round with ``np.random.default_rng(seed_key)``, write its shard to `shard_path`
    (None: do not write) and answer ``("done", actor_id, stats)``; on any failure
    answer ``("error", actor_id, traceback)``.
    """
    die_with_parent()
    try:
        from distill.flywheel.selfplay import SelfPlayWorker
        from distill.registry import make
        from distill.replay import shard_meta, write_shard

        slot = Slot(spec.layout, spec.slot_name)
        domain = make(spec.domain_id, **spec.domain_kwargs)
        scored = bool(getattr(spec.search, "uses_score_utility", False))
        evaluator: Any = RemoteEvaluator(slot, spec.actor_id, requests, done, scored)
        if spec.local_net is not None:
            evaluator = LocalEvaluator(spec.local_net, domain, spec.dtype)
        worker = SelfPlayWorker(
            domain, evaluator, search=spec.search, selfplay=spec.selfplay, num_games=spec.num_games
        )
    except Exception:
        results.put(("error", spec.actor_id, traceback.format_exc()))
        return
    while True:
        command = commands.get()
        if command[0] == "stop":
            break
        if command[0] == "weights":
            evaluator.load(command[1], command[2])
            continue
        try:
            _, seed_key, shard_path, generation, first_game_id = command
            before = worker.evaluator.positions
            batch = worker.play(np.random.default_rng(seed_key))
            if shard_path is not None:
                arrays = batch.shard_arrays(generation, first_game_id)
                meta = {**shard_meta(domain), "weights_version": evaluator.version}
                write_shard(Path(shard_path), arrays, meta)
            evaluated = worker.evaluator.positions - before
            results.put(("done", spec.actor_id, round_stats(batch, evaluated, evaluator.version)))
        except Exception:
            results.put(("error", spec.actor_id, traceback.format_exc()))
    slot.close()


class LocalEvaluator:
    """The actor's own copy of the network (one torch thread, on the CPU, in `dtype`),
    reloaded by version."""

    def __init__(self, net_config: Any, domain: Any, dtype: str = "float32") -> None:
        import torch

        from distill.nets import build_net

        torch.set_num_threads(1)
        self.net = build_net(net_config, domain.obs_shape, domain.num_actions)
        self.dtype = dtype
        self.evaluator = self._evaluator()
        self.version = 0

    def _evaluator(self) -> Any:
        from distill.inference import InferenceOptions, NetEvaluator

        return NetEvaluator(self.net, options=InferenceOptions(dtype=self.dtype))  # type: ignore[arg-type]

    def load(self, path: str, version: int) -> None:
        import torch

        self.net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        self.evaluator = self._evaluator()
        self.version = version

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.evaluator(obs, mask)  # type: ignore[no-any-return]

    @property
    def scored(self) -> bool:
        """True when the network has a score head (a search's score utility can use it)."""
        return bool(self.evaluator.scored)

    def evaluate_scored(self, obs: np.ndarray, mask: np.ndarray) -> Any:
        """(logits, value, score margin): `distill.inference.NetEvaluator.evaluate_scored`."""
        return self.evaluator.evaluate_scored(obs, mask)


def round_stats(batch: Any, evaluated: int | None, version: int) -> dict[str, Any]:
    """The small summary of a round that travels back to the driver.

    ``eval_seconds`` is the time the actor waited for the server (its evaluator calls);
    ``wall_seconds - eval_seconds`` is the actor's own host time; ``evaluated`` the
    positions it sent to the network (None where not counted: Ray units).
    """
    return {
        "games": batch.num_games,
        "positions": batch.num_positions,
        "wall_seconds": batch.stats["wall_seconds"],
        "eval_seconds": batch.stats["eval_seconds"],
        "evaluated": evaluated,
        "resigned": int(batch.resigned.sum()),
        "would_resign": int(batch.would_resign.sum()),
        "false_resign": int(batch.false_resign.sum()),
        "outcomes": batch.first_player_outcomes().tolist(),
        "version": version,
        "sample_moves": [batch.game_moves(k).tolist() for k in range(min(batch.num_games, 8))],
    }


__all__ = ["ActorSpec", "LocalEvaluator", "RemoteEvaluator", "actor_main", "round_stats"]
