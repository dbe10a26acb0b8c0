"""`distill bench search`: MCTS simulations per second on Connect Four, one core.

Measured side by side in the same run, all from the empty board, PUCT, no noise:

* `distill.search`, fully jitted loop, B = 1 and B = 256 games, with the uniform
  evaluator and with one random rollout per simulation (`RolloutEvaluator`);
* `distill.search`'s Python-orchestrated loop at B = 256 with the uniform evaluator (the
  path a network evaluator takes, minus the network);
* a straightforward pure-Python MCTS of the same algorithm
  (`distill.bench.pure_python_mcts`) -> ratio, goal >= 100x at B = 256;
* OpenSpiel's C++ MCTS bot (``pyspiel.MCTSBot`` + ``RandomRolloutEvaluator(1, seed)``,
  UCT) with one rollout per simulation -> ratio, goal: faster at B = 1 and B = 256;
* numba start-up: a fresh process doing one tiny search with empty caches (temporary
  ``DISTILL_CACHE_DIR`` and ``NUMBA_CACHE_DIR``, i.e. full compilation) vs the same again
  with the caches now warm.

Simulations/s counts every simulation of every game (B x simulations per search) per
CPU second of this (single-threaded) process.
Prints a rich table, then one JSON line with every number.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import numpy as np

from distill.commands._args import positive_float

_STARTUP_SNIPPET = """
import time; start = time.perf_counter()
import numpy as np, distill
from distill.search import RolloutEvaluator, SearchConfig, Searcher
domain = distill.make("connect4")
store = domain.new_store(1); domain.reset(store, [0])
searcher = Searcher(domain, RolloutEvaluator(domain), batch_size=1,
                    config=SearchConfig(num_simulations=8))
searcher.run(store, [0], np.random.default_rng(0))
print(time.perf_counter() - start)
"""


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="distill bench search",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--simulations", type=int, default=200, help="per search and game")
    parser.add_argument("--batch", type=int, default=256, help="the large batch size B")
    parser.add_argument("--seconds", type=positive_float, default=1.0, help="minimum time per row")
    parser.add_argument("--skip-openspiel", action="store_true")
    parser.add_argument(
        "--skip-startup",
        action="store_true",
        help="skip the cold/warm compile measurement (two subprocesses)",
    )
    return parser.parse_args(argv)


def rate(work: Callable[[], int], seconds: float) -> float:
    """Simulations per CPU second of `work` (returns simulations done), repeated for at least
    `seconds` of CPU time. Process CPU time, not wall time: every engine here runs on one
    thread, and CPU time is not inflated by other load on a shared machine."""
    work()  # warm-up: compilation, allocation
    done, start = 0, time.process_time()
    while True:
        done += work()
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return done / elapsed


def distill_rate(batch: int, rollout: bool, sims: int, seconds: float, jit: bool = True) -> float:
    import distill
    from distill.search import RolloutEvaluator, SearchConfig, Searcher, uniform_evaluator

    domain = distill.make("connect4")
    store = domain.new_store(batch)
    domain.reset(store, np.arange(batch))
    evaluator = RolloutEvaluator(domain) if rollout else uniform_evaluator
    config = SearchConfig(num_simulations=sims, reuse_tree=False)
    searcher = Searcher(domain, evaluator, batch_size=batch, config=config, jit=jit)
    rng = np.random.default_rng(0)
    index = np.arange(batch)

    def work() -> int:
        searcher.run(store, index, rng, add_noise=False)
        return batch * sims

    return rate(work, seconds)


def pure_python_rate(rollout: bool, sims: int, seconds: float) -> float:
    from distill.bench import pure_python_mcts as pure

    evaluate = pure.rollout_evaluate if rollout else pure.uniform_evaluate

    def work() -> int:
        pure.search(pure.ConnectFour(), sims, evaluate)
        return sims

    return rate(work, seconds)


def openspiel_rate(sims: int, seconds: float) -> float | None:
    try:
        import pyspiel
    except ImportError:
        return None
    game = pyspiel.load_game("connect_four")
    bot = pyspiel.MCTSBot(
        game, pyspiel.RandomRolloutEvaluator(1, 0), 2.0, sims, 1000, False, 0, False
    )
    state = game.new_initial_state()

    def work() -> int:
        bot.step(state)
        return sims

    return rate(work, seconds)


def startup_seconds() -> dict[str, float]:
    """Wall and CPU seconds of a fresh process doing one tiny jitted search, first with empty
    caches (cold: numba compiles everything), then again with the caches it left (warm)."""
    import resource

    result: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            DISTILL_CACHE_DIR=tmp,
            NUMBA_CACHE_DIR=os.path.join(tmp, "nb"),
            NUMBA_NUM_THREADS="1",
            OMP_NUM_THREADS="1",
        )
        for label in ("cold", "warm"):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", _STARTUP_SNIPPET], env=env, check=True, capture_output=True
            )
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            result[f"{label}_wall"] = time.perf_counter() - start
            result[f"{label}_cpu"] = (after.ru_utime - before.ru_utime) + (
                after.ru_stime - before.ru_stime
            )
    return result


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    args = parse(sys.argv[1:] if argv is None else argv)
    import numba

    numba.set_num_threads(1)
    sims, seconds, big = args.simulations, args.seconds, args.batch
    rows: dict[str, float | None] = {}
    for label, rollout in (("uniform", False), ("rollout", True)):
        rows[f"distill_jit_b1_{label}"] = distill_rate(1, rollout, sims, seconds)
        rows[f"distill_jit_b{big}_{label}"] = distill_rate(big, rollout, sims, seconds)
        rows[f"pure_python_{label}"] = pure_python_rate(rollout, sims, seconds)
    rows[f"distill_python_loop_b{big}_uniform"] = distill_rate(big, False, sims, seconds, jit=False)
    rows["openspiel_cpp_rollout"] = None if args.skip_openspiel else openspiel_rate(sims, seconds)
    result: dict[str, object] = {"simulations": sims, "batch": big, "sims_per_second": rows}
    ratios = {
        f"b{big}_vs_pure_python_uniform": _ratio(
            rows[f"distill_jit_b{big}_uniform"], rows["pure_python_uniform"]
        ),
        f"b{big}_vs_pure_python_rollout": _ratio(
            rows[f"distill_jit_b{big}_rollout"], rows["pure_python_rollout"]
        ),
        "b1_vs_openspiel_rollout": _ratio(
            rows["distill_jit_b1_rollout"], rows["openspiel_cpp_rollout"]
        ),
        f"b{big}_vs_openspiel_rollout": _ratio(
            rows[f"distill_jit_b{big}_rollout"], rows["openspiel_cpp_rollout"]
        ),
    }
    result["ratios"] = ratios
    if not args.skip_startup:
        result["startup_seconds"] = startup = startup_seconds()
    table = Table(title=f"Connect Four MCTS, {sims} simulations per search, one core")
    table.add_column("engine")
    table.add_column("simulations/s", justify="right")
    for name, value in rows.items():
        table.add_row(name, "n/a" if value is None else f"{value:,.0f}")
    for name, value in ratios.items():
        table.add_row(f"ratio {name}", "n/a" if value is None else f"{value:,.1f}x")
    if not args.skip_startup:
        for label in ("cold", "warm"):
            table.add_row(
                f"start-up, {label} numba cache (s wall / CPU)",
                f"{startup[f'{label}_wall']:.1f} / {startup[f'{label}_cpu']:.1f}",
            )
    Console().print(table)
    print(json.dumps(result))
    return 0


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator
