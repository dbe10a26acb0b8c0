"""A match spread over processes: `jobs` games at once, each process with its own players.

`play_match` plays games one after another whenever a player is an outside engine
(``max_batch = 1``, e.g. GNU Go), so a timed match (an agent searching 1 s a move) keeps
one core busy however many the machine has. `play_match_parallel` hands the games of
one match to `jobs` worker processes (spawned, one torch thread each). Every worker
builds both players from their specs once and plays the games it is given by number
(`play_match`'s ``numbers``), so each game keeps the colour and opening it has in the
serial match; the records come back to the calling process as games finish, in any
order, and `on_game` sees each of them there (files and progress stay in one place).

Search randomness: game n uses the stream ``default_rng([*seed, n])``, so with a
fixed number of simulations a game's moves do not depend on which worker played it or
on `jobs` (timed searches depend on the clock anyway); they differ from the serial
match's, whose games share one stream.
"""

from __future__ import annotations

import atexit
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import numpy as np

from distill.arena.match import GameRecord, MatchResult, play_match
from distill.arena.players import Player
from distill.domain import Domain
from distill.errors import DistillError

#: The worker's (domain, player A, player B), built by `_start_worker`.
_WORKER: tuple[Domain, Player, Player] | None = None


def check_jobs(jobs: int) -> None:
    """ConfigError unless 1 <= jobs <= the machine's cores (a game a core)."""
    from distill.devices import check_core_count

    check_core_count(jobs, "jobs")


def play_match_parallel(
    domain: tuple[str, dict[str, Any]],
    specs: tuple[str, str],
    num_games: int,
    seed: Sequence[int],
    jobs: int,
    *,
    openings: Sequence[Sequence[int]] | None = None,
    labels: tuple[str, str] | None = None,
    on_game: Callable[[GameRecord], None] | None = None,
) -> MatchResult:
    """Play `num_games` games between the players of `specs` (`distill.arena.specs`) in
    `jobs` processes (see the module docstring); the result has the records by number.

    `domain` is the game's registry id and keyword arguments (`distill.registry.make`:
    each worker builds its own, as domains hold compiled kernels that do not pickle).
    Player A is ``specs[0]``; `openings` and `labels` are as in `play_match`. A worker
    that fails (a player that cannot start) raises its error here; a worker process that
    dies (killed, out of memory) raises a DistillError that says so and how many games
    finished (`on_game` has seen each of them).
    """
    check_jobs(jobs)
    label_a, label_b = labels or specs
    result = MatchResult(label_a, label_b)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        jobs, mp_context=context, initializer=_start_worker, initargs=(domain, specs)
    ) as pool:
        futures = [
            pool.submit(_play_game, n, num_games, openings, (label_a, label_b), (*seed, n))
            for n in range(1, num_games + 1)
        ]
        try:
            for future in as_completed(futures):
                record = future.result()
                result.records.append(record)
                if on_game is not None:
                    on_game(record)
        except BrokenProcessPool:
            raise DistillError(
                f"a worker process of the match {label_a} against {label_b} died (killed, or "
                f"out of memory?) after {len(result.records)} of {num_games} games; the "
                "games that finished were kept"
            ) from None
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    result.records.sort(key=lambda r: r.number)
    return result


def _start_worker(domain_spec: tuple[str, dict[str, Any]], specs: tuple[str, str]) -> None:
    """Worker initializer: one torch thread, the domain and both players built (the
    players are closed at exit)."""
    global _WORKER
    import torch

    from distill.arena.specs import start_players
    from distill.registry import make

    torch.set_num_threads(1)
    domain = make(domain_spec[0], **domain_spec[1])
    a, b = start_players(domain, specs)
    _WORKER = (domain, a, b)
    atexit.register(a.close)
    atexit.register(b.close)


def _play_game(
    number: int,
    num_games: int,
    openings: Sequence[Sequence[int]] | None,
    labels: tuple[str, str],
    seed: tuple[int, ...],
) -> GameRecord:
    """Game `number` of the match, in a worker."""
    assert _WORKER is not None, "worker not started"
    domain, a, b = _WORKER
    rng = np.random.default_rng(list(seed))
    match = play_match(
        domain, a, b, num_games, rng, openings=openings, labels=labels, numbers=[number]
    )
    return match.records[0]


__all__ = ["check_jobs", "play_match_parallel"]
