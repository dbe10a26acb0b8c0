"""`distill bench selfplay`: self-play throughput and where its time goes.

Plays rounds of G games with a freshly initialized network (weights do not
change the cost) and reports, side by side in the same run:

* positions/s of self-play (recorded positions per wall second);
* the evaluator's achieved GFLOP/s (network FLOPs per position from
  `distill.nets.count_flops`, times positions evaluated, over the seconds spent
  inside the evaluator) against this machine's float32 matmul GFLOP/s measured
  with the same thread count (goal: >= 50%);
* the share of self-play wall time spent in the network forward pass (goal:
  >= 80%; the rest is tree search, state copies, encoding, Python).

One warm-up round (numba compilation, oneDNN primitive caches) is not counted.
Prints a rich table, then one JSON line with every number.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from distill.commands._args import non_negative_int


def matmul_gflops(threads: int, size: int = 1024, repeats: int = 10) -> float:
    """Median float32 GFLOP/s of a size x size matmul with `threads` torch threads."""
    import torch

    torch.set_num_threads(threads)
    a = torch.randn(size, size)
    b = torch.randn(size, size)
    torch.matmul(a, b)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        times.append(time.perf_counter() - start)
    return 2.0 * size**3 / float(np.median(times)) / 1e9


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="distill bench selfplay", description=__doc__)
    parser.add_argument("--domain", default="connect4")
    parser.add_argument("--games", type=int, default=128, help="G, games per batch")
    parser.add_argument("--simulations", type=int, default=32)
    parser.add_argument("--algorithm", choices=("puct", "gumbel"), default="gumbel")
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--rounds", type=int, default=1, help="timed rounds")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    parser.add_argument("--size", type=int, default=None, help="board size (domains with one)")
    parser.add_argument("--max-moves", type=int, default=None, help="self-play move cap")
    from distill.bench.actors import add_pool_arguments

    add_pool_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import torch
    from rich.console import Console
    from rich.table import Table

    from distill.flywheel.selfplay import SelfPlayWorker
    from distill.inference import NetEvaluator
    from distill.nets import NetConfig, ResNetConfig, build_net, count_flops
    from distill.recipe import SelfPlaySection
    from distill.registry import make
    from distill.search import SearchConfig

    args = parse(list(argv or []))
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    kwargs = {} if args.size is None else {"size": args.size}
    domain = make(args.domain, **kwargs)
    pool = 0 if args.blocks < 3 else 3
    config = NetConfig(
        resnet=ResNetConfig(
            channels=args.channels,
            blocks=args.blocks,
            global_pool_every=pool,
            global_pool_channels=max(args.channels // 4, 1),
        )
    )
    net = build_net(config, domain.obs_shape, domain.num_actions)
    flops = count_flops(net, domain.obs_shape)
    search = SearchConfig(
        algorithm=args.algorithm,
        num_simulations=args.simulations,
        gumbel_num_considered=min(16, domain.num_actions),
    )
    selfplay = SelfPlaySection(temperature_moves=8, max_moves=args.max_moves)
    if args.actors > 0:  # the actor pool: one JSON line (distill.bench.actors)
        from distill.bench.actors import run_pool_bench

        print(json.dumps(run_pool_bench(args, args.domain, kwargs, config, search, selfplay)))
        return 0
    worker = SelfPlayWorker(
        domain, NetEvaluator(net), search=search, selfplay=selfplay, num_games=args.games
    )
    worker.play(np.random.default_rng([args.seed, 99]))  # warm-up, not timed
    timer = worker.evaluator
    wall = evaluated = eval_s = 0.0
    positions = 0
    for r in range(args.rounds):
        calls_before, seconds_before = timer.positions, timer.seconds
        batch = worker.play(np.random.default_rng([args.seed, r]))
        wall += batch.stats["wall_seconds"]
        evaluated += timer.positions - calls_before
        eval_s += timer.seconds - seconds_before
        positions += batch.num_positions
    peak = matmul_gflops(args.threads)
    achieved = flops * evaluated / max(eval_s, 1e-9) / 1e9
    result = {
        "domain": domain.name,
        "games": args.games,
        "simulations": args.simulations,
        "algorithm": args.algorithm,
        "net": f"resnet {args.blocks}x{args.channels}",
        "threads": args.threads,
        "flops_per_position": flops,
        "positions_per_s": positions / wall,
        "evaluations_per_s": evaluated / wall,
        "evaluator_gflops": achieved,
        "matmul_gflops": peak,
        "evaluator_vs_matmul": achieved / peak,
        "forward_share": eval_s / wall,
        "wall_s": wall,
    }
    table = Table(title="distill bench selfplay")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("goal", justify="right")
    goals = {"evaluator_vs_matmul": ">= 0.5", "forward_share": ">= 0.8"}
    for key, value in result.items():
        text = f"{value:.3g}" if isinstance(value, float) else str(value)
        table.add_row(key, text, goals.get(key, ""))
    Console().print(table)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
