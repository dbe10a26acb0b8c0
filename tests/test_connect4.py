"""Guards the Connect Four domain: bitboard rules against a plain grid, encoding,
rendering, move parsing, symmetries and the batched kernel-domain interface."""

from __future__ import annotations

import numpy as np
import pytest

import distill
from distill.domains.connect4 import format_moves, kernels, parse_move, parse_moves, render
from distill.domains.connect4 import reference as ref
from distill.errors import IllegalActionError, MoveParseError
from distill.symmetry import apply_symmetry


@pytest.fixture(scope="module")
def domain() -> distill.KernelDomain:
    d = distill.make("connect4")
    assert isinstance(d, distill.KernelDomain)
    return d


def _random_games(seed: int, n: int) -> list[list[int]]:
    """Complete random games (action lists), played with the reference rules."""
    rng = np.random.default_rng(seed)
    games = []
    for _ in range(n):
        grid, actions = ref.grid_after([]), []
        while legal := ref.legal_columns(grid):
            col = int(rng.choice(legal))
            grid = ref.drop(grid, col)
            actions.append(col)
        games.append(actions)
    return games


def test_metadata(domain: distill.KernelDomain) -> None:
    assert domain.name == "connect4"
    assert domain.num_actions == 7
    assert domain.obs_shape == (2, 6, 7)
    assert domain.board_shape == (6, 7)
    assert domain.max_moves == 42
    assert domain.state_size == 4
    assert domain.action_perms.tolist() == [list(range(7)), list(range(6, -1, -1))]
    assert domain.cell_perms.shape == (2, 42)


def test_rules_match_the_grid_reference(domain: distill.KernelDomain) -> None:
    """Legal moves, terminal status, value and player to move agree along random games."""
    for actions in _random_games(seed=0, n=40):
        position = domain.initial()
        for i in range(len(actions) + 1):
            grid = ref.grid_after(actions[:i])
            expected_legal = np.zeros(7, dtype=bool)
            expected_legal[ref.legal_columns(grid)] = True
            assert np.array_equal(position.legal_mask(), expected_legal), actions[:i]
            assert position.is_over == ref.is_over(grid)
            assert position.to_play == i % 2
            if i < len(actions):
                position.play(actions[i])
        last_mover = (len(actions) - 1) % 2
        expected_value = -1.0 if ref.has_four(grid, last_mover) else 0.0
        assert position.value == expected_value


@pytest.mark.parametrize(
    ("moves", "name"),
    [
        ("1212121", "vertical"),
        ("1122334", "horizontal"),
        ("12234334644", "rising diagonal"),
        ("76654554244", "falling diagonal"),
    ],
)
def test_each_direction_ends_the_game(domain: distill.KernelDomain, moves: str, name: str) -> None:
    position = domain.initial().play_all(parse_moves(moves[:-1]))
    assert not position.is_over, name
    position.play(parse_move(moves[-1]))
    assert position.is_over, name
    assert position.value == -1.0  # the player to move has lost
    assert not position.legal_mask().any()


def test_full_board_draw(domain: distill.KernelDomain) -> None:
    # columns filled in pairs 1,2 / 3,4 / 5,6 then 7 with a shift: no four anywhere
    moves = "121212" + "343434" + "565656" + "212121" + "434343" + "656565" + "777777"
    grid = ref.grid_after(parse_moves(moves))
    assert not ref.has_four(grid, 0) and not ref.has_four(grid, 1)
    position = domain.initial().play_all(parse_moves(moves))
    assert position.is_over and position.value == 0.0


def test_full_column_is_illegal(domain: distill.KernelDomain) -> None:
    position = domain.initial().play_all(parse_moves("121212"))
    position.play_all(parse_moves("212121"))  # columns 1 and 2 full, no four
    assert position.legal_mask().tolist() == [False, False, True, True, True, True, True]
    with pytest.raises(IllegalActionError, match="move 13"):
        position.play(0)


def test_encode_planes_follow_the_player_to_move(domain: distill.KernelDomain) -> None:
    position = domain.initial().play_all(parse_moves("4453"))
    obs = position.observe()
    assert obs.dtype == np.float32 and obs.shape == (2, 6, 7)
    own, other = np.argwhere(obs[0]).tolist(), np.argwhere(obs[1]).tolist()
    assert own == [[5, 3], [5, 4]]  # X (to move) on d1 and e1; row 5 is the bottom
    assert other == [[4, 3], [5, 2]]  # O on d2 and c1
    position.play(0)
    swapped = position.observe()
    assert np.array_equal(swapped[1, :, 1:], obs[0, :, 1:])  # X's stones are now "opponent"


def test_render() -> None:
    state = np.zeros(kernels.STATE_SIZE, dtype=np.int64)
    for action in parse_moves("4453"):
        kernels.step(state, state, action)
    rows = render(state).splitlines()
    assert len(rows) == 6
    assert rows[-1] == ". . O X X . ."
    assert rows[-2] == ". . . O . . ."
    assert all(row == ". . . . . . ." for row in rows[:4])


def test_mirror_symmetry_maps_observations_and_moves(domain: distill.KernelDomain) -> None:
    rng = np.random.default_rng(1)
    for actions in _random_games(seed=2, n=5):
        cut = actions[: len(actions) // 2]
        mirrored = [6 - a for a in cut]
        obs = domain.initial().play_all(cut).observe()[None]
        policy = rng.random((1, 7))
        out_obs, out_policy = apply_symmetry(
            obs, policy, domain.cell_perms[1], domain.action_perms[1]
        )
        assert np.array_equal(out_obs[0], domain.initial().play_all(mirrored).observe())
        assert np.array_equal(out_policy[0], policy[0, ::-1])


def test_batched_interface_matches_single_steps(domain: distill.KernelDomain) -> None:
    games = _random_games(seed=3, n=4)
    store = domain.new_store(4)
    domain.reset(store, np.arange(4))
    for t in range(10):
        actions = np.array([g[t] for g in games])
        domain.step(store, np.arange(4), store, np.arange(4), actions)
    for b, game in enumerate(games):
        single = domain.initial().play_all(game[:10])
        assert np.array_equal(store[b], single.store[0])
    assert np.array_equal(domain.to_play(store, np.arange(4)), np.zeros(4))


def test_parse_and_format_moves(domain: distill.KernelDomain) -> None:
    assert parse_moves("4453") == [3, 3, 4, 2]
    assert parse_moves(" 17 ") == [0, 6]
    assert parse_moves("") == []
    assert format_moves([3, 3, 4, 2]) == "4453"
    assert domain.parse_action("7") == 6 and domain.format_action(6) == "7"
    with pytest.raises(MoveParseError, match=r"'8' at position 3"):
        parse_moves("448")
    with pytest.raises(MoveParseError, match=r"'x' at position 2"):
        parse_moves(" x")
    with pytest.raises(MoveParseError, match="1-7"):
        domain.parse_action("0")
