"""`distill bench go-engine`: random-playout speed of the Go engine vs PettingZoo go_v5.

Both sides play uniformly random legal moves (pass included) under their full
rules, on one core, and count actions per second of CPU time (process time, so
other processes on a shared machine distort the ratio less):

* distill: `distill.domains.go.playout.random_playouts`, entirely inside numba,
  positional superko checked on every candidate move, Tromp-Taylor score at the end.
* baseline: go_v5 ``env.step`` with an action drawn from its ``action_mask``
  (simple ko only: go_v5 has no superko), measured in the same run.

Prints one JSON line: ``moves_per_sec``, ``baseline_moves_per_sec``, ``ratio``.
Also ``kernel_moves_per_sec``: copy-and-step plus a full legal mask per move
through the domain kernels, the pattern a tree search uses.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from distill.commands._args import non_negative_int
from distill.errors import ConfigError


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="distill bench go-engine", description=__doc__)
    parser.add_argument("--size", type=int, default=9, help="board size 5..19 (default 9)")
    parser.add_argument("--komi", type=float, default=7.5, help="komi (default 7.5)")
    parser.add_argument("--moves", type=int, default=3_000_000, help="distill playout actions")
    parser.add_argument("--baseline-seconds", type=float, default=5.0, help="go_v5 CPU seconds")
    parser.add_argument("--seed", type=non_negative_int, default=0)
    args = parser.parse_args(argv)
    if args.moves < 1 or args.baseline_seconds <= 0:
        raise ConfigError("go-engine bench: --moves and --baseline-seconds must be positive")
    return args


def measure_distill(size: int, komi: float, moves: int, seed: int) -> dict[str, float]:
    """Random playouts in numba: actions per CPU second (compilation excluded)."""
    from distill.domains.go import make
    from distill.domains.go.playout import random_playouts

    domain = make(size=size, komi=komi)
    store = domain.new_store(1)
    domain.reset(store, [0])
    random_playouts(store[0], 1, seed)  # compile / load from cache
    start = time.process_time()
    played, games, black_wins = random_playouts(store[0], moves, seed)
    elapsed = time.process_time() - start
    return {
        "moves_per_sec": played / elapsed,
        "games_per_sec": games / elapsed,
        "mean_game_length": played / games,
        "black_win_rate": black_wins / games,
    }


def measure_kernels(size: int, komi: float, moves: int, seed: int) -> float:
    """Actions per CPU second through the kernels: legal mask, then copy-and-step, per move."""
    from distill.domains.go import make
    from distill.domains.go.playout import kernel_walk

    domain = make(size=size, komi=komi)
    store = domain.new_store(2)
    domain.reset(store, [0])
    kernel_walk(store, 1, seed)
    start = time.process_time()
    played = kernel_walk(store, moves, seed)
    return played / (time.process_time() - start)


def measure_go_v5(size: int, komi: float, seconds: float, seed: int) -> float:
    """PettingZoo go_v5 random play: env.step calls per CPU second."""
    from pettingzoo.classic import go_v5

    rng = np.random.default_rng(seed)
    env = go_v5.env(board_size=size, komi=komi)
    env.reset(seed=seed)
    steps = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        observation, _, terminated, truncated, _ = env.last()
        if terminated or truncated:
            env.reset(seed=seed + steps)
            continue
        env.step(int(rng.choice(np.flatnonzero(observation["action_mask"]))))
        steps += 1
    elapsed = time.process_time() - start
    env.close()
    return steps / elapsed


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark for one board size and print one JSON line; returns 0."""
    args = _parse(list(argv or []))
    result = measure_distill(args.size, args.komi, args.moves, args.seed)
    kernel = measure_kernels(args.size, args.komi, max(args.moves // 20, 1000), args.seed)
    baseline = measure_go_v5(args.size, args.komi, args.baseline_seconds, args.seed)
    line = {
        "bench": "go-engine",
        "size": args.size,
        "moves_per_sec": round(result["moves_per_sec"]),
        "baseline_moves_per_sec": round(baseline),
        "ratio": round(result["moves_per_sec"] / baseline, 1),
        "kernel_moves_per_sec": round(kernel),
        "games_per_sec": round(result["games_per_sec"], 1),
        "mean_game_length": round(result["mean_game_length"], 1),
        "black_win_rate": round(result["black_win_rate"], 3),
        "baseline": "pettingzoo go_v5",
        "clock": "process_time",
    }
    print(json.dumps(line))
    return 0
