"""`distill bench selfplay`: self-play throughput and where its time goes.

Plays rounds of G games with a freshly initialized network (weights do not
change the cost) and reports, side by side in the same run:

* positions/s of self-play (recorded positions per wall second);
* the evaluator's achieved GFLOP/s (network FLOPs per position from
  `distill.nets.count_flops`, times positions evaluated, over the seconds spent
  inside the evaluator) against this machine's float32 matmul GFLOP/s measured
  with the same thread count (goal: >= 50%);
* the share of self-play wall time spent in the network forward pass (goal:
  >= 80%; the rest is tree search, state copies, encoding, Python);
* the fields every self-play benchmark line shares with ``--actors N``
  (`distill.bench.actors`): evals_per_s, positions_per_s, gpu_busy_share (CUDA events;
  null on a CPU), batch_mean, batch_p95 (rows per evaluator call), host_us_per_sim
  (self-play wall time outside the evaluator per evaluated leaf) and forward_share.

One warm-up round (numba compilation, oneDNN primitive caches) is not counted.
Prints a rich table, then one JSON line with every number.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

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
    parser.add_argument(
        "--recipe",
        default=None,
        help="take domain, network, search and self-play settings from a recipe (a file, "
        "or a built-in recipe's name such as go9); --games and --rounds still apply",
    )
    from distill.bench.actors import add_pool_arguments

    add_pool_arguments(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import torch
    from rich.console import Console
    from rich.table import Table

    from distill.flywheel.selfplay import SelfPlayWorker
    from distill.inference import InferenceOptions, NetEvaluator
    from distill.nets import build_net, count_flops
    from distill.recipe import SelfPlaySection
    from distill.registry import make
    from distill.search import SearchConfig

    args = parse(list(argv or []))
    from distill.bench.gpu import check_device

    check_device(args.device)  # cuda without a GPU: one line, exit 2
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if args.recipe is not None:
        kwargs, config, search, selfplay = from_recipe(args)
    else:
        kwargs = {} if args.size is None else {"size": args.size}
        config = bench_net(args.channels, args.blocks)
        search = SearchConfig(
            algorithm=args.algorithm,
            num_simulations=args.simulations,
            gumbel_num_considered=min(16, make(args.domain, **kwargs).num_actions),
        )
        selfplay = SelfPlaySection(temperature_moves=8, max_moves=args.max_moves)
    domain = make(args.domain, **kwargs)
    net = build_net(config, domain.obs_shape, domain.num_actions)
    flops = count_flops(net, domain.obs_shape)
    if args.actors > 0:  # the actor pool: one JSON line (distill.bench.actors)
        from distill.bench.actors import run_pool_bench

        print(json.dumps(run_pool_bench(args, args.domain, kwargs, config, search, selfplay)))
        return 0
    options = InferenceOptions(dtype=args.dtype)
    recorder = BatchRecorder(NetEvaluator(net, device=args.device, options=options))
    worker = SelfPlayWorker(
        domain, recorder, search=search, selfplay=selfplay, num_games=args.games
    )
    worker.play(np.random.default_rng([args.seed, 99]))  # warm-up, not timed
    recorder.reset()
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
        "recipe": args.recipe,
        "simulations": search.num_simulations,
        "algorithm": search.algorithm,
        "full_search_fraction": selfplay.full_search_fraction,
        "net": f"resnet {config.resnet.blocks}x{config.resnet.channels}",
        "threads": args.threads,
        "flops_per_position": flops,
        "device": args.device,
        "positions_per_s": positions / wall,
        "evals_per_s": evaluated / wall,
        "evaluations_per_s": evaluated / wall,
        **recorder.summary(wall),
        "host_us_per_sim": 1e6 * (wall - eval_s) / max(evaluated, 1),
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


class BatchRecorder:
    """An evaluator wrapper that records batch sizes and, on CUDA, the device time of
    each call (CUDA events around it, read after the call synchronizes)."""

    def __init__(self, evaluator: Any) -> None:
        self.evaluator = evaluator
        self.cuda = str(getattr(evaluator, "device", "cpu")).startswith("cuda")
        self.reset()

    def reset(self) -> None:
        self.sizes: list[int] = []
        self.device_s = 0.0

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self.sizes.append(int(obs.shape[0]))
        if not self.cuda:
            return self.evaluator(obs, mask)  # type: ignore[no-any-return]
        import torch

        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        out = self.evaluator(obs, mask)  # returns numpy: the device work is done
        end.record()
        end.synchronize()
        self.device_s += start.elapsed_time(end) / 1000.0
        return out  # type: ignore[no-any-return]

    def summary(self, wall_s: float) -> dict[str, float | None]:
        """gpu_busy_share (None on a CPU), batch_mean and batch_p95 since `reset`."""
        sizes = np.asarray(self.sizes or [0])
        return {
            "gpu_busy_share": self.device_s / max(wall_s, 1e-9) if self.cuda else None,
            "batch_mean": float(sizes.mean()),
            "batch_p95": float(np.percentile(sizes, 95)),
        }


def from_recipe(args: argparse.Namespace) -> tuple[dict[str, Any], Any, Any, Any]:
    """(domain kwargs, NetConfig, SearchConfig, SelfPlaySection) of ``--recipe`` (a file
    or a built-in recipe's name); sets ``args.domain`` to the recipe's domain."""
    from distill.recipe import load_recipe

    recipe = load_recipe(args.recipe)
    args.domain = recipe.domain.id
    return dict(recipe.domain.kwargs), recipe.network, recipe.search, recipe.selfplay


if __name__ == "__main__":
    raise SystemExit(main())


def bench_net(channels: int, blocks: int) -> Any:
    """The benchmarks' ResNet `NetConfig`: `blocks` x `channels`, global pooling every 3
    blocks (none below 3 blocks) over a quarter of the channels."""
    from distill.nets import NetConfig, ResNetConfig

    return NetConfig(
        resnet=ResNetConfig(
            channels=channels,
            blocks=blocks,
            global_pool_every=0 if blocks < 3 else 3,
            global_pool_channels=max(channels // 4, 1),
        )
    )
