"""Guards the exact Connect Four solver: scores equal full negamax without pruning
on near-terminal positions, Pons' published scores, the score convention, move
scores consistent with position scores, and agreement with the domain kernels."""

from __future__ import annotations

import numpy as np
import pytest

import distill
from distill.domains.connect4 import negamax, parse_moves, positions, solver
from distill.domains.connect4 import reference as ref
from distill.errors import DistillError, IllegalActionError, MoveParseError


@pytest.fixture(scope="module")
def small_solver() -> solver.Solver:
    """A solver with a tiny table, so slots are overwritten constantly."""
    return solver.Solver(table_size=1031)


def test_matches_brute_force_negamax_near_the_end() -> None:
    """Every move score of 60 random positions with 30..36 stones equals plain negamax."""
    for position in positions.random_positions(np.random.default_rng(7), 60, 30, 36):
        grid = ref.grid_after(parse_moves(position))
        expected: list[int | None] = []
        for col in range(7):
            if len(grid[col]) == 6:
                expected.append(None)
                continue
            child = ref.drop(grid, col)
            if ref.makes_four(child, col):
                expected.append((ref.CELLS + 2 - ref.stones(child)) // 2)
            elif ref.stones(child) == ref.CELLS:
                expected.append(0)
            else:
                expected.append(-ref.brute_force_score(child))
        assert solver.move_scores(position) == expected, position
        assert solver.solve(position) == ref.brute_force_score(grid), position


def test_tiny_table_gives_the_same_scores(small_solver: solver.Solver) -> None:
    """Table collisions may cost time, never correctness."""
    for position in positions.random_positions(3, 25, 28, 36):
        assert small_solver.move_scores(position) == solver.move_scores(position), position


@pytest.mark.parametrize(
    ("position", "score"),
    [
        # from Pascal Pons' benchmark set "Test_L3_R1" (end-game positions)
        ("2252576253462244111563365343671351441", -1),
        ("7422341735647741166133573473242566", 1),
        ("23163416124767223154467471272416755633", 0),
        ("65214673556155731566316327373221417", -1),
    ],
)
def test_pons_benchmark_scores(position: str, score: int) -> None:
    assert solver.solve(position) == score


def test_score_convention() -> None:
    # X on a1 b1 c1, O on a2 b2 c2, X to move (6 stones): d1 wins with X's 4th stone.
    assert solver.solve("112233") == (43 - 7) // 2 == 18
    # X on b1 c1 d1 threatens a1 and e1; O (to move) blocks one, X wins with its 4th stone.
    assert solver.solve("22334") == -18
    assert negamax.win_score(40) == 1  # a win with one's 21st stone scores 1
    assert negamax.win_score(41) == 1  # the second player's 21st stone fills the board


def test_move_scores_are_consistent_with_solve() -> None:
    """max over moves = position score; each move scores minus its child's score."""
    for position in positions.random_positions(11, 20, 18, 34):
        scores = solver.move_scores(position)
        assert max(s for s in scores if s is not None) == solver.solve(position), position
        for col, score in enumerate(scores):
            child = position + str(col + 1)
            if score is None:
                with pytest.raises(IllegalActionError, match="is full"):
                    solver.replay(child)
            elif solver.kernels.terminal(solver.replay(child))[0]:
                assert score == negamax.win_score(len(position)), child
            else:
                assert score == -solver.solve(child), child


def test_replay_matches_the_domain_kernels() -> None:
    domain = distill.make("connect4")
    for position in positions.random_positions(5, 20, 20, 41):
        state = solver.replay(position)
        played = domain.initial().play_all(parse_moves(position))
        assert np.array_equal(state, played.store[0])
        assert not played.is_over  # random_positions only returns live positions
        legal = [s is not None for s in solver.move_scores(position)]
        assert legal == played.legal_mask().tolist()


def test_state_entry_points_accept_kernel_records() -> None:
    domain = distill.make("connect4")
    moves = positions.random_positions(9, 1, 22, 22)[0]
    position = domain.initial().play_all(parse_moves(moves))
    assert solver.move_scores_state(position.store[0]) == solver.move_scores(moves)
    assert solver.solve_state(position.store[0]) == solver.solve(parse_moves(moves))


def test_bad_positions_raise_clear_errors() -> None:
    with pytest.raises(MoveParseError, match="position 3"):
        solver.solve("44a")
    with pytest.raises(IllegalActionError, match="move 7: column 4 is full"):
        solver.solve("4444444")
    with pytest.raises(IllegalActionError, match="already won"):
        solver.move_scores("1212121")
    with pytest.raises(IllegalActionError, match=r"move 8 .* after the game is over"):
        solver.solve("12121213")
    with pytest.raises(IllegalActionError, match=r"outside 0\.\.6"):
        solver.solve([9])


def test_random_positions_are_seeded_and_live() -> None:
    first = positions.random_positions(np.random.default_rng(0), 30, 12, 20)
    assert first == positions.random_positions(np.random.default_rng(0), 30, 12, 20)
    for position in first:
        assert 12 <= len(position) <= 20
        assert not ref.is_over(ref.grid_after(parse_moves(position)))
    with pytest.raises(DistillError, match="min_stones"):
        positions.random_positions(0, 1, 10, 5)


def test_score_positions_lists_seven_scores_each() -> None:
    batch = positions.random_positions(4, 5, 25, 35)
    scored = positions.score_positions(batch)
    assert scored == [solver.move_scores(p) for p in batch]
    assert all(len(scores) == 7 for scores in scored)


def test_outcome_is_the_sign_of_the_score() -> None:
    for position in positions.random_positions(13, 20, 18, 36):
        assert solver.outcome(position) == int(np.sign(solver.solve(position))), position


def test_bench_reports_percentiles(capsys: pytest.CaptureFixture[str]) -> None:
    from distill.bench.solver import main

    assert main(["--positions", "4", "--min-stones", "30", "--max-stones", "34"]) == 0
    out = capsys.readouterr().out
    assert "median" in out and "p95" in out and "max" in out


def test_a_fresh_process_loads_the_cached_solver() -> None:
    """numba's on-disk cache must load back: a recursive function specialized to
    constant arguments once compiled fine but crashed when loaded from the cache."""
    import subprocess
    import sys

    late = "22525762534622441115633653436713514"
    solver.outcome(late)  # make sure this process compiled and cached everything
    code = (
        "from distill.domains.connect4 import solver;"
        f"print(solver.outcome('{late}'), solver.solve('{late}'), solver.move_scores('{late}'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    expected = f"{solver.outcome(late)} {solver.solve(late)} {solver.move_scores(late)}"
    assert result.stdout.strip() == expected
