"""Guards the tic-tac-toe solver (known facts, score convention, agreement with the
kernels), the `distill.solve.solve_moves` dispatcher and the `distill solve` verb."""

from __future__ import annotations

import numpy as np
import pytest

import distill
from distill.cli import main
from distill.domains.tictactoe import solver as ttt
from distill.errors import DistillError, IllegalActionError, MoveParseError
from distill.solve import format_scores, solve_moves


def test_every_opening_move_draws() -> None:
    assert ttt.move_scores("") == [0] * 9
    assert ttt.solve("") == 0


def test_all_reachable_positions_are_found() -> None:
    assert len(ttt.reachable_boards()) == 5478  # the well-known count, terminal ones included


@pytest.mark.parametrize(
    ("moves", "expected"),
    [
        # X corner, O adjacent edge: X wins with its 4th stone (7 stones, score 2) by
        # taking the centre, the other edge next to its corner, or the far-side corner.
        ("12", [None, None, 0, 2, 2, 0, 2, 0, 0]),
        # X 1, O 2, X 3, O centre: O threatens 2-5-8, so only 8 holds (draw); else O wins
        # with its 3rd stone (6 stones, score 2).
        ("1235", [None, None, None, -2, None, -2, -2, 0, -2]),
        # X in the centre: O must answer in a corner; an edge loses to X's 4th stone.
        ("5", [0, -2, 0, -2, None, -2, 0, -2, 0]),
        # O (on 9 and 7) threatens 8: X must block there (draw), else O wins with its 3rd stone.
        ("1957", [None, -2, -2, -2, None, -2, None, 0, None]),
    ],
)
def test_known_positions(moves: str, expected: list[int | None]) -> None:
    assert ttt.move_scores(moves) == expected


def test_score_convention() -> None:
    """A win with the stone that makes s stones scores (11 - s) // 2."""
    assert [ttt.win_score(n) for n in range(4, 9)] == [3, 2, 2, 1, 1]
    # X on 1 and 2, O on 4 and 5: X wins now at 3 with its 3rd stone (5 stones).
    assert ttt.move_scores("1425")[2] == 3
    assert ttt.solve("1425") == 3


def test_scores_agree_with_kernel_minimax() -> None:
    """Win/draw/loss of every reachable live position equals a negamax run on the kernels."""
    domain = distill.make("tictactoe")
    assert isinstance(domain, distill.KernelDomain)
    kernels = domain.kernels()
    memo: dict[bytes, int] = {}

    def outcome(state: np.ndarray) -> int:  # +1 / 0 / -1 for the side to move
        key = state.tobytes()
        if key not in memo:
            over, value = kernels.terminal(state)
            if over:
                memo[key] = int(value)
            else:
                mask = np.zeros(9, dtype=np.bool_)
                kernels.legal(state, mask)
                child = np.empty_like(state)
                best = -1
                for a in np.flatnonzero(mask):
                    kernels.step(state, child, a)
                    best = max(best, -outcome(child.copy()))
                memo[key] = best
        return memo[key]

    rng = np.random.default_rng(0)
    for _ in range(200):
        position = domain.initial()
        for _ in range(int(rng.integers(0, 8))):
            if position.is_over:
                break
            position.play(int(rng.choice(position.legal_actions())))
        if position.is_over:
            continue
        state = position.store[0]
        assert np.sign(ttt.solve_state(state)) == outcome(state.copy())
        legal = [s is not None for s in ttt.move_scores_state(state)]
        assert legal == position.legal_mask().tolist()


def test_bad_positions_raise_clear_errors() -> None:
    with pytest.raises(MoveParseError, match="'0' at position 2"):
        ttt.solve("10")
    with pytest.raises(IllegalActionError, match="move 3: cell 1 is occupied"):
        ttt.solve("121")
    with pytest.raises(IllegalActionError, match=r"move 6 .* after the game is over"):
        ttt.solve("142536")
    with pytest.raises(IllegalActionError, match="already won"):
        ttt.move_scores("14253")


def test_solve_moves_dispatches_by_domain() -> None:
    assert solve_moves("tictactoe", "15") == [None, 0, 0, 0, None, 0, 0, 0, 0]
    assert solve_moves("tictactoe", [0, 4]) == solve_moves("tictactoe", "15")
    late = "2252576253462244111563365343671351441"  # from Pons' Test_L3_R1 (score -1)
    scores = solve_moves("connect4", late)
    assert len(scores) == 7 and max(s for s in scores if s is not None) == -1
    with pytest.raises(DistillError, match="domain 'go' has no exact solver"):
        solve_moves("go", "")
    with pytest.raises(IllegalActionError, match="move 7"):
        solve_moves("connect4", "4444444")


def test_format_scores() -> None:
    assert format_scores([1, None, -2, 0]) == "1 - -2 0"


def test_cli_prints_one_line_of_scores(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "tictactoe", "15"]) == 0
    assert capsys.readouterr().out == "- 0 0 0 - 0 0 0 0\n"
    assert main(["solve", "connect4", "2252576253462244111563365343671351441"]) == 0
    line = capsys.readouterr().out.strip()
    assert line == format_scores(solve_moves("connect4", "2252576253462244111563365343671351441"))
    assert len(line.split()) == 7


def test_cli_reports_user_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "connect4", "4x"]) == 2
    assert "move 2 of '4x': connect4: move 'x'" in capsys.readouterr().err
    assert main(["solve", "chess", "1"]) == 2
    assert "unknown domain 'chess'" in capsys.readouterr().err
    assert main(["solve", "go", "D4"]) == 2
    assert "domain 'go' has no exact solver" in capsys.readouterr().err
