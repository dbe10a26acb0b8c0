"""Timed searches start from the subtree the last move left (`SearchPlayer.timed_root`).

A network-free PUCT player on 5x5 Go, searched to a fixed number of new simulations
(`search_timed` with no time limit), so that visit counts are exact: after our move and
the opponent's reply, the next search begins with the reply's visits from the last tree,
and only when the position really is in that tree.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import distill
from distill.arena.players import SearchPlayer
from distill.domain import Position
from distill.search import RolloutEvaluator, SearchConfig, Searcher
from distill.search.tree import ROOT, UNVISITED


def go5() -> distill.Domain:
    return distill.make("go", size=5, komi=7.5)


def player(domain: distill.Domain, algorithm: str = "puct", **kwargs: object) -> SearchPlayer:
    config = SearchConfig(algorithm=algorithm, num_simulations=64, c_init=4.0)  # type: ignore[arg-type]
    return SearchPlayer(domain, RolloutEvaluator(domain), config, 64, **kwargs)  # type: ignore[arg-type]


def search(p: SearchPlayer, positions: list[Position], sims: int, seed: int = 0) -> np.ndarray:
    """The moves of a search of `sims` new simulations from every position."""
    result = p.search_timed(positions, np.random.default_rng(seed), math.inf, simulations=sims)
    return p.moves(result)


def root_visits(p: SearchPlayer) -> np.ndarray:
    assert p.last_searcher is not None
    return p.last_searcher.tree.node_visits[:, ROOT].copy()


def likeliest_reply(p: SearchPlayer, b: int, move: int) -> tuple[int, int]:
    """(the most visited reply to `move` in game b's tree, its visit count)."""
    assert p.last_searcher is not None
    tree = p.last_searcher.tree
    child = int(tree.children_index[b, ROOT, move])
    visits = np.where(
        tree.children_index[b, child] != UNVISITED, tree.children_visits[b, child], -1
    )
    reply = int(np.argmax(visits))
    return reply, int(tree.node_visits[b, tree.children_index[b, child, reply]])


def test_the_next_search_starts_from_the_replys_subtree() -> None:
    domain = go5()
    p = player(domain)
    start = Position(domain).play_all(["C3"])
    move = int(search(p, [start], 300)[0])
    reply, kept = likeliest_reply(p, 0, move)
    assert kept > 1
    reached = start.clone().play(move).play(reply)
    searcher = p.timed_root([reached])
    assert searcher.tree.node_visits[0, ROOT] == kept
    store = domain.new_store(1)
    domain.copy(reached.store, [0], store, [0])
    assert np.array_equal(searcher.states[0], store[0])  # the root is the position reached
    search(p, [reached], 50)
    assert root_visits(p)[0] == kept + 50


def test_a_position_outside_the_tree_or_without_reuse_searches_afresh() -> None:
    domain = go5()
    start = Position(domain).play_all(["C3"])
    for reuse in (True, False):
        p = player(domain, reuse=reuse)
        move = int(search(p, [start], 300)[0])
        reply, _ = likeliest_reply(p, 0, move)
        elsewhere = start.clone().play(move).play(reply).play(domain.num_actions - 1)  # a pass
        assert not p.timed_root([elsewhere]).tree.node_expanded[0, ROOT]
        move = int(search(p, [start], 300)[0])
        reply, _ = likeliest_reply(p, 0, move)
        reached = start.clone().play(move).play(reply)
        expanded = p.timed_root([reached]).tree.node_expanded[0, ROOT]
        assert expanded == reuse


def test_analysis_of_one_position_goes_on_and_a_new_game_forgets() -> None:
    domain = go5()
    p = player(domain)
    start = Position(domain).play_all(["C3"])
    p.search_timed([start], np.random.default_rng(0), math.inf, simulations=40)  # no move
    p.search_timed([start], np.random.default_rng(1), math.inf, simulations=40)
    assert root_visits(p)[0] == 1 + 80  # the root's expansion, then 40 and 40 simulations
    p.reset()
    search(p, [start], 40)
    assert root_visits(p)[0] == 1 + 40


def test_each_game_of_a_batch_keeps_its_tree_or_starts_afresh() -> None:
    domain = go5()
    p = player(domain)
    starts = [Position(domain).play_all(["C3"]), Position(domain).play_all(["B2"])]
    moves = search(p, starts, 200)
    reply, kept = likeliest_reply(p, 0, int(moves[0]))
    reached = starts[0].clone().play(int(moves[0])).play(reply)
    other = starts[1].clone().play(int(moves[1])).play(domain.num_actions - 1)
    if (
        p.last_searcher is not None
        and p.last_searcher.tree.children_index[
            1, p.last_searcher.tree.children_index[1, ROOT, int(moves[1])], domain.num_actions - 1
        ]
        != UNVISITED
    ):
        pytest.skip("the pass reply was searched in game 1's tree")
    tree = p.timed_root([reached, other]).tree
    assert tree.node_visits[0, ROOT] == kept
    assert not tree.node_expanded[1, ROOT]


def test_a_tree_more_than_half_full_is_not_kept() -> None:
    domain = go5()
    p = player(domain)
    start = Position(domain).play_all(["C3"])
    capacity = p.timed_searcher(1).num_nodes
    search(p, [start], capacity // 2 + 8)  # one new node a simulation: over half full
    assert not p.timed_root([start]).tree.node_expanded[0, ROOT]


def test_timed_gumbel_moves_also_reuse_the_tree() -> None:
    domain = go5()
    p = player(domain, algorithm="gumbel", seconds_per_move=0.05)
    start = Position(domain).play_all(["C3"])
    rng = np.random.default_rng(0)
    move = int(p.select([start], rng)[0])
    reply, kept = likeliest_reply(p, 0, move)
    reached = start.clone().play(move).play(reply)
    p.select([reached], rng)
    assert p.last_searcher is not None
    assert p.last_searcher.last_simulations < root_visits(p)[0]  # visits kept from the last
    assert kept > 0


def test_go_states_are_the_same_whatever_lies_past_the_used_history() -> None:
    """A step copies a Go record only up to its used history (`copy_record`): a row that
    held another state keeps its old words after that, and is still the same state."""
    domain = distill.make("go", size=9, komi=7.5)
    store = domain.new_store(4)
    domain.reset(store, [0])
    for move in ("E5", "C3", "G7"):
        domain.step(store, [0], store, [0], [domain.parse_action(move)])
    store[1] = 12345  # a row left over from an older, longer game
    move, other = domain.parse_action("D4"), domain.parse_action("F4")
    domain.step(store, [0, 0, 0], store, [1, 2, 3], [move, move, other])
    assert not np.array_equal(store[1], store[2])
    assert domain.same_states(store, [1, 1, 2], store, [2, 3, 3]).tolist() == [True, False, False]
    assert np.array_equal(domain.encode(store, [1]), domain.encode(store, [2]))
    assert np.array_equal(domain.legal_mask(store, [1]), domain.legal_mask(store, [2]))


def test_go_self_play_keeps_every_subtree_it_advanced_to() -> None:
    """Searches of 200 simulations fill tree rows with records of deeper states; the kept
    subtree's root must still be recognised as the position the game reached (a tree kept
    by `Searcher.advance` resumes: its visits grow by exactly the new simulations)."""
    domain = distill.make("go", size=9, komi=7.5)
    batch, sims = 8, 200
    config = SearchConfig(algorithm="gumbel", num_simulations=sims)
    searcher = Searcher(domain, RolloutEvaluator(domain), batch_size=batch, config=config)
    store, idx = domain.new_store(batch), np.arange(batch)
    domain.reset(store, idx)
    rng = np.random.default_rng(0)
    resumed = 0
    for _ in range(12):
        before = searcher.tree.node_visits[:, ROOT].copy()
        actions = np.asarray(searcher.run(store, idx, rng).action)
        after = searcher.tree.node_visits[:, ROOT]
        kept = before > 0
        assert np.array_equal(after[kept], before[kept] + sims)
        resumed += int(kept.sum())
        domain.step(store, idx, store, idx, actions)
        searcher.advance(actions)
    assert resumed > batch * 8  # nearly every move after the first resumed a tree
