"""`distill bench selfplay --actors N`: self-play throughput of the actor pool.

Runs `distill.actors.ActorPool` (N actor processes, G games each, one inference
server on ``--device`` or, with ``--inference local``, a net per actor) and prints one
JSON line::

    evals_per_s       network evaluations (search leaves) per wall second
    positions_per_s   recorded self-play positions per wall second
    gpu_busy_share    the server's device time (CUDA events) / wall time; null on a CPU
    forward_share     the server's forward time / wall time (CPU: perf_counter)
    batch_mean, batch_p95   rows per server forward pass
    host_us_per_sim   an actor's own time (its wall time minus the time it waited for
                      evaluations) per simulation leaf, in microseconds, per core

One warm-up round (process start, numba loading, first compiles) is not counted. With
``--null`` the server answers without a network: the actors' ceiling.
"""

from __future__ import annotations

import argparse
import time
from typing import Any


def add_pool_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the actor-pool mode of ``distill bench selfplay``."""
    parser.add_argument("--actors", type=int, default=0, help="actor processes (0 = in-process)")
    parser.add_argument("--device", default="cpu", help="server device: cpu, cuda, cuda:1")
    parser.add_argument("--inference", choices=("server", "local"), default="server")
    parser.add_argument("--dtype", choices=("float32", "bfloat16"), default="float32")
    parser.add_argument("--null", action="store_true", help="a server without a network")
    parser.add_argument("--server-threads", type=int, default=1, help="torch threads of the server")


def run_pool_bench(
    args: argparse.Namespace,
    domain_id: str,
    domain_kwargs: dict[str, Any],
    net_config: Any,
    search: Any,
    selfplay: Any,
    *,
    min_seconds: float = 0.0,
) -> dict[str, Any]:
    """Measure the pool (see the module docstring); returns the JSON fields.

    Plays ``args.rounds`` timed rounds, and more until `min_seconds` have passed."""
    from distill.actors import ActorPool
    from distill.nets import build_net
    from distill.registry import make

    domain = make(domain_id, **domain_kwargs)
    with ActorPool(
        domain_id,
        domain_kwargs,
        net_config=net_config,
        search=search,
        selfplay=selfplay,
        actors=args.actors,
        games_per_actor=args.games,
        device=args.device,
        dtype=args.dtype,
        server_threads=args.server_threads,
        inference=args.inference,
        null=args.null,
    ) as pool:
        if not args.null:
            pool.set_weights(
                build_net(net_config, domain.obs_shape, domain.num_actions).state_dict()
            )
        keys = [[args.seed, 99, k] for k in range(args.actors)]
        pool.play(keys, [None] * args.actors, 0, [0] * args.actors)  # warm-up
        pool.server_stats(reset=True)
        stats: list[dict[str, Any]] = []
        start = time.perf_counter()
        r = 0
        while r < args.rounds or time.perf_counter() - start < min_seconds:
            keys = [[args.seed, r, k] for k in range(args.actors)]
            stats += pool.play(keys, [None] * args.actors, 0, [0] * args.actors)
            r += 1
        wall = time.perf_counter() - start
        server = pool.server_stats()
    evaluated = sum(s["evaluated"] for s in stats)
    host = sum(s["wall_seconds"] - s["eval_seconds"] for s in stats)
    cuda = args.device.startswith("cuda") and not args.null
    return {
        "domain": domain_id,
        "device": args.device,
        "inference": "null" if args.null else args.inference,
        "actors": args.actors,
        "games_per_actor": args.games,
        "evals_per_s": evaluated / wall,
        "positions_per_s": sum(s["positions"] for s in stats) / wall,
        "gpu_busy_share": server["busy_share"] if cuda else None,
        "forward_share": server.get("busy_share"),
        "batch_mean": server.get("batch_mean"),
        "batch_p95": server.get("batch_p95"),
        "host_us_per_sim": 1e6 * host / max(evaluated, 1),
        "rounds": r,
        "wall_s": wall,
    }


__all__ = ["add_pool_arguments", "run_pool_bench"]
