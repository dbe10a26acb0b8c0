"""Guards GTP time handling: the clock that ``time_settings``, ``kgs-time_settings`` and
``time_left`` set (GTP 2 sec. 4.2 / 6.3 and KGS semantics), the per-move budget it
hands out, the engine's own bookkeeping between ``time_left`` reports, that ``genmove``
gives a timed player exactly that budget, and that a timed `SearchPlayer` grows one tree
in chunks within its simulation cap and stops when asked."""

from __future__ import annotations

import io
import math
import time

import numpy as np
import pytest

import distill
from distill.arena.players import FIRST_CHUNK, SearchPlayer
from distill.domain import Position
from distill.gtp.analysis import serve
from distill.gtp.engine import GtpEngine
from distill.gtp.timecontrol import (
    ABSOLUTE,
    CANADIAN,
    JAPANESE,
    LAG_SECONDS,
    MIN_MOVES_LEFT,
    NONE,
    SAFETY_FRACTION,
    Clock,
    kgs_clock,
)
from distill.search import SearchConfig, uniform_evaluator


def net(raw: float) -> float:
    """The budget after the safety margin (module docstring of timecontrol)."""
    return raw * (1 - SAFETY_FRACTION) - LAG_SECONDS


def test_time_settings_follow_gtp_semantics() -> None:
    assert Clock.from_gtp(600, 30, 0).kind == NONE  # byo-yomi time without stones: no limit
    assert Clock.from_gtp(600, 0, 0).kind == ABSOLUTE
    clock = Clock.from_gtp(600, 30, 5)
    assert (clock.kind, clock.main, clock.period, clock.stones) == (CANADIAN, 600, 30, 5)
    assert Clock().budget(0, 0, 81) is None


def test_budget_in_main_time_and_in_overtime() -> None:
    clock = Clock.from_gtp(600, 30, 5)  # 9x9: 81 points; move 1: (81 - 0) / 2 own moves left
    assert clock.budget(0, 0, 81) == pytest.approx(net(600 / 40.5 + 30 / 5))
    assert clock.budget(0, 80, 81) == pytest.approx(net(600 / MIN_MOVES_LEFT + 6))
    clock.set_left(1, 12.0, 3)  # white in overtime: 12 s for 3 more stones
    assert clock.budget(1, 40, 81) == pytest.approx(net(4.0))
    lizzie = Clock.from_gtp(0, 10, 1)  # Lizzie's "10 seconds per move"
    assert lizzie.budget(0, 0, 361) == pytest.approx(net(10.0))
    japanese = kgs_clock(["byoyomi", "0", "20", "3"])
    assert japanese.kind == JAPANESE and japanese.budget(0, 0, 81) == pytest.approx(net(20))


def test_the_engine_keeps_the_clock_between_time_left_reports() -> None:
    clock = Clock.from_gtp(10, 30, 2)
    clock.spend(0, 4.0)
    assert clock.sides[0].left == pytest.approx(6.0) and clock.sides[0].stones == 0
    clock.spend(0, 8.0)  # main time ends 6 s into the move: 2 s of the period are gone
    assert (clock.sides[0].left, clock.sides[0].stones) == (pytest.approx(28.0), 1)
    clock.spend(0, 5.0)  # the period's second stone: a fresh period
    assert (clock.sides[0].left, clock.sides[0].stones) == (30.0, 2)
    japanese = kgs_clock(["byoyomi", "0", "20", "3"])
    japanese.spend(1, 25.0)  # overran a period: one period fewer, the next one is full
    assert (japanese.sides[1].left, japanese.sides[1].stones) == (20.0, 2)
    absolute = kgs_clock(["absolute", "5"])
    absolute.spend(0, 9.0)
    assert absolute.sides[0].left == 0.0 and absolute.budget(0, 0, 81) > 0  # never negative


@pytest.mark.parametrize(
    "args",
    [[], ["fischer", "1"], ["absolute"], ["canadian", "1", "2"], ["byoyomi", "1", "2", "0"]],
)
def test_kgs_time_settings_rejects_malformed_arguments(args: list[str]) -> None:
    with pytest.raises(ValueError):
        kgs_clock(args)


class TimedRecorder:
    """A player that records the time budget it was given for each move."""

    def __init__(self) -> None:
        self.name, self.seconds_per_move = "timed", None
        self.seen: list[float | None] = []

    def select(self, positions: list[Position], rng: np.random.Generator) -> np.ndarray:
        self.seen.append(self.seconds_per_move)
        return np.array([int(np.flatnonzero(positions[0].legal_mask())[0])])

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_genmove_gives_a_timed_player_the_clocks_budget() -> None:
    player = TimedRecorder()
    engine = GtpEngine(lambda domain: player, size=9)  # type: ignore[arg-type,return-value]
    script = (
        "genmove b\ntime_settings 300 0 0\ngenmove w\ntime_left b 40 0\ngenmove b\n"
        "kgs-time_settings canadian 0 20 4\ngenmove w\nkgs-time_settings none\ngenmove b\n"
        "time_settings -1 0 0\nkgs-time_settings fischer 1\n"
    )
    out = io.StringIO()
    serve(engine, io.StringIO(script), out)
    replies = out.getvalue().split("\n\n")
    assert all(reply.startswith("=") for reply in replies[:9]), replies
    assert replies[9].startswith("? time settings must not be negative")
    assert replies[10].startswith("? unknown time system")
    assert player.seen[0] is None  # no clock: the player's own setting
    assert player.seen[1] == pytest.approx(net(300 / ((81 - 1) / 2)))
    assert player.seen[2] == pytest.approx(net(40 / ((81 - 2) / 2)))
    assert player.seen[3] == pytest.approx(net(20 / 4))  # Canadian, no main time
    assert player.seen[4] is None and player.seconds_per_move is None  # restored after


def test_timed_search_grows_one_tree_within_its_caps() -> None:
    go = distill.make("go", size=5)
    player = SearchPlayer(go, uniform_evaluator, SearchConfig(leaves_per_step=1), 8)
    position = Position(go)
    updates = []
    result = player.search_timed(
        [position],
        np.random.default_rng(0),
        math.inf,
        interval=0.0,
        on_update=updates.append,
        simulations=3 * FIRST_CHUNK + 5,
    )
    tree = player.last_searcher.tree  # type: ignore[union-attr]
    assert int(result.visit_counts.sum()) == 3 * FIRST_CHUNK + 5  # one tree, every chunk in it
    assert int(tree.node_visits[0, 0]) == 3 * FIRST_CHUNK + 6  # the root's own evaluation too
    assert len(updates) >= 2  # an update after every chunk at interval 0
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) >= 2

    result = player.search_timed([position], np.random.default_rng(0), math.inf, stop=stop)
    assert len(calls) == 2 and int(result.visit_counts.sum()) > 0
    small = SearchPlayer(go, uniform_evaluator, SearchConfig(), 8, tree_bytes=1)
    assert small.timed_capacity(1) == 9  # at least simulations + 1 nodes
    result = small.search_timed([position], np.random.default_rng(0), math.inf)
    assert int(result.visit_counts.sum()) == 8  # stops when the tree is full


def test_gumbel_timed_search_uses_one_search_of_the_simulation_cap() -> None:
    go = distill.make("go", size=5)
    config = SearchConfig(algorithm="gumbel", gumbel_num_considered=4)
    player = SearchPlayer(go, uniform_evaluator, config, 8)
    result = player.search_timed([Position(go)], np.random.default_rng(0), math.inf, simulations=40)
    assert int(result.visit_counts.sum()) == 40


def test_gumbel_timed_search_stops_at_its_deadline_when_the_planned_budget_overruns() -> None:
    """Gumbel plans (measured rate x seconds) simulations; when the machine slows down after
    the rate was measured, the search ends at the deadline instead of running them all."""
    go = distill.make("go", size=5)

    def slow(obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        time.sleep(0.002)  # every step takes at least 2 ms
        return np.zeros(mask.shape, np.float32), np.zeros(len(mask), np.float32)

    config = SearchConfig(algorithm="gumbel", gumbel_num_considered=4)
    player = SearchPlayer(go, slow, config, 8)
    player._rate = 1e9  # as if measured on a far faster machine: plans the whole tree
    rng = np.random.default_rng(0)
    result = player.search_timed([Position(go)], rng, 0.02)
    searcher = player.last_searcher
    assert searcher is not None and 1 <= searcher.last_simulations <= 10
    assert int(result.visit_counts.sum()) == searcher.last_simulations
    assert result.visit_counts[0, result.action[0]] == result.visit_counts[0].max()
    assert player._rate < 1e9  # re-measured from the simulations that ran
    player._rate = 1e9
    player.search_timed([Position(go)], rng, math.inf, stop=lambda: True)
    assert searcher.last_simulations == 1  # an untimed search honours stop() as well


def test_the_engine_warms_a_timed_player_up_when_it_builds_it() -> None:
    """The first-call costs land when the player is built (at start-up, or after a
    `boardsize`), not in the first timed genmove; the engine's rng is left alone, so the
    session's moves do not depend on the warm-up."""
    config = SearchConfig(algorithm="gumbel", gumbel_num_considered=4)
    built: list[SearchPlayer] = []

    def factory(domain: distill.Domain) -> SearchPlayer:
        built.append(SearchPlayer(domain, uniform_evaluator, config, 8))
        return built[-1]

    engine = GtpEngine(factory, size=5, seed=3)  # type: ignore[arg-type]
    before = engine.rng.bit_generator.state
    assert engine.player is built[0] and built[0]._rate is not None  # measured already
    assert engine.rng.bit_generator.state == before
    serve(engine, io.StringIO("boardsize 7\ngenmove b\n"), io.StringIO())
    assert len(built) == 2 and built[1]._rate is not None


def test_timed_leaves_batch_the_leaves_of_timed_searches_only() -> None:
    """`SearchPlayer.timed_leaves`: timed searches evaluate up to that many leaves per
    call (virtual loss); searches of a fixed number of simulations keep the config's."""
    go = distill.make("go", size=5)
    batches: list[int] = []

    def counting(obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        batches.append(len(mask))
        return np.zeros(mask.shape, np.float32), np.zeros(len(mask), np.float32)

    config = SearchConfig(algorithm="gumbel", gumbel_num_considered=4, leaves_per_step=1)
    player = SearchPlayer(go, counting, config, 8, timed_leaves=4)
    player.select([Position(go)], np.random.default_rng(0))
    assert set(batches) == {1}
    batches.clear()
    result = player.search_timed([Position(go)], np.random.default_rng(0), math.inf, simulations=40)
    assert int(result.visit_counts.sum()) == 40
    assert max(batches) == 4 and len(batches) <= 1 + 40 // 2  # the root, then batches of leaves
    with pytest.raises(distill.errors.ConfigError, match="timed leaves"):
        SearchPlayer(go, counting, config, 8, timed_leaves=0)
