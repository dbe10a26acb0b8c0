"""`ActorPool`: N self-play actor processes and one inference server, driven as one unit.

::

    driver (this process)          server process                 actor processes 0..N-1
    ─────────────────────          ──────────────                 ──────────────────────
    set_weights(state_dict) ──► ("weights", path, v) ─► loads
    play(seeds, paths) ───────────────────────────────────────► ("play", ...) each
                                   ◄─ ("eval", id, rows) ───────  numba search, G games
                                   forward on the device          leaves in shared memory
                                   ─► done[id] ─────────────────►
                                                                  write shard (atomic)
    ◄──────────────────────────────────────────────────────────── ("done", id, stats)

Only small messages travel on the queues; leaves and answers stay in shared memory
(`distill.actors.slots`). Processes start with the ``spawn`` method (safe with
torch and numba threads). The pool is a context manager; `close` stops every
process and frees the shared memory. Any child failure is a `DistillError` naming
the process, raised in the driver.

The same pool runs on a CPU (the server's forward on CPU threads) and on a GPU
(the server owns the device). With N actors the server evaluates one actor's leaves
while the others search, so on an N+1-core machine search and network overlap.
"""

from __future__ import annotations

import multiprocessing
import queue
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from distill.actors.actor import ActorSpec, actor_main
from distill.actors.server import ServerSpec, server_main
from distill.actors.slots import Slot, SlotLayout
from distill.errors import ConfigError, DistillError

#: Seconds between liveness checks while waiting on children.
_POLL_S = 1.0


class ActorPool:
    """N actors + one inference server (see the module docstring).

    Args:
        domain_id, domain_kwargs: the game (`distill.make`), built in every actor.
        net_config: the `NetConfig` of the served network (ignored with `null`).
        search, selfplay: the actors' `SearchConfig` and `SelfPlaySection`.
        actors: N actor processes (at least 1; at most the CPU count).
        games_per_actor: G, games each actor plays at once per round.
        device: the server's torch device ("cpu", "cuda", "cuda:1", ...).
        dtype: "float32" or "bfloat16": the inference dtype of the server, or of each
            local actor's network.
        server_threads: torch threads of the server.
        inference: "server" (one inference process evaluates every actor's leaves) or
            "local" (each actor evaluates with its own copy of the net on its own core;
            no server process).
        null: a server without a network (uniform prior, value 0): the actors' ceiling.
        batch_wait_s: how long the server waits for more requests after the first.
        start_timeout_s: how long children may take to start (imports, compilation).
    """

    def __init__(
        self,
        domain_id: str,
        domain_kwargs: dict[str, Any],
        *,
        net_config: Any,
        search: Any,
        selfplay: Any,
        actors: int,
        games_per_actor: int,
        device: str = "cpu",
        dtype: str = "float32",
        server_threads: int = 1,
        inference: str = "server",
        null: bool = False,
        batch_wait_s: float = 0.0005,
        start_timeout_s: float = 900.0,
    ) -> None:
        check_actor_count(actors)
        if inference not in ("server", "local") or (null and inference == "local"):
            raise ConfigError(
                f"inference must be 'server' or 'local' (null needs a server), got {inference!r}"
            )
        from distill.registry import make

        domain = make(domain_id, **domain_kwargs)
        self.layout = SlotLayout(
            capacity=games_per_actor * max(int(search.leaves_per_step), 1) + 1,
            obs_shape=tuple(domain.obs_shape),  # type: ignore[arg-type]
            num_actions=domain.num_actions,
        )
        self._ctx = multiprocessing.get_context("spawn")
        self._tmp = tempfile.TemporaryDirectory(prefix="distill-actors-")
        self._slots = [Slot(self.layout) for _ in range(actors)]
        self._requests = self._ctx.Queue()
        self._dones = [self._ctx.Queue() for _ in range(actors)]
        self._replies = self._ctx.Queue()
        self._results = self._ctx.Queue()
        self._commands = [self._ctx.Queue() for _ in range(actors)]
        self.version = 0
        self._processes: list[Any] = []
        server_spec = ServerSpec(
            layout=self.layout,
            slot_names=tuple(s.name for s in self._slots),
            net_config=net_config,
            device=device,
            dtype=dtype,
            num_threads=server_threads,
            batch_wait_s=batch_wait_s,
            null=null,
            scored=bool(getattr(search, "uses_score_utility", False)),
        )
        self.local = inference == "local"
        try:
            if not self.local:
                self._start(
                    "server",
                    server_main,
                    (server_spec, self._requests, self._dones, self._replies),
                )
                self._wait_reply("ready", start_timeout_s)
            for actor_id in range(actors):
                spec = ActorSpec(
                    actor_id,
                    domain_id,
                    dict(domain_kwargs),
                    search,
                    selfplay,
                    games_per_actor,
                    self.layout,
                    self._slots[actor_id].name,
                    local_net=net_config if self.local else None,
                    dtype=dtype,
                )
                args = (spec, self._requests, self._dones[actor_id])
                self._start(f"actor-{actor_id}", actor_main, (*args, *self._actor_queues(actor_id)))
        except BaseException:
            self.close()
            raise

    @property
    def num_actors(self) -> int:
        return len(self._slots)

    def _actor_queues(self, actor_id: int) -> tuple[Any, Any]:
        return self._commands[actor_id], self._results

    def _start(self, name: str, target: Any, args: tuple[Any, ...]) -> None:
        process = self._ctx.Process(target=target, args=args, name=f"distill-{name}", daemon=True)
        process.start()
        self._processes.append(process)

    def _check_alive(self) -> None:
        for process in self._processes:
            if process.exitcode is not None:
                raise DistillError(
                    f"self-play process {process.name} died (exit code {process.exitcode})"
                )

    def _wait_reply(self, kind: str, timeout_s: float) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                message = self._replies.get(timeout=_POLL_S)
            except queue.Empty:
                self._check_alive()
                continue
            if message[0] == "error":
                raise DistillError(f"inference server failed:\n{message[1]}")
            if message[0] == kind:
                return message
        raise DistillError(f"inference server did not answer {kind!r} within {timeout_s:.0f} s")

    def set_weights(self, state_dict: dict[str, Any], version: int | None = None) -> int:
        """Publish new weights as `version` (default: the last version + 1); returns it.

        Every evaluation after this call uses them: the server has loaded them when this
        returns, and local actors load them before their next round (commands are
        handled in order). The version is what the actors record in their shards.
        """
        import torch

        self.version = self.version + 1 if version is None else int(version)
        path = Path(self._tmp.name) / f"weights-{self.version}.pt"
        torch.save(state_dict, path)
        if self.local:
            for commands in self._commands:
                commands.put(("weights", str(path), self.version))
        else:
            self._requests.put(("weights", str(path), self.version))
            # wait for the load: an actor's next leaves could otherwise reach the server
            # before this message does (they travel through different pipes)
            self._wait_reply("loaded", 600.0)
        return self.version

    def play(
        self,
        seed_keys: Sequence[Sequence[int]],
        shard_paths: Sequence[Path | None],
        generation: int,
        first_game_ids: Sequence[int],
    ) -> list[dict[str, Any]]:
        """One round on each of the first K actors (K = len(seed_keys), 1..N): actor k
        plays with ``default_rng(seed_keys[k])`` and writes its shard to
        ``shard_paths[k]`` (None: no shard); returns their stats in actor order."""
        count = len(seed_keys)
        if not len(shard_paths) == len(first_game_ids) == count or not 1 <= count <= len(
            self._commands
        ):
            raise ConfigError(
                f"play needs one seed, path and first id for each of 1..{self.num_actors} actors"
            )
        for k in range(count):
            self.submit(k, seed_keys[k], shard_paths[k], generation, first_game_ids[k])
        stats: dict[int, dict[str, Any]] = {}
        while len(stats) < count:
            actor_id, payload = self.next_result()
            stats[actor_id] = payload
        return [stats[k] for k in range(count)]

    def submit(
        self,
        actor_id: int,
        seed_key: Sequence[int],
        shard_path: Path | None,
        generation: int,
        first_game_id: int,
    ) -> None:
        """Queue one round on actor `actor_id` without waiting (as `play` does for one
        actor). An actor plays its queued rounds in order, each with the weights published
        before it was queued (local inference) or the server's current ones; every round
        answers once through `next_result`."""
        path = None if shard_path is None else str(shard_path)
        command = ("play", list(seed_key), path, generation, int(first_game_id))
        self._commands[actor_id].put(command)

    def next_result(self) -> tuple[int, dict[str, Any]]:
        """(actor id, stats) of the next round any actor finishes (blocks; a child that
        died or failed is a DistillError). An actor's rounds answer in submission order."""
        while True:
            try:
                kind, actor_id, payload = self._results.get(timeout=_POLL_S)
            except queue.Empty:
                self._check_alive()
                continue
            if kind == "error":
                raise DistillError(f"self-play actor {actor_id} failed:\n{payload}")
            return actor_id, payload

    def server_stats(self, *, reset: bool = False) -> dict[str, float]:
        """The server's counters since the last reset (`ServerStats.summary`); empty with
        local inference (no server)."""
        if self.local:
            return {}
        self._requests.put(("stats",))
        summary: dict[str, float] = self._wait_reply("stats", 60.0)[1]
        if reset:
            self._requests.put(("reset_stats",))
        return summary

    def close(self) -> None:
        """Stop every process (politely, then by force) and free the shared memory."""
        for commands in self._commands:
            commands.put(("stop",))
        self._requests.put(("stop",))
        for process in self._processes:
            process.join(timeout=10)
            if process.exitcode is None:
                process.kill()
                process.join(timeout=5)
        self._processes = []
        for slot in self._slots:
            slot.close()
        self._slots = []
        self._tmp.cleanup()

    def __enter__(self) -> ActorPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_actor_count(actors: int) -> None:
    """ConfigError unless 1 <= actors <= the CPU count (each actor needs a core)."""
    from distill.devices import check_core_count

    check_core_count(actors, "selfplay actors")


__all__ = ["ActorPool", "check_actor_count"]
