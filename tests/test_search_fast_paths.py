"""Guards the speed-motivated shortcuts of `distill.search` against changing behaviour:

* the jitted one-leaf-per-step loop (`_run_single_leaf`) builds bit-identical trees to the
  general leaf-array loop (`_run_leaf_batches`) run with one leaf per step;
* `expand_node` skips exp for the maximal logits yet still stores softmax(logits);
* `Searcher.reset` clears rows in one compiled call and rejects rows outside the batch.
"""

from __future__ import annotations

import numpy as np
import pytest

import distill
from distill.errors import ShapeError
from distill.jit import specialize
from distill.search import RolloutEvaluator, SearchConfig, Searcher, uniform_evaluator
from distill.search.evaluators import JIT_ROLLOUT, JIT_UNIFORM
from distill.search.steps import expand_node
from distill.search.tree import ROOT, Tree, allocate


def _prepared_searcher(algorithm: str, rollout: bool) -> tuple[Searcher, np.ndarray]:
    """A Connect Four searcher (B = 3) whose roots are expanded and noised, ready to simulate."""
    domain = distill.make("connect4")
    store = domain.new_store(3)
    domain.reset(store, [0, 1, 2])
    domain.step(store, [1, 2], store, [1, 2], [3, 0])
    evaluator = RolloutEvaluator(domain) if rollout else uniform_evaluator
    config = SearchConfig(algorithm=algorithm, num_simulations=80, gumbel_num_considered=4)  # type: ignore[arg-type]
    searcher = Searcher(domain, evaluator, batch_size=3, config=config)
    searcher._sync_roots(store, np.arange(3), 80)
    searcher._expand_roots(np.uint64(5))
    searcher._prepare_root(np.random.default_rng(3), add_noise=True)
    return searcher, searcher._schedules(80)


@pytest.mark.parametrize("algorithm", ["puct", "gumbel"])
@pytest.mark.parametrize("rollout", [False, True])
def test_single_leaf_loop_matches_the_leaf_array_loop(algorithm: str, rollout: bool) -> None:
    searcher, schedules = _prepared_searcher(algorithm, rollout)
    loop = specialize("distill.search._jit_loop", "distill.domains.connect4.kernels")
    kind = JIT_ROLLOUT if rollout else JIT_UNIFORM
    trees, states = [], []
    for run in (loop._run_single_leaf, None):
        tree = Tree(*(np.copy(array) for array in searcher.tree))
        store = searcher.states.copy()
        if run is None:
            loop._run_leaf_batches(
                tree, searcher.params, schedules, store, 80, 1, kind, 1, np.uint64(5)
            )
        else:
            run(tree, searcher.params, schedules, store, 80, kind, 1, np.uint64(5))
        trees.append(tree)
        states.append(store)
    assert (trees[0].node_count > 40).all()  # real trees (terminal revisits add no node)
    for name, fast, general in zip(Tree._fields, trees[0], trees[1], strict=True):
        np.testing.assert_array_equal(fast, general, err_msg=name)
    np.testing.assert_array_equal(states[0], states[1])


def test_expand_node_stores_the_softmax_of_the_legal_logits() -> None:
    tree = allocate(1, 2, 5)
    logits = np.array([1.5, -0.25, 1.5, 40.0, 0.0], np.float32)
    legal = np.array([True, True, True, False, True])
    expand_node(tree, 0, ROOT, logits, legal, 0, False, 0.25)
    shifted = np.exp(logits[legal].astype(np.float64) - 1.5)
    expected = np.zeros(5)
    expected[legal] = shifted / shifted.sum()
    np.testing.assert_allclose(tree.children_prior[0, ROOT], expected, rtol=1e-6)
    assert tree.children_prior[0, ROOT, 0] == tree.children_prior[0, ROOT, 2]  # tied maxima

    uniform = allocate(1, 2, 7)
    mask = np.array([True, False, True, True, False, True, True])
    expand_node(uniform, 0, ROOT, np.zeros(7, np.float32), mask, 1, False, 0.0)
    np.testing.assert_array_equal(uniform.children_prior[0, ROOT], np.float32(0.2) * mask)


def test_reset_clears_only_the_named_rows_and_rejects_others() -> None:
    domain = distill.make("tictactoe")
    store = domain.new_store(3)
    domain.reset(store, [0, 1, 2])
    searcher = Searcher(
        domain, uniform_evaluator, batch_size=3, config=SearchConfig(num_simulations=10)
    )
    searcher.run(store, [0, 1, 2], np.random.default_rng(0))
    searcher.reset(np.array([0, 2]))
    assert searcher.tree.node_count.tolist() == [1, 11, 1]
    assert searcher.tree.node_visits[[0, 2]].sum() == 0
    assert searcher.tree.node_visits[1, ROOT] == 11
    with pytest.raises(ShapeError, match="games"):
        searcher.reset(np.array([3]))
