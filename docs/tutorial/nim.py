"""Nim with one pile: a complete distill domain plugin in one file.

Rules: a pile of 21 stones; players alternately take 1, 2 or 3 stones; whoever
takes the last stone wins. (Perfect play: leave the opponent a multiple of 4.)
"""

from __future__ import annotations

from numba import njit

from distill import KernelDomain, MoveParseError
from distill.domain import identity_symmetry

PILE = 21  # stones at the start
NUM_ACTIONS = 3  # action a takes a + 1 stones

# State record, int64[2]:  [stones left, player to move (0 or 1)]
STATE_SIZE = 2


@njit(cache=True)
def reset(state, params):
    state[0] = PILE
    state[1] = 0


@njit(cache=True)
def step(src, dst, action):
    dst[0] = src[0] - (action + 1)
    dst[1] = 1 - src[1]


@njit(cache=True)
def legal(state, mask):
    count = 0
    for a in range(NUM_ACTIONS):
        mask[a] = a + 1 <= state[0]
        count += mask[a]
    return count


@njit(cache=True)
def terminal(state):
    # The previous player took the last stone: the player to move has lost.
    if state[0] == 0:
        return True, -1.0
    return False, 0.0


@njit(cache=True)
def to_play(state):
    return state[1]


# Observation float32[1, 1, PILE + 1]: a one-hot of the number of stones left.
@njit(cache=True)
def encode(state, out):
    out[0, 0, state[0]] = 1.0


def parse(text: str) -> int:
    if text.strip() not in ("1", "2", "3"):
        raise MoveParseError(f"nim: move {text!r} must be 1, 2 or 3 (stones to take)")
    return int(text) - 1


def solve(state) -> list[int | None]:
    """Exact score of each action for the player to move (None = illegal): a take that
    leaves a multiple of 4 wins (+1), any other take loses (-1)."""
    stones = int(state[0])
    return [None if take > stones else 1 if (stones - take) % 4 == 0 else -1 for take in (1, 2, 3)]


def make() -> KernelDomain:
    """The registry calls this (see the entry point in the tutorial)."""
    action_perms, cell_perms = identity_symmetry(NUM_ACTIONS, (1, PILE + 1))
    return KernelDomain(
        name="nim",
        kernel_module=__name__,  # where distill finds reset, step, legal, ...
        num_actions=NUM_ACTIONS,
        state_size=STATE_SIZE,
        obs_shape=(1, 1, PILE + 1),
        board_shape=(1, PILE + 1),
        max_moves=PILE,
        action_perms=action_perms,
        cell_perms=cell_perms,
        formatter=lambda a: str(a + 1),
        parser=parse,
        renderer=lambda state: f"{state[0]} stones, player {state[1]} to move",
        # Optional capabilities: with these, distill measures exact error rates.
        solver=solve,
        eval_buckets={"begin": (0, 5), "end": (6, 15)},  # plies played, inclusive
    )
