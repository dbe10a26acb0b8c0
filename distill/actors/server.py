"""The inference server: one process that owns the device and evaluates every actor's leaves.

Protocol (all messages small; arrays stay in the actors' shared-memory `Slot`s):

    actor  -> requests:  ("eval", actor_id, rows)      rows of slot[actor_id] to evaluate
    server -> dones[id]: weights version               slot[actor_id] holds the answers
    driver -> requests:  ("weights", path, version)    load a state dict (torch file)
    driver -> requests:  ("stats",) / ("reset_stats",) / ("stop",)
    server -> replies:   ("ready",) once, ("loaded", version) per weights message,
                         ("stats", {...}) per request, ("error", text)

Batching ("take what is queued"): the server blocks for one request, then keeps
collecting for at most `ServerSpec.batch_wait_s` or until `max_batch` rows are
gathered, concatenates the requested rows of every slot into one batch, runs one
forward pass and writes each actor's answers back into its slot. With N actors,
the server evaluates one actor's leaves while the others search, so the search
(numba, one core per actor) and the network overlap.

A null server (``null=True``) answers zeros without a network: a uniform prior and
value 0, so a run measures the actors' own ceiling (search, encoding, messages).
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from distill.actors.lifeline import die_with_parent
from distill.actors.slots import Slot, SlotLayout


@dataclass(frozen=True)
class ServerSpec:
    """What the server process needs to start (picklable)."""

    layout: SlotLayout
    slot_names: tuple[str, ...]
    net_config: Any = None
    """`distill.nets.NetConfig` of the network (None with `null`)."""
    device: str = "cpu"
    dtype: str = "float32"
    """"float32" or "bfloat16" (`distill.inference.InferenceOptions.dtype`)."""
    num_threads: int = 1
    """torch intra-op threads of the server process."""
    batch_wait_s: float = 0.0005
    """After the first request, how long to wait for more before evaluating."""
    max_batch: int = 4096
    """Stop collecting once this many rows are gathered."""
    null: bool = False
    """Answer zeros without a network (measures the actors' ceiling)."""
    scored: bool = False
    """Also answer the score head's margin (for a search with a score utility)."""


@dataclass
class ServerStats:
    """Counters since the last reset: calls, rows, batch sizes and where time went."""

    batches: int = 0
    positions: int = 0
    forward_s: float = 0.0
    """Seconds inside the forward pass (CUDA: measured with CUDA events on the device)."""
    wall_s: float = 0.0
    sizes: list[int] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        sizes = np.asarray(self.sizes or [0])
        return {
            "batches": float(self.batches),
            "positions": float(self.positions),
            "forward_s": self.forward_s,
            "wall_s": self.wall_s,
            "busy_share": self.forward_s / max(self.wall_s, 1e-9),
            "batch_mean": float(sizes.mean()),
            "batch_p95": float(np.percentile(sizes, 95)),
        }


class _Forward:
    """The network (or nothing, for a null server) as (obs, mask) -> (logits, value,
    score margin or None, seconds)."""

    def __init__(self, spec: ServerSpec) -> None:
        self.spec = spec
        self.evaluator: Any = None
        self.net: Any = None
        self.version = 0
        if spec.null:
            return
        import torch

        from distill.inference import InferenceOptions, NetEvaluator
        from distill.nets import build_net

        torch.set_num_threads(spec.num_threads)
        layout = spec.layout
        self.net = build_net(spec.net_config, layout.obs_shape, layout.num_actions)
        self.options = InferenceOptions(dtype=spec.dtype)  # type: ignore[arg-type]
        self.evaluator = NetEvaluator(self.net, device=spec.device, options=self.options)
        self.cuda = spec.device.startswith("cuda")

    def load(self, path: str, version: int) -> None:
        """Load weights saved by `distill.actors.pool.ActorPool.set_weights`."""
        if self.net is not None:
            import torch

            from distill.inference import NetEvaluator

            self.net.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
            self.evaluator = NetEvaluator(self.net, device=self.spec.device, options=self.options)
        self.version = version

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[Any, Any, Any, float]:
        """(logits, value, score margin (None unless `ServerSpec.scored`), seconds of
        device work)."""
        if self.evaluator is None:
            zeros = np.zeros(len(obs), np.float32)
            return np.zeros(mask.shape, np.float32), zeros, zeros, 0.0
        if self.cuda:
            import torch

            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            out = self._run(obs, mask)
            end.record()
            end.synchronize()
            return (*out, start.elapsed_time(end) / 1000.0)
        begin = time.perf_counter()
        out = self._run(obs, mask)
        return (*out, time.perf_counter() - begin)

    def _run(self, obs: np.ndarray, mask: np.ndarray) -> tuple[Any, Any, Any]:
        if self.spec.scored:
            return self.evaluator.evaluate_scored(obs, mask)  # type: ignore[no-any-return]
        logits, value = self.evaluator(obs, mask)
        return logits, value, None


def server_main(spec: ServerSpec, requests: Any, dones: list[Any], replies: Any) -> None:
    """Entry point of the server process (see the module docstring)."""
    die_with_parent()
    try:
        forward = _Forward(spec)
        slots = [Slot(spec.layout, name) for name in spec.slot_names]
    except Exception:
        replies.put(("error", traceback.format_exc()))
        return
    replies.put(("ready",))
    state = _State(ServerStats(), time.perf_counter())
    try:
        running = True
        while running:
            message = requests.get()
            if message[0] == "eval":
                pending = _collect(message, requests, spec)
                _evaluate(pending, slots, forward, dones, state.stats)
                running = all(_control(m, forward, replies, state) for m in pending.control)
            else:
                running = _control(message, forward, replies, state)
    except Exception:
        replies.put(("error", traceback.format_exc()))
    finally:
        for slot in slots:
            slot.close()


@dataclass
class _State:
    stats: ServerStats
    started: float


def _control(message: tuple[Any, ...], forward: _Forward, replies: Any, state: _State) -> bool:
    """Handle a driver message; False means stop."""
    kind = message[0]
    if kind == "weights":
        forward.load(message[1], message[2])
        replies.put(("loaded", message[2]))
    elif kind == "stats":
        state.stats.wall_s = time.perf_counter() - state.started
        replies.put(("stats", state.stats.summary()))
    elif kind == "reset_stats":
        state.stats, state.started = ServerStats(), time.perf_counter()
    return kind != "stop"


@dataclass
class _Pending:
    evals: list[tuple[int, int]] = field(default_factory=list)
    control: list[tuple[Any, ...]] = field(default_factory=list)


def _collect(first: tuple[Any, ...], requests: Any, spec: ServerSpec) -> _Pending:
    """The first eval request plus whatever arrives within `batch_wait_s` (up to max_batch)."""
    pending = _Pending(evals=[(int(first[1]), int(first[2]))])
    rows = pending.evals[0][1]
    deadline = time.perf_counter() + spec.batch_wait_s
    while rows < spec.max_batch and time.perf_counter() < deadline:
        if requests.empty():
            time.sleep(0)
            continue
        message = requests.get()
        if message[0] != "eval":
            pending.control.append(message)
            break  # a weights change or stop must not be delayed past this batch
        pending.evals.append((int(message[1]), int(message[2])))
        rows += int(message[2])
    return pending


def _evaluate(
    pending: _Pending, slots: list[Slot], forward: _Forward, dones: list[Any], stats: ServerStats
) -> None:
    """One forward pass over every pending request; answers written back, actors told."""
    obs = np.concatenate([slots[a].obs[:n] for a, n in pending.evals])
    mask = np.concatenate([slots[a].mask[:n] for a, n in pending.evals])
    logits, value, score, seconds = forward(obs, mask)
    start = 0
    for actor, rows in pending.evals:
        slots[actor].logits[:rows] = logits[start : start + rows]
        slots[actor].value[:rows] = value[start : start + rows]
        if score is not None:
            slots[actor].score[:rows] = score[start : start + rows]
        start += rows
        dones[actor].put(forward.version)
    stats.batches += 1
    stats.positions += len(obs)
    stats.forward_s += seconds
    stats.sizes.append(len(obs))


__all__ = ["ServerSpec", "ServerStats", "server_main"]
