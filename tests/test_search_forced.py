"""Guards KataGo's forced playouts with policy-target pruning (Wu 2019, arXiv:1902.10565,
sec. 3.2): the pruned target on a hand-made tree (worked by hand), the forced minimum of
visits in a real search, the same trees from the jitted and the Python paths, no effect
without root noise, and the config refusing it for Gumbel."""

from __future__ import annotations

import math

import numpy as np
import pytest

import distill
from distill.errors import ConfigError
from distill.search import RolloutEvaluator, SearchConfig, Searcher
from distill.search import tree as tree_mod
from distill.search.root import pruned_policy_target
from distill.search.tree import ROOT, Params

PARAMS = Params(
    gumbel=False,
    c_base=19652.0,
    c_init=1.25,
    fpu_reduction=0.2,
    virtual_loss=1.0,
    c_visit=50.0,
    c_scale=1.0,
    forced_k=2.0,
)


def hand_tree() -> tuple[tree_mod.Tree, np.ndarray]:
    """Root with 38 child visits N = [20, 8, 8, 2], prior P = [.4, .3, .2, .1] and
    Q = [.5, 0, .4, -.5] (root player's view)."""
    tree = tree_mod.allocate(1, 8, 4)
    visits = np.array([20, 8, 8, 2], np.int64)
    q = np.array([0.5, 0.0, 0.4, -0.5])
    tree.node_visits[0, ROOT] = 1 + visits.sum()
    tree.children_visits[0, ROOT] = visits
    tree.children_value_sum[0, ROOT] = q * visits
    tree.root_prior[0] = [0.4, 0.3, 0.2, 0.1]
    tree.legal[0, ROOT] = True
    return tree, visits


def test_pruned_target_matches_the_hand_computation() -> None:
    # U factor E = (log((39 + c_base + 1) / c_base) + c_init) * sqrt(39) = 7.8189.
    # Best child 0: 0.5 + E * 0.4 / 21 = 0.6489.
    # Child 1: n_forced = sqrt(2 * .3 * 38) = 4.77, so at most 4 visits go (8 -> 4); at 4
    #   visits its PUCT value 0 + E * .3 / 5 = 0.469 is still below 0.6489: keeps 4.
    # Child 2: n_forced = sqrt(2 * .2 * 38) = 3.90 would allow 8 -> 5, but at 5 visits
    #   0.4 + E * .2 / 6 = 0.6606 > 0.6489; at 6 visits 0.623: keeps 6 (PUCT binds).
    # Child 3: n_forced = sqrt(2 * .1 * 38) = 2.76 >= its 2 visits; at 0 visits
    #   -0.5 + E * .1 = 0.282 < 0.6489: all go; left with < 2 visits it is dropped anyway.
    tree, visits = hand_tree()
    out = np.zeros(4)
    pruned_policy_target(tree, 0, PARAMS, visits, out)
    np.testing.assert_allclose(out, np.array([20, 4, 6, 0]) / 30)


def test_child_left_with_one_visit_is_dropped() -> None:
    tree, visits = hand_tree()
    # Child 3 with Q = +0.4 and two visits: at one visit 0.4 + E * .1 / 2 = 0.791 > best,
    # so it keeps both visits and stays; at Q = 0.2 it gives one back (0.591) and, left
    # with a single visit, is dropped.
    for q, kept in ((0.4, 2), (0.2, 0)):
        tree.children_value_sum[0, ROOT, 3] = q * 2
        out = np.zeros(4)
        pruned_policy_target(tree, 0, PARAMS, visits, out)
        assert out[3] * (20 + 4 + 6 + kept) == pytest.approx(kept)


def search(config: SearchConfig, *, jit: bool, add_noise: bool = True):
    """O to move after X 0, O 4, X 1 (O must block at 2): a search with random playouts
    puts most visits on 2 and few on the rest, which forcing must lift."""
    domain = distill.make("tictactoe")
    store = domain.new_store(2)
    domain.reset(store, np.arange(2))
    for action in (0, 4, 1):
        domain.step(store, [0, 1], store, [0, 1], [action, action])
    evaluator = RolloutEvaluator(domain)
    searcher = Searcher(domain, evaluator, batch_size=2, config=config, jit=jit)
    return searcher.run(store, [0, 1], np.random.default_rng(5), add_noise=add_noise)


@pytest.mark.parametrize("jit", [True, False])
def test_forced_children_get_their_minimum_visits(jit: bool) -> None:
    config = SearchConfig(num_simulations=200, forced_playouts=True, dirichlet_fraction=0.0)
    result = search(config, jit=jit)
    plain = search(SearchConfig(num_simulations=200, dirichlet_fraction=0.0), jit=jit)
    legal = result.prior > 0
    forced = np.sqrt(2.0 * result.prior * result.visit_counts.sum(axis=1, keepdims=True))
    # Plain PUCT starves some children below their forced count; forcing lifts every
    # child to it (the last selection saw one visit fewer: a child may miss it by one).
    assert np.any(plain.visit_counts[legal] < np.floor(forced[legal]) - 1)
    assert np.all(result.visit_counts[legal] >= np.floor(forced[legal]) - 1)
    # The pruned target gives the starved children (almost) no weight again: it stays
    # closer to plain PUCT's target than the raw forced visit distribution does.
    raw = result.visit_counts / result.visit_counts.sum(axis=1, keepdims=True)
    assert (
        np.abs(result.policy_target - plain.policy_target).sum()
        < np.abs(raw - plain.policy_target).sum()
    )
    assert np.all(result.policy_target[result.visit_counts <= 1] == 0.0)
    best = result.visit_counts.argmax(axis=1)
    assert np.all(result.policy_target[[0, 1], best] > raw[[0, 1], best])


def test_jitted_and_python_paths_agree_with_forced_playouts() -> None:
    config = SearchConfig(num_simulations=64, forced_playouts=True)
    results = [search(config, jit=jit) for jit in (True, False)]
    np.testing.assert_array_equal(results[0].visit_counts, results[1].visit_counts)
    np.testing.assert_allclose(results[0].policy_target, results[1].policy_target)


def test_no_noise_means_plain_puct() -> None:
    on = search(SearchConfig(num_simulations=50, forced_playouts=True), jit=True, add_noise=False)
    off = search(SearchConfig(num_simulations=50), jit=True, add_noise=False)
    np.testing.assert_array_equal(on.visit_counts, off.visit_counts)
    np.testing.assert_array_equal(on.policy_target, off.policy_target)


def test_config_refuses_forced_playouts_with_gumbel_and_bad_k() -> None:
    with pytest.raises(ConfigError, match="forced_playouts"):
        SearchConfig(algorithm="gumbel", forced_playouts=True)
    with pytest.raises(ConfigError, match="forced_k"):
        SearchConfig(forced_k=0.0)
    assert math.isclose(SearchConfig().forced_k, 2.0)
