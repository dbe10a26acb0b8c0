"""Guards the Go engine's rules on hand-built positions: coordinates, argument checks,
captures, suicide, simple ko, superko (positional / situational / simple), passes,
the move cap, Tromp-Taylor scoring and its sign for the player to move, setup stones,
rendering, the record size, and the numba random playouts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import distill
from distill.domains.go import (
    GoDomain,
    action_to_vertex,
    board_array,
    engine,
    komi_of,
    make,
    replay,
    size_of,
    tromp_taylor_score,
    vertex_to_action,
)
from distill.domains.go.invariants import record_problems
from distill.domains.go.layout import KO
from distill.domains.go.playout import random_playouts
from distill.errors import ConfigError, IllegalActionError, MoveParseError

# A 5x5 game (komi 0.5) found by random play in which white's C5 recreates the
# board before move 35: only superko forbids it.
SUPERKO_GAME = [
    "E3",
    "A2",
    "B1",
    "E4",
    "E2",
    "B5",
    "C3",
    "C4",
    "A5",
    "C2",
    "B3",
    "C5",
    "D4",
    "E1",
    "D5",
    "D1",
    "C1",
    "A4",
    "B4",
    "A1",
    "A5",
    "C5",
    "D2",
    "D1",
    "D3",
    "B5",
    "C4",
    "B2",
    "E5",
    "pass",
    "B1",
    "pass",
    "E4",
    "E1",
    "A5",
    "B5",
    "pass",
]


def stones(position, colour):
    board = board_array(position.store[0]).reshape(-1)
    return sorted(
        action_to_vertex(int(p), size_of(position.store[0]))
        for p in np.flatnonzero(board == colour)
    )


@pytest.mark.parametrize("size", [5, 9, 13, 19])
def test_vertices_round_trip(size):
    for action in range(size * size + 1):
        assert vertex_to_action(action_to_vertex(action, size), size) == action
    assert vertex_to_action("A1", size) == (size - 1) * size  # row 1 is the bottom row
    assert vertex_to_action(f"a{size}", size) == 0 and vertex_to_action("PASS", size) == size * size


@pytest.mark.parametrize("text", ["I5", "Z1", "A0", "A99", "", "D", "pass1"])
def test_bad_vertices_raise(text):
    with pytest.raises(MoveParseError):
        vertex_to_action(text, 9)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"size": 4},
        {"size": 20},
        {"size": 9.0},
        {"superko": "super"},
        {"komi": 7.3},
        {"komi": "x"},
        {"max_moves": 0},
        {"first_player": "red"},
        {"black_stones": ["D4"], "white_stones": ["D4"]},
        {"black_stones": ["D4", "D4"]},
        {"black_stones": "D4"},
        {"size": 5, "black_stones": ["A1", "B2"], "white_stones": ["B1", "A2"]},  # no liberties
    ],
)
def test_make_rejects_bad_arguments(kwargs):
    with pytest.raises(ConfigError, match="go: "):
        make(**kwargs)


def test_registry_builds_go_with_documented_record_sizes():
    nine, nineteen = distill.make("go"), make(size=19)
    assert isinstance(nine, GoDomain)
    assert (nine.num_actions, nine.obs_shape[1:], nine.max_moves) == (82, (9, 9), 162)
    assert (nine.state_size, nineteen.state_size) == (276, 1164)  # see layout.py
    state = nine.initial().store[0]
    assert (size_of(state), komi_of(state), tromp_taylor_score(state)) == (9, 7.5, -7.5)


def test_capture_removes_stones_and_frees_liberties():
    position = replay(make(size=5), ["A2", "B2", "B1", "E5", "B3", "E4", "C2"])
    assert stones(position, 2) == ["E4", "E5"]  # B2 was captured
    assert stones(position, 1) == ["A2", "B1", "B3", "C2"]
    assert record_problems(position.store[0]) == []


def test_suicide_is_illegal_by_default_and_removes_the_group_when_allowed():
    setup: dict[str, Any] = {
        "size": 5,
        "black_stones": ["A3", "B2", "C1"],
        "white_stones": ["A2", "A1"],
    }
    b1 = vertex_to_action("B1", 5)
    position = make(**setup, first_player="white").initial()
    assert not position.legal_mask()[b1]
    allowed = make(**setup, first_player="white", allow_suicide=True).initial()
    assert allowed.legal_mask()[b1]
    allowed.play("B1")
    assert stones(allowed, 2) == [] and record_problems(allowed.store[0]) == []
    # A one-stone suicide would recreate the position: only simple ko allows it.
    lone: dict[str, Any] = {
        "size": 5,
        "black_stones": ["A2", "B1"],
        "allow_suicide": True,
        "first_player": "white",
    }
    assert not make(**lone).initial().legal_mask()[vertex_to_action("A1", 5)]
    assert make(**lone, superko="simple").initial().legal_mask()[vertex_to_action("A1", 5)]


@pytest.mark.parametrize("superko", ["simple", "positional", "situational"])
def test_simple_ko_cannot_be_retaken_at_once(superko):
    domain = make(
        size=5,
        superko=superko,
        black_stones=["B4", "A3", "B2"],
        white_stones=["C4", "B3", "D3", "C2"],
    )
    position = domain.initial().play("C3")  # black takes B3
    assert stones(position, 2) == ["C2", "C4", "D3"]
    b3 = vertex_to_action("B3", 5)
    assert position.store[0][KO] == b3 and not position.legal_mask()[b3]
    with pytest.raises(IllegalActionError, match="B3 at move 2"):
        position.clone().play("B3")
    assert position.observe()[6].reshape(-1)[b3] == 1.0  # the ko plane
    position.play("E1").play("E5")
    assert position.legal_mask()[b3]  # after a ko threat exchange white retakes
    position.play("B3")
    assert stones(position, 1) == ["A3", "B2", "B4", "E5"]


def test_superko_bans_a_repetition_that_simple_ko_allows():
    c5 = vertex_to_action("C5", 5)
    for rule in ("positional", "situational"):
        position = replay(make(size=5, komi=0.5, superko=rule), SUPERKO_GAME)
        assert not position.legal_mask()[c5]
        assert position.observe()[6].reshape(-1)[c5] == 1.0
    simple = replay(make(size=5, komi=0.5, superko="simple"), SUPERKO_GAME)
    assert simple.legal_mask()[c5]
    earlier = replay(simple.domain, SUPERKO_GAME[:34])
    simple.play("C5")
    assert np.array_equal(board_array(simple.store[0]), board_array(earlier.store[0]))


def test_situational_superko_allows_an_equal_board_with_the_other_player_to_move():
    # A pass keeps the board and changes the mover: positional superko treats later
    # recaptures of that board as repeats; situational ones only with the same mover.
    domain = make(size=5, superko="situational")
    state = domain.initial().store[0]
    key_black = engine.position_key(state, 12345, False)
    assert key_black != engine.position_key(state, 12345, True)
    positional = make(size=5).initial().store[0]
    assert engine.position_key(positional, 12345, True) == 12345


def test_two_passes_end_the_game_and_komi_decides_an_empty_board():
    for komi, value_for_black in ((7.5, -1.0), (0.0, 0.0), (-0.5, 1.0)):
        position = make(size=5, komi=komi).initial().play("pass")
        assert not position.is_over
        position.play("pass")
        assert position.is_over and position.to_play == 0 and position.value == value_for_black
        assert not position.legal_mask().any()


def test_pass_sign_for_white_to_move():
    position = make(size=5, komi=7.5).initial().play_all(["C3", "pass", "pass"])
    assert position.to_play == 1 and position.value == -1.0  # black has 25 - 7.5 > 0


def test_tromp_taylor_area_counts_regions_reaching_one_colour():
    wall = [f"C{row}" for row in range(1, 6)]
    domain = make(size=5, komi=0.5, black_stones=wall)
    assert tromp_taylor_score(domain.initial().store[0]) == 25 - 0.5
    domain = make(size=5, komi=0.5, black_stones=wall, white_stones=["E5"])
    state = domain.initial().store[0]
    assert engine.area(state) == (15, 1)  # D-E columns reach both colours: dame
    assert tromp_taylor_score(state) == 15 - 1 - 0.5


def test_move_cap_ends_and_scores_the_game():
    position = make(size=5, max_moves=3, komi=0.5).initial().play_all(["C3", "pass", "D4"])
    assert position.is_over and position.value == -1.0  # white to move, black owns the board


def test_setup_stones_and_first_player():
    domain = make(size=9, black_stones=["C3", "G7"], first_player="white")
    position = domain.initial()
    assert position.to_play == 1 and stones(position, 1) == ["C3", "G7"]
    assert record_problems(position.store[0]) == []
    assert not position.legal_mask()[vertex_to_action("C3", 9)]


def test_render_shows_coordinates_and_last_move():
    text = str(replay(make(size=9), ["D4", "E5"]))
    assert "A B C D E F G H J" in text and "(O)" in text and text.endswith("black (X) to play")
    assert " 4  . . . X" in text


def test_replay_names_the_illegal_move():
    with pytest.raises(IllegalActionError, match="at move 3"):  # C3 is occupied
        replay(make(size=5), ["C3", "D3", "C3"])


def test_random_playouts_are_seeded_and_finish_games():
    domain = make(size=9)
    start = domain.initial().store[0].copy()
    first = random_playouts(start, 2000, 7)
    assert first == random_playouts(start, 2000, 7)
    moves, games, black_wins = first
    assert moves >= 2000 and games > 0 and 0 <= black_wins <= games
    assert moves <= games * domain.max_moves
    assert np.array_equal(start, domain.initial().store[0])  # the start record is untouched
