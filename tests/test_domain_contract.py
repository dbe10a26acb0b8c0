"""Guards the domain contract in `distill.domain` and the registry's user errors.

`Position` (checked single moves, history, clones), the batched operations of both
tiers against single calls, the sign convention on a known win, and that bad input
(an unknown id, an illegal move, a malformed move string, a wrongly shaped array)
raises the documented `DistillError` subclass with a message naming the problem.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

import distill
from distill import registry
from distill.domain import ObjectStore, as_index, identity_symmetry
from distill.errors import (
    DistillError,
    IllegalActionError,
    MoveParseError,
    ShapeError,
    UnknownDomainError,
)


@pytest.fixture(scope="module")
def ttt() -> distill.KernelDomain:
    domain = distill.make("tictactoe")
    assert isinstance(domain, distill.KernelDomain)
    return domain


# -- Position -----------------------------------------------------------------------


def test_position_plays_a_known_win_with_the_sign_convention(ttt):
    # X: 1 2 3 across the top row (move strings are cell digits 1-9).
    pos = ttt.initial().play_all(["1", "4", "2", "5", "3"])
    assert pos.is_over
    assert pos.to_play == 1  # O would be to move ...
    assert pos.value == -1.0  # ... and has lost: values are for the player to move
    assert pos.history == [0, 3, 1, 4, 2]
    assert not pos.legal_mask().any()
    assert pos.legal_actions().dtype == np.int64 and pos.legal_actions().size == 0


def test_position_draw_is_zero(ttt):
    pos = ttt.initial().play_all(["1", "2", "3", "5", "4", "6", "8", "7", "9"])
    assert pos.is_over and pos.value == 0.0


def test_position_observation_is_from_the_movers_view(ttt):
    pos = ttt.initial().play("5")  # X in the centre; O to move
    obs = pos.observe()
    assert obs.dtype == np.float32 and obs.shape == (2, 3, 3)
    assert obs[0].sum() == 0 and obs[1, 1, 1] == 1.0  # the centre stone is the opponent's


def test_position_clone_is_independent(ttt):
    pos = ttt.initial().play_all([0, 4])
    twin = pos.clone()
    twin.play(8)
    assert pos.history == [0, 4] and twin.history == [0, 4, 8]
    assert pos.legal_mask()[8] and not twin.legal_mask()[8]


@pytest.mark.parametrize(
    ("moves", "bad", "text"),
    [
        ([0], 0, "illegal action 1 at move 2"),  # occupied cell, named by its move string
        ([], 9, "illegal action 9 at move 1"),  # out of range
        ([], -1, "illegal action -1"),
        ([0, 3, 1, 4, 2], 8, "game is over"),
    ],
)
def test_illegal_actions_raise(ttt, moves, bad, text):
    pos = ttt.initial().play_all(moves)
    with pytest.raises(IllegalActionError, match=text):
        pos.play(bad)
    assert pos.history == moves  # a refused move changes nothing


@pytest.mark.parametrize("text", ["0", "10", "x", "", "1 2"])
def test_malformed_move_strings_raise(ttt, text):
    with pytest.raises(MoveParseError, match="tictactoe"):
        ttt.initial().play(text)


def test_default_parse_action_checks_range(ttt):
    # The base Domain parser (numbers 0..A-1) is what domains without a parser get.
    parse = distill.Domain.parse_action
    assert parse(ttt, " 8 ") == 8
    with pytest.raises(MoveParseError, match=r"out of range 0\.\.8"):
        parse(ttt, "9")
    with pytest.raises(MoveParseError, match="cannot parse move 'e4'"):
        parse(ttt, "e4")


# -- batched operations -------------------------------------------------------------


def test_batched_ops_agree_with_positions(ttt):
    lines = [[], [4], [4, 0], [0, 3, 1, 4, 2]]
    positions = [ttt.initial().play_all(m) for m in lines]
    store = ttt.new_store(len(lines))
    for i, pos in enumerate(positions):
        ttt.copy(pos.store, [0], store, [i])
    idx = np.array([3, 1, 0, 2, 1])
    masks, (done, value) = ttt.legal_mask(store, idx), ttt.terminal(store, idx)
    players, obs = ttt.to_play(store, idx), ttt.encode(store, idx)
    assert masks.shape == (5, 9) and obs.shape == (5, 2, 3, 3)
    for b, i in enumerate(idx):
        pos = positions[i]
        assert np.array_equal(masks[b], pos.legal_mask())
        assert (done[b], value[b], players[b]) == (pos.is_over, pos.value, pos.to_play)
        assert np.array_equal(obs[b], pos.observe())


def test_step_is_copy_and_step(ttt):
    store = ttt.new_store(3)
    ttt.reset(store, [0])
    ttt.step(store, [0, 0], store, [1, 2], [4, 8])
    assert store[0].sum() == 0  # the source is untouched
    assert ttt.legal_mask(store, [1, 2]).sum(axis=1).tolist() == [8, 8]
    ttt.step(store, [1], store, [1], [0])  # src is dst
    assert ttt.to_play(store, [1])[0] == 0 and ttt.legal_mask(store, [1]).sum() == 7


def test_python_tier_store_holds_independent_games():
    pz = distill.make("pettingzoo:tictactoe_v3")
    store = pz.new_store(2)
    with pytest.raises(IndexError, match="slot 1 holds no state"):
        store[1]
    pz.reset(store, [0])
    pz.step(store, [0], store, [1], [4])
    assert pz.legal_mask(store, [0, 1]).sum(axis=1).tolist() == [9, 8]


# -- shape errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "store",
    [np.zeros((2, 11), dtype=np.int32), np.zeros((2, 12), dtype=np.int64), np.zeros(11)],
)
def test_wrong_store_raises_shape_error(ttt, store):
    with pytest.raises(ShapeError, match=r"store must be int64\[S, 11\]"):
        ttt.legal_mask(store, [0])


def test_wrong_index_shapes_raise(ttt):
    store = ttt.new_store(2)
    with pytest.raises(ShapeError, match="idx must be a 1-D index vector"):
        ttt.terminal(store, [[0, 1]])
    with pytest.raises(ShapeError, match="must have one shape"):
        ttt.step(store, [0, 1], store, [0, 1], [4])
    with pytest.raises(ShapeError, match="dst_idx"):
        as_index(np.zeros((1, 1)), "dst_idx")


def test_out_of_range_index_raises_shape_error(ttt):
    store = ttt.new_store(2)
    ttt.reset(store, [0, 1])
    with pytest.raises(ShapeError, match=r"idx holds -1, outside 0\.\.1"):
        # -1 silently wraps to the last slot; a too-large index (not tried here: undefined
        # behaviour) reads past the end of the store.
        ttt.legal_mask(store, [-1])


def test_mismatched_index_lengths_raise_shape_error(ttt):
    store = ttt.new_store(2)
    with pytest.raises(ShapeError):
        ttt.copy(store, [0, 1], store, [1])
    pz = distill.make("pettingzoo:tictactoe_v3")
    objects = pz.new_store(2)
    pz.reset(objects, [0])
    with pytest.raises(ShapeError):
        pz.step(objects, [0, 0], objects, [1], [3])


def test_python_domain_rejects_foreign_store():
    pz = distill.make("pettingzoo:tictactoe_v3")
    with pytest.raises(ShapeError, match="store must be an ObjectStore, got ndarray"):
        pz.legal_mask(np.zeros((1, 11), dtype=np.int64), [0])
    assert isinstance(pz.new_store(1), ObjectStore)


def test_identity_symmetry_shapes():
    actions, cells = identity_symmetry(7, (6, 7))
    assert actions.shape == (1, 7) and cells.shape == (1, 42)
    assert actions.dtype == cells.dtype == np.int64
    assert np.array_equal(cells[0], np.arange(42))


# -- registry -------------------------------------------------------------------------


def test_unknown_domain_lists_known_ids():
    with pytest.raises(UnknownDomainError) as info:
        distill.make("checkers")
    message = str(info.value)
    assert message.startswith("unknown domain 'checkers'; known domains: ")
    for known in registry.list_domains():
        assert known in message
    assert "pettingzoo:connect_four_v3" in message
    assert isinstance(info.value, KeyError)  # still catchable as a lookup failure


def test_one_name_one_meaning_domains_is_a_package_listing_is_a_function():
    import distill.domains.tictactoe

    assert isinstance(distill.domains, types.ModuleType) and not callable(distill.domains)
    assert type(distill.domains) is types.ModuleType  # no module-class trick
    assert "tictactoe" in distill.list_domains()


def test_builtin_that_fails_to_import_names_the_domain(monkeypatch):
    monkeypatch.setitem(registry.BUILTIN_DOMAINS, "broken", "distill.no_such_module:make")
    with pytest.raises(DistillError, match=r"domain .broken. .* cannot be imported"):
        distill.make("broken")


def test_plugins_join_through_entry_points(monkeypatch):
    class FakeEntryPoint:
        name = "plugged"
        value = "fake_module:make"

        def load(self):
            return lambda **kwargs: distill.make("tictactoe", **kwargs)

    monkeypatch.setattr(registry, "_plugins", lambda: {"plugged": FakeEntryPoint()})
    assert "plugged" in registry.list_domains()
    assert distill.make("plugged").name == "tictactoe"


def test_pettingzoo_ids_go_through_the_adapter():
    domain = distill.make("pettingzoo:connect_four_v3")
    assert isinstance(domain, distill.PythonDomain)
    assert domain.name == "pettingzoo:connect_four_v3"
