"""Property tests (hypothesis) of the Go engine on random legal games of any size 5..19:
the incremental groups, liberties, hash and stone count always match a plain-Python
recomputation (so no group on the board is ever left without liberties); the areas and
dame partition the board; positional superko never repeats a board; replaying the
history minus one move restores the exact previous record; the 8 symmetries map a
game's planes and legal moves onto those of the transformed game."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from distill.domain import Position
from distill.domains.go import board_array, engine, make, replay
from distill.domains.go.invariants import groups, record_problems
from distill.symmetry import apply_symmetry

sizes = st.one_of(st.integers(5, 9), st.sampled_from([13, 19]))
SETTINGS = settings(max_examples=25, deadline=None)


def random_game(size: int, seed: int, moves: int, **rules) -> Position:
    """A position after up to `moves` uniformly random legal moves (fewer if the game ends)."""
    rng = np.random.default_rng(seed)
    position = make(size=size, **rules).initial()
    while len(position.history) < moves and not position.is_over:
        legal = position.legal_actions()
        # favour stones over passes so games get crowded and capture a lot
        stones = legal[:-1] if len(legal) > 1 and rng.random() < 0.97 else legal
        position.play(int(rng.choice(stones)))
    return position


@SETTINGS
@given(size=sizes, seed=st.integers(0, 2**31), moves=st.integers(1, 150))
def test_bookkeeping_matches_recomputation_after_every_move(size, seed, moves):
    rng = np.random.default_rng(seed)
    position = make(size=size, allow_suicide=bool(seed % 2)).initial()
    for _ in range(moves):
        if position.is_over:
            break
        legal = position.legal_actions()
        position.play(int(rng.choice(legal[:-1] if len(legal) > 1 else legal)))
        assert record_problems(position.store[0]) == [], position.history


@SETTINGS
@given(size=sizes, seed=st.integers(0, 2**31), moves=st.integers(0, 200))
def test_black_area_white_area_and_dame_partition_the_board(size, seed, moves):
    state = random_game(size, seed, moves).store[0]
    black, white = engine.area(state)
    board = board_array(state)
    dame = 0
    for region_colour, region, reach in _empty_regions(board):
        assert region_colour == 0
        dame += len(region) * (reach not in ({1}, {2}))
    assert black + white + dame == size * size
    assert black >= np.count_nonzero(board == 1) and white >= np.count_nonzero(board == 2)


def _empty_regions(board):
    """(0, points, colours reached) of each empty region, by flood fill on the inverted board."""
    n = board.shape[0]
    inverted = np.where(board == 0, 1, 0).astype(np.int8)
    flat = board.reshape(-1)
    for _colour, region, _ in groups(inverted):
        reach = set()
        for p in region:
            row, col = divmod(p, n)
            for r, c in ((row - 1, col), (row + 1, col), (row, col - 1), (row, col + 1)):
                if 0 <= r < n and 0 <= c < n and flat[r * n + c]:
                    reach.add(int(flat[r * n + c]))
        yield 0, region, reach


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31), size=st.integers(5, 7))
def test_positional_superko_never_repeats_a_board(seed, size):
    position = random_game(size, seed, 3 * size * size)
    replayed = make(size=size).initial()
    seen = {board_array(replayed.store[0]).tobytes()}
    for action in position.history:
        replayed.play(action)
        if action != size * size:  # a pass keeps the board by definition
            board = board_array(replayed.store[0]).tobytes()
            assert board not in seen
            seen.add(board)


@SETTINGS
@given(size=sizes, seed=st.integers(0, 2**31), moves=st.integers(1, 120))
def test_replaying_all_but_the_last_move_restores_the_record(size, seed, moves):
    position = random_game(size, seed, moves, superko="situational")
    before = replay(position.domain, position.history[:-1])
    again = replay(position.domain, position.history)
    assert np.array_equal(again.store, position.store)
    before.play(position.history[-1])
    assert np.array_equal(before.store, position.store)


@settings(max_examples=10, deadline=None)
@given(
    size=st.integers(5, 9),
    seed=st.integers(0, 2**31),
    moves=st.integers(0, 60),
    k=st.integers(0, 7),
)
def test_symmetries_map_planes_and_legal_moves(size, seed, moves, k):
    position = random_game(size, seed, moves)
    domain = position.domain
    twin = Position(domain).play_all([int(domain.action_perms[k, a]) for a in position.history])
    obs, mask = apply_symmetry(
        position.observe()[None],
        position.legal_mask()[None].astype(np.float32),
        domain.cell_perms[k],
        domain.action_perms[k],
    )
    assert np.array_equal(obs[0], twin.observe())
    assert np.array_equal(mask[0].astype(bool), twin.legal_mask())
    assert domain.action_perms[k, size * size] == size * size  # pass is fixed
