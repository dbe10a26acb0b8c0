"""Teacher games: GNU Go playing itself over GTP, saved as SGF, to warm-start a Go net.

GNU Go is deterministic (3.8 has no random seed), so a game's variety comes from its
opening: the first `opening_plies` moves are points of `opening_points` (the 3rd to
5th lines: where strong players open, so the positions stay balanced), game n taking
the n-th sequence of a seeded permutation of all such sequences (distinct openings
for the first ``P * (P-1) * ...`` games), then GNU Go plays both colours to the end.
Every move is checked and the game is adjudicated by distill's rules
(`distill.arena.match.play_match`, Tromp-Taylor area scoring); GNU Go runs with
``--capture-all-dead --never-resign``, so every game ends on a settled board whose
ownership is the game's true ownership.

Games are played by worker processes, one game per task (each task starts its two
GNU Go engines). Game n is written as ``game-NNNNN.sgf`` atomically; a game already
on disk is skipped, so an interrupted run resumes where it stopped and a finished
one is not played twice.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from distill.errors import ConfigError, DistillError


def opening_points(size: int) -> list[int]:
    """Actions of the points on the 3rd to 5th lines (1-based distance to the nearest edge)."""
    points = []
    for row in range(size):
        for col in range(size):
            line = min(row, col, size - 1 - row, size - 1 - col) + 1
            if 3 <= line <= 5:
                points.append(row * size + col)
    return points


def game_opening(size: int, plies: int, seed: int, number: int) -> list[int]:
    """The opening of game `number` (1-based): `plies` distinct `opening_points`, the
    number-th sequence of a seeded permutation of all of them (cycling after the last).
    A pure function of its arguments."""
    points = opening_points(size)
    plies = min(plies, len(points))
    total = math.perm(len(points), plies)
    index = int(np.random.default_rng([seed, plies, size]).permutation(total)[(number - 1) % total])
    opening = []
    for k in range(plies):  # the index in the mixed radix of a k-permutation
        choices = [p for p in points if p not in opening]
        block = math.perm(len(choices) - 1, plies - k - 1)
        opening.append(choices[index // block])
        index %= block
    return opening


@dataclass(frozen=True)
class TeacherSpec:
    """One batch of teacher games (picklable: handed to a worker process)."""

    out_dir: str
    size: int
    komi: float
    level: int
    opening_plies: int
    seed: int
    numbers: tuple[int, ...]


def sgf_name(number: int) -> str:
    return f"game-{number:05d}.sgf"


def play_teacher_games(spec: TeacherSpec) -> list[str]:
    """Play the games `spec.numbers` that are not on disk yet; returns their file names."""
    from distill.arena.match import play_match
    from distill.fileio import atomic_write
    from distill.gtp.client import gnugo_argv
    from distill.gtp.players import GtpPlayer
    from distill.registry import make

    domain = make("go", size=spec.size, komi=spec.komi)
    argv = gnugo_argv(spec.size, spec.komi, level=spec.level)
    argv += ["--capture-all-dead", "--never-resign"]
    name = f"gnugo-l{spec.level}"
    black, white = GtpPlayer(argv, name=name), GtpPlayer(argv, name=name)
    written = []
    try:
        for number in spec.numbers:
            path = Path(spec.out_dir) / sgf_name(number)
            if path.exists():
                continue
            opening = game_opening(spec.size, spec.opening_plies, spec.seed, number)
            rng = np.random.default_rng(number)  # unused by GTP players; required by the API
            record = play_match(domain, black, white, 1, rng, openings=[opening]).records[0]
            if record.reason not in ("end", "move cap"):  # a forfeit teaches nothing
                raise DistillError(f"teacher game {number}: {record.reason}: {record.note}")
            assert domain.export_game is not None
            _, text = domain.export_game(list(record.moves), record.result, (name, name))
            atomic_write(path, text)
            written.append(path.name)
    finally:
        black.close()
        white.close()
    return written


def run_teacher(
    out_dir: Path,
    games: int,
    *,
    size: int = 9,
    komi: float = 7.5,
    level: int = 5,
    opening_plies: int = 2,
    workers: int = 2,
    seed: int = 0,
    on_game: Callable[[int, int], None] | None = None,
) -> int:
    """Play games 1..`games` over `workers` processes; returns how many were written now.

    `on_game(done, total)` is called after each game (progress display).
    """
    from distill.gtp.client import GNUGO

    if games < 1 or workers < 1 or not 0 <= level <= 10 or opening_plies < 0:
        raise ConfigError("teacher: games and workers must be >= 1, level 0..10, plies >= 0")
    if not Path(GNUGO).exists():
        raise ConfigError(f"teacher: GNU Go is not installed at {GNUGO} (apt-get install gnugo)")
    out_dir.mkdir(parents=True, exist_ok=True)
    numbers = [n for n in range(1, games + 1) if not (out_dir / sgf_name(n)).exists()]
    specs = [
        TeacherSpec(str(out_dir), size, komi, level, opening_plies, seed, (n,)) for n in numbers
    ]
    done = 0
    with multiprocessing.get_context("spawn").Pool(max(1, min(workers, len(specs)))) as pool:
        for names in pool.imap_unordered(play_teacher_games, specs):
            done += len(names)
            if on_game is not None:
                on_game(done, len(specs))
    return done


__all__ = ["TeacherSpec", "game_opening", "opening_points", "play_teacher_games", "run_teacher"]
