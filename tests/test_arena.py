"""Guards the arena: Bradley–Terry ratings (symmetry, the Elo scale, shrinking intervals),
exact error rates on hand-made cases, matches (counts, colours, the oracle never losing),
the exhaustive never-loses check, the solver-scored position files, and matches spread
over processes (job count, a worker that dies)."""

from __future__ import annotations

import multiprocessing
import os
import signal

import numpy as np
import pytest

import distill
from distill.arena import (
    OraclePlayer,
    RandomPlayer,
    ScoredPosition,
    SearchPlayer,
    bradley_terry,
    error_rates,
    never_loses,
    play_match,
    position_set,
    random_openings,
    read_positions,
)
from distill.arena.parallel import check_jobs, play_match_parallel
from distill.arena.positions import write_positions
from distill.errors import ConfigError, DistillError
from distill.search import RolloutEvaluator, SearchConfig


@pytest.fixture(scope="module")
def ttt():
    return distill.make("tictactoe")


def test_bradley_terry_symmetric_results_give_equal_ratings():
    ratings = bradley_terry(["a", "b"], [(0, 1, 50.0, 100)], anchor=0)
    assert ratings[1].elo == pytest.approx(0.0, abs=1e-6)
    assert ratings[0].ci95 == 0.0 and ratings[1].ci95 > 0


def test_bradley_terry_matches_the_elo_formula_and_intervals_shrink():
    # score 0.76 ⇔ 400·log10(0.76/0.24) ≈ 200.2 Elo (prior off to compare exactly)
    few = bradley_terry(["a", "b"], [(1, 0, 76.0, 100)], prior_games=0.0)
    assert few[1].elo == pytest.approx(400 * np.log10(0.76 / 0.24), abs=0.01)
    many = bradley_terry(["a", "b"], [(1, 0, 760.0, 1000)], prior_games=0.0)
    assert many[1].ci95 < few[1].ci95 / 3
    # transitive chain a < b < c through two matches
    chain = bradley_terry(["a", "b", "c"], [(1, 0, 70.0, 100), (2, 1, 70.0, 100)])
    assert 0 < chain[1].elo < chain[2].elo


def test_bradley_terry_stays_finite_after_a_clean_sweep():
    ratings = bradley_terry(["random", "agent"], [(1, 0, 20.0, 20)])
    assert np.isfinite(ratings[1].elo) and ratings[1].elo > 300


def test_error_rates_by_hand():
    positions = [
        ScoredPosition((), (2, 0, -1), 2),  # win available
        ScoredPosition((), (0, 0, -3), 0),  # draw available
        ScoredPosition((), (-1, -2, None), -1),  # lost anyway
    ]
    # 1st: draw instead of win (not optimal, outcome change); 2nd optimal; 3rd slower loss ok?
    rates = error_rates(positions, np.array([1, 0, 1]))
    assert rates["n"] == 3
    assert rates["not_optimal"] == pytest.approx(2 / 3)  # pos 1 and pos 3 (-2 < -1)
    assert rates["outcome_change"] == pytest.approx(1 / 3)  # only pos 1 (win -> draw)
    assert error_rates(positions, np.array([2, 0, 2]))["outcome_change"] == pytest.approx(2 / 3)


def test_random_match_counts_and_alternates_colours(ttt):
    result = play_match(
        ttt, RandomPlayer(ttt, "a"), RandomPlayer(ttt, "b"), 10, np.random.default_rng(0)
    )
    assert result.total == 10 == len(result.records)
    assert [r.a_colour for r in result.records] == [0, 1] * 5
    assert [r.number for r in result.records] == list(range(1, 11))
    for record in result.records:
        game = distill.Position(ttt).play_all(list(record.moves))  # legal and over
        assert game.is_over and record.reason == "end"
        value_for_0 = game.value if game.to_play == 0 else -game.value
        assert record.outcome == value_for_0


def test_random_openings_start_colour_swapped_pairs(ttt):
    rng = np.random.default_rng(4)
    openings = random_openings(ttt, 3, 2, rng)
    assert len(openings) == 3 and all(len(o) == 2 for o in openings)
    result = play_match(ttt, OraclePlayer(ttt), OraclePlayer(ttt, "b"), 6, rng, openings=openings)
    for g, record in enumerate(result.records):
        assert list(record.moves[:2]) == openings[g // 2] and record.a_colour == g % 2
        assert record.opening == 2


def test_oracle_never_loses_a_match_and_beats_random(ttt):
    result = play_match(ttt, OraclePlayer(ttt), RandomPlayer(ttt), 20, np.random.default_rng(1))
    assert result.losses == 0 and result.wins >= 10


def test_never_loses_accepts_the_oracle_and_rejects_random(ttt):
    rng = np.random.default_rng(0)
    report = never_loses(ttt, OraclePlayer(ttt), rng)
    assert report.perfect and report.lines > 100 and report.draws > 0
    bad = never_loses(ttt, RandomPlayer(ttt), rng)
    assert not bad.perfect
    game = distill.Position(ttt).play_all(bad.losses[0])
    assert game.is_over and game.value == -1.0


def test_search_player_takes_an_immediate_win(ttt):
    player = SearchPlayer(ttt, RolloutEvaluator(ttt), SearchConfig(), 200)
    game = distill.Position(ttt).play_all(["1", "4", "2", "5"])  # X to move: 3 wins
    move = player.select([game], np.random.default_rng(0))
    assert int(move[0]) == 2


def test_position_files_round_trip_and_pons_lines(tmp_path, ttt):
    positions = [
        ScoredPosition((0, 4), (None, 0, 0, 0, None, 0, 0, 0, 0), 0),
        ScoredPosition((), None, None),
    ]
    path = tmp_path / "p.txt"
    write_positions(path, ttt, positions, "header")
    assert read_positions(path, ttt) == positions
    path.write_text("# Pons style\n15 0\n\n12\n")
    got = read_positions(path, ttt)
    assert got[0] == ScoredPosition((0, 4), None, 0) and got[1] == ScoredPosition((0, 1))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1x 0", "p.txt:2: move 2 of '1x': tictactoe: move 'x'"),
        ("11", "p.txt:2: tictactoe: illegal action 1"),
        ("15 1 2", "p.txt:2: expected 1 or 9 scores, got 2"),
        ("14253", "p.txt:2: position '14253' is already over"),
    ],
)
def test_bad_position_lines_name_file_and_line(tmp_path, ttt, line, message):
    path = tmp_path / "p.txt"
    path.write_text(f"# ok\n{line}\n")
    with pytest.raises(DistillError, match=message):
        read_positions(path, ttt)


def test_position_sets_are_scored_bucketed_and_cached(tmp_path, ttt):
    made = position_set(ttt, "middle", 12, seed=5, cache_dir=tmp_path)
    assert len(made) == 12 and all(3 <= len(p.moves) <= 5 for p in made)
    for p in made:
        assert p.value == max(s for s in p.scores if s is not None)
        game = distill.Position(ttt).play_all(list(p.moves))
        assert [s is not None for s in p.scores] == game.legal_mask().tolist()
    assert len(list(tmp_path.iterdir())) == 1
    assert position_set(ttt, "middle", 12, seed=5, cache_dir=tmp_path) == made
    shipped = position_set(ttt, "end", 10, seed=0)
    assert len(shipped) == 10 and all(6 <= len(p.moves) <= 8 for p in shipped)


@pytest.mark.parametrize("bucket", ["begin", "middle", "end"])
def test_shipped_connect4_sets_are_full_in_range_and_re_solve(bucket):
    """200 positions per bucket in its stone range, the same lines as the seeded stream,
    and the scores of a few (the cheaper ones: 10+ stones) agree with a fresh solve."""
    from distill.arena.positions import random_lines
    from distill.solve import solve_moves

    c4 = distill.make("connect4")
    low, high = c4.eval_buckets[bucket]
    shipped = position_set(c4, bucket, 1000, seed=0)
    assert len(shipped) == 200 and all(low <= len(p.moves) <= high for p in shipped)
    stream = random_lines(c4, 200, low, high, np.random.default_rng([0, low, high]))
    assert [p.moves for p in shipped] == stream
    checked = [p for p in shipped if len(p.moves) >= 10][:3]
    for p in checked:
        assert tuple(solve_moves("connect4", list(p.moves))) == p.scores


def test_play_match_numbers_keep_each_games_colour_and_opening(ttt):
    openings = random_openings(ttt, 3, 2, np.random.default_rng(4))
    whole = play_match(ttt, OraclePlayer(ttt), OraclePlayer(ttt, "b"), 6,
                       np.random.default_rng(0), openings=openings)  # fmt: skip
    part = play_match(ttt, OraclePlayer(ttt), OraclePlayer(ttt, "b"), 6,
                      np.random.default_rng(0), openings=openings, numbers=[4, 5])  # fmt: skip
    assert [r.number for r in part.records] == [4, 5]
    for record in part.records:
        same = whole.records[record.number - 1]
        assert (record.a_colour, record.moves[:2]) == (same.a_colour, same.moves[:2])
    with pytest.raises(ValueError, match=r"1\.\.6"):
        play_match(ttt, RandomPlayer(ttt), RandomPlayer(ttt), 6, np.random.default_rng(0),
                   numbers=[7])  # fmt: skip


def test_a_match_spread_over_processes_does_not_depend_on_the_number_of_jobs(ttt):
    """Game n's search stream is its own (seed, n), so one job and two play the same
    games; every game comes back once, in order, with its opening and colour."""
    openings = random_openings(ttt, 2, 1, np.random.default_rng(5))
    seen: list[int] = []
    results = [
        play_match_parallel(("tictactoe", {}), ("mcts:sims=16", "random"), 4, (9,), jobs,
                            openings=openings, on_game=lambda r: seen.append(r.number))
        for jobs in (1, 2)
    ]  # fmt: skip
    assert sorted(seen) == [1, 1, 2, 2, 3, 3, 4, 4]
    one, two = results
    assert [r.number for r in two.records] == [1, 2, 3, 4]
    assert [r.a_colour for r in two.records] == [0, 1, 0, 1]
    assert [r.moves for r in one.records] == [r.moves for r in two.records]
    assert all(r.moves[0] == openings[(r.number - 1) // 2][0] for r in two.records)
    with pytest.raises(ConfigError, match=r"jobs must be in 1\.\."):
        check_jobs(0)


def test_a_worker_process_that_dies_gives_one_named_error():
    """Killing the match's workers after its first game: one DistillError saying what
    died and how many games finished, not the pool's own BrokenProcessPool."""

    def kill_workers(record):
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)

    died = r"worker process of the match .* died .* after \d+ of 40 games"
    with pytest.raises(DistillError, match=died):
        play_match_parallel(("go", {"size": 9}), ("mcts:sims=64", "mcts:sims=64"), 40, (3,), 2,
                            on_game=kill_workers)  # fmt: skip
