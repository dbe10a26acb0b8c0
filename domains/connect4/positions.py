"""Seeded Connect Four position sets with exact solver scores.

For evaluation against the oracle (arena error rates, search tests): positions
come from uniformly random play, are given as Pons move strings (``"4453"``),
and are scored move by move with `distill.domains.connect4.solver.move_scores`.
These names are used by other parts of distill; keep them stable.
"""

from __future__ import annotations

import numpy as np

from distill.errors import DistillError

from . import format_moves, kernels
from .solver import Solver, default_solver, replay

#: attempts per requested position before giving up (random games rarely end early)
_MAX_TRIES_PER_POSITION = 1000


def _random_game(rng: np.random.Generator, stones: int) -> list[int] | None:
    """Actions of a random game stopped at `stones` stones, or None if it ended first."""
    state = np.zeros(kernels.STATE_SIZE, dtype=np.int64)
    legal = np.zeros(kernels.NUM_ACTIONS, dtype=np.bool_)
    actions: list[int] = []
    for _ in range(stones):
        if kernels.legal(state, legal) == 0:
            return None
        action = int(rng.choice(np.flatnonzero(legal)))
        kernels.step(state, state, action)
        actions.append(action)
    over, _ = kernels.terminal(state)
    return None if over else actions


def random_positions(
    rng: np.random.Generator | int, n: int, min_stones: int, max_stones: int
) -> list[str]:
    """`n` non-terminal positions from uniformly random play, as Pons move strings.

    Each position's stone count is drawn uniformly from [min_stones, max_stones];
    a game that ends before that count is discarded and replayed. The rng (or a
    seed for a fresh `np.random.Generator`) is consumed; equal seeds give equal lists.
    Positions may repeat (likely only for small stone counts).
    """
    if not 0 <= min_stones <= max_stones < kernels.CELLS:
        raise DistillError(
            f"random_positions: need 0 <= min_stones <= max_stones < {kernels.CELLS}, "
            f"got min_stones={min_stones}, max_stones={max_stones}"
        )
    if n < 0:
        raise DistillError(f"random_positions: n must be >= 0, got {n}")
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    positions = []
    for _ in range(n):
        stones = int(generator.integers(min_stones, max_stones + 1))
        for _try in range(_MAX_TRIES_PER_POSITION):
            actions = _random_game(generator, stones)
            if actions is not None:
                positions.append(format_moves(actions))
                break
        else:
            raise DistillError(
                f"random_positions: no random game reached {stones} stones without ending "
                f"in {_MAX_TRIES_PER_POSITION} tries"
            )
    return positions


def score_positions(positions: list[str], solver: Solver | None = None) -> list[list[int | None]]:
    """Exact scores of the 7 moves of each position (None for a full column).

    Scores are from the view of the side to move in that position, Pons'
    convention (see `distill.domains.connect4.solver`). Uses the shared default
    solver unless `solver` is given.
    """
    engine = solver if solver is not None else default_solver()
    return [engine.move_scores_state(replay(position)) for position in positions]
