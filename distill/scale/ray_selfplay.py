"""Self-play units as Ray actors: ``distill train RECIPE --ray auto|ADDRESS``.

::

    driver (distill train: learner, replay owner)          Ray actor k (a self-play unit)
    ─────────────────────────────────────────────          ──────────────────────────────
    ray.put(weights of generation g)  (once per version)
    play.remote([weights_ref], g, round r) ──────────────► ray.get(ref) if g is new
                                                           SelfPlayWorker: G games,
                                                           seeded (recipe seed, g, r)
    ◄─────────────────────────────── finished round (SelfPlayBatch: numpy arrays)
    write shard g/r (atomic), record it in state.json

A unit is self-contained: it builds the domain and the net from the resolved recipe and
runs the whole batched search with its own evaluator, so nothing per leaf ever crosses
the network; only a finished round's arrays come back, and the weights travel as one
object reference per version (wrapped in a list, so Ray hands the unit the reference and
the unit fetches the object only when the version changes). The driver stays the only
writer of replay and of ``state.json``, so the run directory's crash-safety rules are
unchanged (`distill.flywheel.run_dir`).

Fault tolerance: units are created with ``max_restarts``. A unit that dies mid-round
(killed, out of memory, node lost) is restarted by Ray; the driver sees the round's
``RayActorError`` and submits the same round again. Rounds are seeded by (recipe seed,
generation, round), so the redone round is the very round that was lost: the games in
flight are played again, and none is counted twice because only the driver counts.

Decoupled mode (``selfplay.decoupled``) drives the units through `RayActorPool`, the
interface of `distill.actors.ActorPool` that `distill.flywheel.decoupled.DecoupledRounds`
queues rounds on: each queued round carries the weights reference and version current
when it was queued, a unit answers its rounds in order, and the driver writes each
round's shard (with that version) when it comes back, as `record_round` does otherwise.

``--ray auto`` starts a private local cluster with the object store capped at
``object_store_mb``; ``--ray ADDRESS`` joins a running cluster (``ray start --head``
prints its address; its cap is ``ray start --object-store-memory``). Ray is an optional
extra (``pip install 'distill[ray]'``); nothing else in distill imports it.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distill.errors import DistillError

#: How often one round may be lost to a dying unit before the run gives up.
ROUND_ATTEMPTS = 4
#: Seconds `RayActorPool` waits for Ray to restart a unit that died.
RESTART_WAIT_S = 300.0
#: Restarts Ray grants each unit (a unit that keeps dying is a bug, not bad luck).
UNIT_RESTARTS = 4
#: Test hook: "GEN:ROUND:MARKER" makes the unit that finishes that round kill itself
#: (SIGKILL, after playing the games, before returning them) once, the first time,
#: leaving MARKER so the restarted unit does not die again.
KILL_HOOK_ENV = "DISTILL_TEST_RAY_KILL"


def import_ray() -> Any:
    """The `ray` module, or one DistillError line saying how to install it."""
    try:
        import ray
    except ImportError:
        raise DistillError(
            "--ray needs Ray, which is not installed: pip install 'distill[ray]'"
        ) from None
    return ray


def check_address(address: str, *, timeout_s: float = 5.0) -> None:
    """DistillError unless something listens at `address` ("auto" is always fine).

    ADDRESS is ``HOST:PORT`` (a cluster's GCS, as ``ray start --head`` prints it) or
    ``ray://HOST:PORT`` (Ray Client). Checked with a plain TCP connect before anything is
    written, because ``ray.init`` on a dead address retries for a long time.
    """
    if address == "auto":
        return
    host, sep, port = address.removeprefix("ray://").rpartition(":")
    if not sep or not host or not port.isdigit():
        raise DistillError(f"--ray {address}: give 'auto' or a cluster address HOST:PORT")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DistillError(
            f"--ray {address}: no Ray cluster answers there ({reason}); start one with "
            "'ray start --head' or use --ray auto"
        ) from None


@dataclass(frozen=True)
class RayOptions:
    """Where the self-play units run."""

    address: str = "auto"
    """"auto" (a private local cluster) or a running cluster's HOST:PORT."""
    object_store_mb: int = 512
    """Cap of the local cluster's object store (MiB); Ray needs at least 75."""
    actors: int | None = None
    """Units to start; None = one per GPU of the cluster, else one per node."""


def connect(options: RayOptions) -> Any:
    """Check, then join or start the cluster; returns the `ray` module.

    Raises DistillError (one line) when Ray is missing, the address is unreachable, or
    the units would not fit: more than this machine's cores with "auto", more than the
    cluster's CPUs otherwise (a unit that cannot be placed would wait forever).
    """
    ray = import_ray()
    check_address(options.address)
    cores = os.cpu_count() or 1
    if options.address == "auto" and (options.actors or 1) > cores:
        raise DistillError(
            f"selfplay.ray_actors={options.actors}: --ray auto runs them on this machine, "
            f"which has {cores} CPU core(s); ask for at most {cores}"
        )
    if options.address == "auto" and options.object_store_mb < 75:
        raise DistillError("--ray-object-store-mb must be at least 75 (Ray's minimum)")
    if not ray.is_initialized():
        _init(ray, options, cores)
    cpus = int(ray.cluster_resources().get("CPU", 0))
    if (options.actors or 1) > cpus:
        raise DistillError(
            f"selfplay.ray_actors={options.actors}: the Ray cluster at {options.address} "
            f"has {cpus} CPU(s); each unit needs one"
        )
    return ray


def _init(ray: Any, options: RayOptions, cores: int) -> None:
    if options.address == "auto":
        ray.init(
            address="local",
            num_cpus=cores,
            object_store_memory=options.object_store_mb * 2**20,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    else:
        ray.init(address=options.address, log_to_driver=False, configure_logging=False)


def default_actors(ray: Any) -> int:
    """One unit per GPU of the cluster, else one per alive node."""
    gpus = int(ray.cluster_resources().get("GPU", 0))
    return gpus or max(1, sum(1 for node in ray.nodes() if node.get("Alive")))


class SelfPlayUnit:
    """One self-play unit (the body of a Ray actor): domain, net, `SelfPlayWorker`.

    Args:
        recipe_yaml: the run's resolved recipe (``recipe.yaml``).
        games: G, games of one round (`distill.recipe.derive`'s games_per_round).
        device: torch device of the unit's evaluator ("cpu" or "cuda").
        kill_hook: the `KILL_HOOK_ENV` value of the driver (tests only), or None.
    """

    def __init__(self, recipe_yaml: str, games: int, device: str, kill_hook: str | None) -> None:
        import torch
        import yaml

        from distill.config import from_dict
        from distill.nets import build_net
        from distill.recipe import Recipe
        from distill.registry import make

        self.recipe = from_dict(Recipe, yaml.safe_load(recipe_yaml))
        torch.set_num_threads(self.recipe.threads)
        self.domain = make(self.recipe.domain.id, **self.recipe.domain.kwargs)
        self.net = build_net(self.recipe.network, self.domain.obs_shape, self.domain.num_actions)
        self.games, self.device, self.kill_hook = games, device, kill_hook
        self.version = -1
        self.worker: Any = None

    def pid(self) -> int:
        """The unit's process id (tests kill it)."""
        return os.getpid()

    def node(self) -> str:
        """The id of the Ray node the unit runs on."""
        import ray

        return str(ray.get_runtime_context().get_node_id())

    def play(self, weights: list[Any], version: int, generation: int, round_: int) -> Any:
        """Play round `round_` of `generation` with the weights of `version`.

        weights: ``[ObjectRef]`` of the net's state_dict (fetched only when `version`
        differs from the last one seen). Returns the round's `SelfPlayBatch`.
        """
        if version != self.version:
            self._load(weights[0], version)
        from distill.flywheel.generation import SELFPLAY, seeded

        batch = self.worker.play(seeded(self.recipe, SELFPLAY, generation, round_))
        self._maybe_die(generation, round_)
        return batch

    def _load(self, ref: Any, version: int) -> None:
        import ray

        from distill.devices import inference_dtype
        from distill.flywheel.selfplay import SelfPlayWorker
        from distill.inference import InferenceOptions, NetEvaluator

        self.net.load_state_dict(ray.get(ref))
        dtype = inference_dtype(self.device, self.recipe.precision)
        self.worker = SelfPlayWorker(
            self.domain,
            NetEvaluator(self.net, device=self.device, options=InferenceOptions(dtype=dtype)),
            search=self.recipe.search,
            selfplay=self.recipe.selfplay,
            num_games=self.games,
        )
        self.version = version

    def _maybe_die(self, generation: int, round_: int) -> None:
        if not self.kill_hook:
            return
        gen, rnd, marker = self.kill_hook.split(":", 2)
        if (int(gen), int(rnd)) != (generation, round_):
            return
        try:
            Path(marker).open("x").close()  # once: the restarted unit finds the marker
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


class RaySelfPlay:
    """The driver's side: the units, the weights reference, rounds in, batches out.

    Args:
        ray: the connected `ray` module (`connect`).
        recipe_yaml: the run's resolved recipe; games: G per round.
        actors: number of units. Each asks for one CPU, and one GPU when the cluster has
            at least that many GPUs (its evaluator then runs on "cuda").
    """

    def __init__(self, ray: Any, recipe_yaml: str, games: int, actors: int) -> None:
        if actors < 1:
            raise DistillError(f"selfplay needs at least one Ray actor, got {actors}")
        self.ray = ray
        gpu = int(ray.cluster_resources().get("GPU", 0)) >= actors
        unit = ray.remote(SelfPlayUnit).options(
            num_cpus=1,
            num_gpus=1 if gpu else 0,
            max_restarts=UNIT_RESTARTS,
            max_task_retries=0,
            scheduling_strategy="SPREAD",  # one a node first: "one per node" means that
        )
        hook = os.environ.get(KILL_HOOK_ENV)
        device = "cuda" if gpu else "cpu"
        self.units = [unit.remote(recipe_yaml, games, device, hook) for _ in range(actors)]
        self.version = -1
        self.weights: Any = None
        self.rounds_redone = 0

    def nodes(self) -> list[str]:
        """The Ray node id of each unit (waits until every unit has started)."""
        return [str(node) for node in self.ray.get([u.node.remote() for u in self.units])]

    def set_weights(self, state_dict: dict[str, Any], version: int) -> None:
        """Publish the weights of `version` (one ``ray.put``; units fetch on first use)."""
        if version != self.version:
            cpu = {k: v.detach().cpu() for k, v in state_dict.items()}
            self.weights, self.version = self.ray.put(cpu), version

    def play_rounds(
        self, generation: int, rounds: range, note: Callable[[str], None] | None = None
    ) -> Iterator[Any]:
        """Yield the `SelfPlayBatch` of each round in `rounds`, in order.

        Every round is submitted at once, round-robin over the units; a round whose unit
        died is submitted again (to the next unit) up to `ROUND_ATTEMPTS` times, with a
        line to `note`. `rounds_redone` counts those resubmissions.
        """
        from ray.exceptions import RayActorError

        pending = {r: self._submit(generation, r, r) for r in rounds}
        for r in rounds:
            for attempt in range(1, ROUND_ATTEMPTS + 1):
                try:
                    yield self.ray.get(pending.pop(r))
                    break
                except RayActorError as exc:
                    if attempt == ROUND_ATTEMPTS:
                        raise DistillError(
                            f"Ray self-play: round {r} of generation {generation} lost its "
                            f"unit {ROUND_ATTEMPTS} times; last: {str(exc).splitlines()[0]}"
                        ) from None
                    self.rounds_redone += 1
                    if note is not None:
                        note(
                            f"Ray: the unit playing round {r} of generation {generation} "
                            "died; the round is played again"
                        )
                    pending[r] = self._submit(generation, r, r + attempt)

    def _submit(self, generation: int, round_: int, slot: int) -> Any:
        unit = self.units[slot % len(self.units)]
        return unit.play.remote([self.weights], self.version, generation, round_)

    def pids(self) -> list[int]:
        """The process ids of the units (as they are now)."""
        return [int(p) for p in self.ray.get([u.pid.remote() for u in self.units])]

    def close(self) -> None:
        """Stop the units (the cluster stays; `shutdown` ends a local one)."""
        for unit in self.units:
            self.ray.kill(unit, no_restart=True)
        self.units = []


@dataclass
class _Queued:
    """A round queued on a unit: what is needed to write its shard, or to play it again."""

    ref: Any
    weights: Any
    version: int
    generation: int
    round_: int
    shard_path: Path | None
    first_game_id: int
    attempt: int = 1


class RayActorPool:
    """`RaySelfPlay`'s units behind the pool interface of `distill.actors.ActorPool`
    (``num_actors``, ``set_weights``, ``submit``, ``next_result``) for the decoupled
    schedule (`distill.flywheel.decoupled.DecoupledRounds`).

    Unit k plays the rounds submitted to slot k in submission order, and `next_result`
    answers them in that order, as an actor process does. A round whose unit died is
    played again on the same slot (Ray restarts the unit behind the handle) with the
    weights it was queued with, up to `ROUND_ATTEMPTS` times, with a line to `note`; its
    later rounds on that slot died with it and are redone when their turn comes. The
    driver writes every shard, with the version the round was played with.
    """

    def __init__(
        self, units: RaySelfPlay, domain: Any, note: Callable[[str], None] | None = None
    ) -> None:
        from collections import deque

        self.units, self.domain, self.note = units, domain, note
        self.queues: list[deque[_Queued]] = [deque() for _ in units.units]

    @property
    def num_actors(self) -> int:
        return len(self.units.units)

    def set_weights(self, state_dict: dict[str, Any], version: int | None = None) -> int:
        """Publish `version` (one ``ray.put``); rounds queued from now on play with it."""
        self.units.set_weights(state_dict, version=int(version or 0))
        return self.units.version

    def submit(
        self,
        actor_id: int,
        seed_key: list[int],
        shard_path: Path | None,
        generation: int,
        first_game_id: int,
    ) -> None:
        """Queue one round on unit `actor_id`. `seed_key` is ``[seed, SELFPLAY, d, r]``
        (`distill.flywheel.generation.seeded`), the key the unit seeds round r of data
        generation d with."""
        d, r = int(seed_key[2]), int(seed_key[3])
        weights, version = self.units.weights, self.units.version
        ref = self.units.units[actor_id].play.remote([weights], version, d, r)
        self.queues[actor_id].append(
            _Queued(ref, weights, version, generation, r, shard_path, first_game_id)
        )

    def next_result(self) -> tuple[int, dict[str, Any]]:
        """(unit, stats) of the next round a unit finishes, its shard written (blocks)."""
        from ray.exceptions import RayActorError

        ray = self.units.ray
        while True:
            heads = {q[0].ref: k for k, q in enumerate(self.queues) if q}
            if not heads:
                raise DistillError("Ray self-play: no round is queued")
            ready, _ = ray.wait(list(heads), num_returns=1)
            actor_id = heads[ready[0]]
            head = self.queues[actor_id][0]
            try:
                batch = ray.get(head.ref)
            except RayActorError as exc:
                self._replay(actor_id, head, exc)
                continue
            self.queues[actor_id].popleft()
            return actor_id, self._write(batch, head)

    def _replay(self, actor_id: int, head: _Queued, exc: Exception) -> None:
        if head.attempt >= ROUND_ATTEMPTS:
            raise DistillError(
                f"Ray self-play: round {head.round_} of generation {head.generation} lost "
                f"its unit {ROUND_ATTEMPTS} times; last: {str(exc).splitlines()[0]}"
            ) from None
        self.units.rounds_redone += 1
        if self.note is not None:
            self.note(
                f"Ray: the unit playing round {head.round_} of generation "
                f"{head.generation} died; the round is played again"
            )
        unit = self.units.units[actor_id]
        self._await_restart(unit)
        head.ref = unit.play.remote([head.weights], head.version, head.generation, head.round_)
        head.attempt += 1

    def _await_restart(self, unit: Any, timeout_s: float = RESTART_WAIT_S) -> None:
        """Block until Ray has restarted `unit` (it answers ``pid``): a round submitted
        while the unit restarts fails at once as unavailable, and the slot must keep
        its rounds in order, so the round waits for its own unit rather than moving."""
        import time

        from ray.exceptions import GetTimeoutError, RayActorError

        deadline = time.monotonic() + timeout_s
        while True:
            try:
                self.units.ray.get(unit.pid.remote(), timeout=10)
                return
            except (RayActorError, GetTimeoutError) as exc:
                if time.monotonic() > deadline:
                    raise DistillError(
                        f"Ray self-play: a unit did not come back within {timeout_s:.0f} s "
                        f"of dying; last: {str(exc).splitlines()[0]}"
                    ) from None
                time.sleep(0.5)

    def _write(self, batch: Any, queued: _Queued) -> dict[str, Any]:
        from distill.actors.actor import round_stats
        from distill.replay import shard_meta, write_shard

        if queued.shard_path is not None:
            arrays = batch.shard_arrays(queued.generation, queued.first_game_id)
            meta = {**shard_meta(self.domain), "weights_version": queued.version}
            write_shard(queued.shard_path, arrays, meta)
        return round_stats(batch, None, queued.version)  # a unit does not count evaluations

    def close(self) -> None:
        """Nothing of its own: the units belong to the `RaySelfPlay` (closed by its owner)."""


__all__ = [
    "KILL_HOOK_ENV",
    "RayActorPool",
    "RayOptions",
    "RaySelfPlay",
    "SelfPlayUnit",
    "check_address",
    "connect",
    "default_actors",
    "import_ray",
]
