"""Guards the tic-tac-toe oracle's exact scores (not only win/draw/loss) and its position count.

Complements tests/test_solvers.py: every reachable live position with 3, 4 or
5 stones is scored by a plain negamax that plays through the domain's own
kernels (no memo, no pruning) and must get the oracle's exact Pons score, and
the oracle's enumeration must find the well-known 5,478 positions with 958
terminal ones.
"""

from __future__ import annotations

import numpy as np
import pytest

from distill.domains.tictactoe import kernels
from distill.domains.tictactoe import solver as ttt


def _kernel_negamax(state: np.ndarray) -> int:
    """Exact score of a live state for the side to move, by plain negamax over the kernels."""
    mask = np.zeros(kernels.NUM_ACTIONS, dtype=np.bool_)
    kernels.legal(state, mask)
    best = -ttt.CELLS
    for action in np.flatnonzero(mask):
        child = state.copy()
        kernels.step(state, child, int(action))
        over, value = kernels.terminal(child)
        stones = int(child[kernels.COUNT])
        if over:  # value is for the side to move in `child`: -1 means our stone won
            score = (ttt.CELLS + 2 - stones) // 2 if value < 0 else 0
        else:
            score = -_kernel_negamax(child)
        best = max(best, score)
    return best


def _live_states_with(stones: int) -> list[np.ndarray]:
    """Every reachable non-terminal kernel state with `stones` stones (deduplicated)."""
    layer = [np.zeros(kernels.STATE_SIZE, dtype=np.int64)]
    mask = np.zeros(kernels.NUM_ACTIONS, dtype=np.bool_)
    for _ in range(stones):
        seen: dict[bytes, np.ndarray] = {}
        for state in layer:
            kernels.legal(state, mask)
            for action in np.flatnonzero(mask):
                child = state.copy()
                kernels.step(state, child, int(action))
                if not kernels.terminal(child)[0]:
                    seen[child.tobytes()] = child
        layer = list(seen.values())
    return layer


@pytest.mark.parametrize(("stones", "count"), [(3, 252), (4, 756), (5, 1260)])
def test_exact_scores_match_plain_negamax_through_the_kernels(stones: int, count: int) -> None:
    states = _live_states_with(stones)
    assert len(states) == count - (120 if stones == 5 else 0)  # 120 five-stone X wins
    for state in states:
        scores = ttt.move_scores_state(state)
        assert ttt.solve_state(state) == _kernel_negamax(state)
        assert max(s for s in scores if s is not None) == ttt.solve_state(state)


def test_reachable_and_terminal_position_counts() -> None:
    boards = ttt.reachable_boards()
    terminal = [b for b in boards if 0 not in b or ttt.has_line(b, 1) or ttt.has_line(b, 2)]
    assert (len(boards), len(terminal)) == (5478, 958)
