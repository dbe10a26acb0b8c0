"""`distill bench gpu`: the whole GPU self-play sweep in one short run (at most 8 minutes).

For each configuration of N actor processes x G games per actor (the server's batch is
what N actors x G games send at once), one `distill.actors.ActorPool` plays 19x19 Go
with a 10-block x 128-channel ResNet served in bf16 and channels_last on the GPU (Gumbel
search, 32 simulations, at most 30 moves a game: the setup of issue 10), and the
measurement of `distill.bench.actors.run_pool_bench` is printed as one JSON line.
A summary table follows, best configuration first.

The sweep is sized to fit its budget (``--budget-s``, default 480 s): each
configuration gets an equal share of the time that is left, plays at least one timed
round, and a configuration whose share is below what the previous one took to start is
reported as skipped instead of run. The numba kernels are compiled once, in this
process, before the first pool starts, so actors load them from the on-disk cache.

On a machine without CUDA the command exits 2 with one line. ``--device cpu --quick``
runs a tiny version of the same code path on the CPU (5x5 Go, a 1-block net, 1 actor),
which is how the tests cover it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from dataclasses import dataclass
from typing import Any

from distill.commands._args import non_negative_int
from distill.errors import ConfigError


@dataclass(frozen=True)
class Sweep:
    """The fixed part of a sweep: game, net, search (full size, or ``--quick``)."""

    size: int
    blocks: int
    channels: int
    simulations: int
    max_moves: int
    actors: tuple[int, ...]
    games: tuple[int, ...]


FULL = Sweep(size=19, blocks=10, channels=128, simulations=32, max_moves=30,
             actors=(4, 8, 15), games=(64, 128, 256))  # fmt: skip
QUICK = Sweep(size=5, blocks=1, channels=8, simulations=4, max_moves=4, actors=(1,), games=(2, 4))


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="distill bench gpu", description=__doc__)
    parser.add_argument("--device", default="cuda", help="cuda (default), cuda:1, or cpu")
    parser.add_argument("--quick", action="store_true", help="a tiny sweep (tests, CPU)")
    parser.add_argument("--budget-s", type=float, default=480.0, help="whole sweep, seconds")
    parser.add_argument("--actors", type=_int_list, help="actor counts, e.g. 4,8,15")
    parser.add_argument("--games", type=_int_list, help="games per actor, e.g. 64,128,256")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    return parser.parse_args(argv)


def check_device(device: str) -> None:
    """ConfigError (one line) unless `device` is "cpu" or a CUDA device torch can see."""
    from distill.devices import cuda_available

    if device != "cpu" and not device.startswith("cuda"):
        raise ConfigError(f"--device must be cuda, cuda:N or cpu, got {device!r}")
    if device.startswith("cuda") and not cuda_available():
        raise ConfigError(
            "distill bench gpu needs a CUDA GPU and torch sees none on this machine "
            "(--device cpu --quick runs the sweep's code path on the CPU)"
        )


def configurations(sweep: Sweep, cores: int) -> list[tuple[int, int]]:
    """(actors, games per actor), largest server batch first; actor counts above
    cores - 1 (one core is the server's) are capped, duplicates dropped."""
    top = max(cores - 1, 1)
    actors = sorted({min(n, top) for n in sweep.actors}, reverse=True)
    pairs = [(n, g) for n in actors for g in sorted(sweep.games, reverse=True)]
    return sorted(pairs, key=lambda p: -p[0] * p[1])


def warm_kernels(sweep: Sweep) -> float:
    """Compile the search's numba kernels here (seconds taken), so actors start warm."""
    import numpy as np

    from distill.flywheel.selfplay import SelfPlayWorker
    from distill.recipe import SelfPlaySection
    from distill.registry import make
    from distill.search import SearchConfig

    start = time.perf_counter()
    domain = make("go", size=sweep.size)
    search = SearchConfig(algorithm="gumbel", num_simulations=2, gumbel_num_considered=2)
    selfplay = SelfPlaySection(temperature_moves=0, max_moves=2)
    uniform = _uniform_evaluator
    SelfPlayWorker(domain, uniform, search=search, selfplay=selfplay, num_games=1).play(
        np.random.default_rng(0)
    )
    return time.perf_counter() - start


def _uniform_evaluator(obs: Any, mask: Any) -> tuple[Any, Any]:
    import numpy as np

    return np.zeros(mask.shape, np.float32), np.zeros(len(obs), np.float32)


def run_config(
    args: argparse.Namespace, sweep: Sweep, actors: int, games: int, seconds: float
) -> dict[str, Any]:
    """One configuration's JSON fields (`run_pool_bench`, timed for about `seconds`)."""
    from distill.bench.actors import run_pool_bench
    from distill.bench.selfplay import bench_net
    from distill.recipe import SelfPlaySection
    from distill.search import SearchConfig

    net = bench_net(sweep.channels, sweep.blocks)
    search = SearchConfig(
        algorithm="gumbel", num_simulations=sweep.simulations, gumbel_num_considered=16
    )
    selfplay = SelfPlaySection(temperature_moves=8, max_moves=sweep.max_moves)
    pool_args = argparse.Namespace(
        actors=actors, games=games, device=args.device, seed=args.seed, rounds=1,
        dtype="bfloat16", server_threads=1, inference="server", null=False,
    )  # fmt: skip
    kwargs = {"size": sweep.size}
    return run_pool_bench(pool_args, "go", kwargs, net, search, selfplay, min_seconds=seconds)


def main(argv: list[str] | None = None) -> int:
    args = parse(list(argv or []))
    check_device(args.device)
    base = QUICK if args.quick else FULL
    sweep = dataclasses.replace(
        base, actors=args.actors or base.actors, games=args.games or base.games
    )
    deadline = time.perf_counter() + args.budget_s
    configs = configurations(sweep, os.cpu_count() or 1)
    startup = warm_kernels(sweep)
    results: list[dict[str, Any]] = []
    for index, (actors, games) in enumerate(configs):
        share = (deadline - time.perf_counter()) / (len(configs) - index)
        if share < startup:  # not even the last configuration's start-up fits
            line: dict[str, Any] = {"actors": actors, "games_per_actor": games, "skipped": "budget"}
        else:
            begin = time.perf_counter()
            line = run_config(args, sweep, actors, games, seconds=share / 2)
            startup = time.perf_counter() - begin - line["wall_s"]
            line.update(board=sweep.size, net=f"resnet {sweep.blocks}x{sweep.channels}")
        print(json.dumps(line), flush=True)
        results.append(line)
    print_summary(results)
    return 0


def print_summary(results: list[dict[str, Any]]) -> None:
    """The sweep as a rich table, the fastest configuration first."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="distill bench gpu (evals/s: network evaluations per second)")
    columns = ("actors", "games_per_actor", "evals_per_s", "positions_per_s",
               "gpu_busy_share", "batch_mean", "batch_p95", "host_us_per_sim")  # fmt: skip
    for column in columns:
        table.add_column(column.replace("_", " "), justify="right")
    measured = sorted((r for r in results if "skipped" not in r), key=lambda r: -r["evals_per_s"])
    for row in measured + [r for r in results if "skipped" in r]:
        table.add_row(*(_cell(row.get(c, "skipped")) for c in columns))
    Console().print(table)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


__all__ = ["Sweep", "check_device", "configurations", "main", "run_config"]
