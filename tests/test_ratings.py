"""Guards the ratings and the rating pool: the Bradley–Terry fit against hand-computed
solutions, players of known order rated in that order with separating intervals, the
pool's checkpoint spacing and opponent choice, the games file (round trip, truncation),
the randomised-oracle ladder, and one-line errors for a pool that cannot be built."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import distill
from distill.arena import make_player, play_match, random_openings
from distill.arena.gamelog import GameLog, RatedGame, pair_results
from distill.arena.players import OraclePlayer, RandomisedPlayer
from distill.arena.pool import (
    check_references,
    checkpoint_generation,
    checkpoint_player,
    choose_opponents,
    kept_checkpoints,
)
from distill.arena.rate import arena_allowance, extra_games
from distill.arena.ratings import fit_ratings
from distill.errors import ConfigError
from distill.recipe import ArenaSection, load_recipe


def test_three_to_one_is_190_8_elo():
    # score 3/4 <=> 400 log10(3) = 190.85 Elo; no prior, so the fit is the plain MLE
    fit = fit_ratings(["random", "a"], [(1, 0, 75.0, 100)], prior_games=0.0)
    assert fit.elo[1] == pytest.approx(400 * math.log10(3), abs=0.01)
    # its standard error: 1 / sqrt(n p (1 - p)) natural-log units, times 400 / ln 10
    se = 400 / math.log(10) / math.sqrt(100 * 0.75 * 0.25)
    assert fit.ci95(1) == pytest.approx(1.96 * se, rel=1e-6)
    assert fit.ci95(0) == 0.0  # the anchor


def test_three_players_with_consistent_results_get_the_exact_solution():
    # a beats b 3:1 and b beats c 3:1, so the model says a beats c 9:1; fed exactly that,
    # the fit recovers r_b - r_a = r_c - r_b = 190.85
    results = [(1, 0, 75.0, 100), (2, 1, 75.0, 100), (2, 0, 90.0, 100)]
    fit = fit_ratings(["a", "b", "c"], results, prior_games=0.0)
    step = 400 * math.log10(3)
    assert fit.elo == pytest.approx([0.0, step, 2 * step], abs=0.01)
    assert fit.difference(2, 1)[0] == pytest.approx(step, abs=0.01)
    # the anchor moves the scale, not the differences
    shifted = fit_ratings(["a", "b", "c"], results, prior_games=0.0, anchor=1)
    assert shifted.elo == pytest.approx(fit.elo - step, abs=0.01)


def test_symmetric_results_and_draws_count_half():
    fit = fit_ratings(["a", "b"], [(0, 1, 50.0, 100)])
    assert fit.elo[1] == pytest.approx(0.0, abs=1e-6)
    draws = fit_ratings(["a", "b"], [(1, 0, 30.0, 40)], prior_games=0.0)  # 20 wins + 20 draws
    assert draws.elo[1] == pytest.approx(400 * math.log10(3), abs=0.01)


def test_a_clean_sweep_stays_finite_and_more_games_narrow_the_interval():
    few = fit_ratings(["random", "x"], [(1, 0, 20.0, 20)])
    many = fit_ratings(["random", "x"], [(1, 0, 200.0, 200)])
    assert np.isfinite(few.elo).all() and few.elo[1] > 300 and many.elo[1] > few.elo[1]
    narrow = fit_ratings(["a", "b"], [(1, 0, 760.0, 1000)], prior_games=0.0)
    wide = fit_ratings(["a", "b"], [(1, 0, 76.0, 100)], prior_games=0.0)
    assert narrow.ci95(1) == pytest.approx(wide.ci95(1) / math.sqrt(10), rel=1e-3)


#: Rollout MCTS at 8x more simulations per step up (one leaf per step), and random. With
#: 40 games per pair (a round robin, 240 games, about a second), every neighbour's
#: rating difference has a 95% interval that excludes 0 (measured on seeds 0-4: the
#: smallest margin was a difference of 199 +- 119 Elo).
LADDER = ["random", "mcts:sims=8,leaves=1", "mcts:sims=64,leaves=1", "mcts:sims=512,leaves=1"]
GAMES_PER_PAIR = 40


def test_players_of_known_strength_are_rated_in_order_and_told_apart():
    c4 = distill.make("connect4")
    rng = np.random.default_rng(0)
    players = [make_player(spec, c4) for spec in LADDER]
    results = []
    for i, j in itertools.combinations(range(len(LADDER)), 2):
        openings = random_openings(c4, GAMES_PER_PAIR // 2, 2, rng)
        match = play_match(c4, players[i], players[j], GAMES_PER_PAIR, rng, openings=openings)
        results.append((i, j, match.wins + 0.5 * match.draws, match.total))
    fit = fit_ratings(LADDER, results)
    assert list(np.argsort(fit.elo)) == [0, 1, 2, 3]
    for k in range(len(LADDER) - 1):
        difference, ci95 = fit.difference(k + 1, k)
        assert difference - ci95 > 0, (LADDER[k + 1], difference, ci95)


def test_checkpoints_are_kept_at_growing_spacing():
    rated = [checkpoint_player(g) for g in range(20)]  # gen-00001 .. gen-00020
    kept = kept_checkpoints(rated, 10)
    assert kept == ["gen-00020", "gen-00019", "gen-00017", "gen-00013", "gen-00005"]
    assert kept_checkpoints(rated, 2) == ["gen-00020", "gen-00019"]
    assert kept_checkpoints([], 4) == []
    assert checkpoint_generation("gen-00013") == 13 and checkpoint_generation("oracle") is None


def test_opponents_are_the_predecessor_then_the_least_predictable():
    names = ["random", "weak", "mid", "strong", "gen-00003"]
    ladder = [(1, 0, 75.0, 100), (2, 1, 75.0, 100), (3, 2, 75.0, 100), (4, 2, 50.0, 100)]
    fit = fit_ratings(names, ladder, prior_games=0.0)
    estimate = fit.rating("gen-00003").elo  # about "mid"
    chosen = choose_opponents(names[:4], fit, estimate, 3, "gen-00003")
    assert chosen[0] == "gen-00003" and chosen[1] == "mid"
    assert set(chosen[2:]) <= {"weak", "strong"}
    # a pool member with no games yet is the most informative
    assert choose_opponents(["random", "new"], fit, estimate, 1, None) == ["new"]


def test_the_games_file_round_trips_and_truncates(tmp_path):
    log = GameLog(tmp_path / "arena")
    games = [
        RatedGame(0, ("random", "mcts:sims=8,leaves=1"), -1.0, "calibration", "end", 7, "3 4"),
        RatedGame(0, ("gen-00001", "random"), 1.0, plies=9, seconds=0.25),
        RatedGame(1, ("gen-00001", "gen-00002"), 0.0, opening=""),
    ]
    log.write(games)
    assert log.read() == games
    (log.directory / ".games.csv.x.tmp").write_text("half")
    assert log.truncate(1) == 1 and log.read() == games[:2]
    assert not list(log.directory.glob(".*.tmp"))
    names = ["random", "mcts:sims=8,leaves=1", "gen-00001"]
    assert pair_results(games[:2], names) == [(0, 1, 0.0, 1), (2, 0, 1.0, 1)]


def test_the_randomised_oracle_ladder(monkeypatch):
    ttt = distill.make("tictactoe")
    rng = np.random.default_rng(0)
    openings = random_openings(ttt, 30, 1, rng)
    always = make_player("oracle:random=1", ttt)
    assert isinstance(always, RandomisedPlayer) and always.name == "oracle-r1"
    assert isinstance(make_player("oracle", ttt), OraclePlayer)
    # rate 0: never a loss against anyone (it is the oracle)
    never = RandomisedPlayer(OraclePlayer(ttt), ttt, 0.0, "r0")
    assert play_match(ttt, never, always, 60, rng, openings=openings).losses == 0
    with pytest.raises(ConfigError, match=r"random must be in \[0, 1\]"):
        make_player("oracle:random=1.5", ttt)


def test_time_share_sizes_the_games():
    section = ArenaSection(games=20, min_games=4, time_share=0.1)
    # 90 s of work allow 10 s of arena in all; 4 s spent before: 6 s for this one
    assert arena_allowance(section, 90.0, 4.0) == pytest.approx(6.0)
    assert arena_allowance(ArenaSection(time_share=None), 90.0, 4.0) is None
    assert extra_games(section, 3.0, 0.1, 3) == 10  # 30 games fit; 10 each (even)
    assert extra_games(section, 100.0, 0.1, 3) == 16  # capped at games - min_games
    assert extra_games(section, -1.0, 0.1, 3) == 0
    assert extra_games(section, None, 0.1, 3) == 16


@pytest.mark.parametrize(
    ("domain", "references", "expected"),
    [
        ("tictactoe", [], "arena.references: the rating pool is empty"),
        ("go", ["random", "oracle"], "arena.references[1]: domain 'go' has no exact solver"),
        ("tictactoe", ["random", "random"], "arena.references[1]: 'random' is listed twice"),
        ("tictactoe", ["random", "mcts:sims=x"], "sims must be an integer, got 'x'"),
        ("tictactoe", ["gen-00003"], "arena.references[0]: 'gen-00003' is a checkpoint name"),
    ],
)
def test_a_pool_that_cannot_be_built_is_one_line_at_load(tmp_path, domain, references, expected):
    path = tmp_path / "r.yaml"
    path.write_text(f"name: r\ndomain: {{id: {domain}}}\n")
    refs = "[" + ", ".join(f'"{r}"' for r in references) + "]"
    with pytest.raises(ConfigError) as info:
        load_recipe(path, [f"arena.references={refs}"])
    message = str(info.value)
    assert expected in message and "\n" not in message and message.startswith(str(path))


def test_gnu_go_missing_is_refused_at_load(monkeypatch):
    import distill.gtp.players as gtp_players

    monkeypatch.setattr(gtp_players, "GNUGO", "/nonexistent/gnugo")
    with pytest.raises(ConfigError, match=r"arena.references\[1\].*not installed"):
        check_references(["random", "gnugo:level=3"], distill.make("go"))
