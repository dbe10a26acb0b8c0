"""Golden trees: guards the search arithmetic (selection, expansion, backup, noise, root
statistics) against silent change, per variant, with a seeded hash evaluator.

A stored tree differing from the current one means the search now computes something
else. If that change is intended, regenerate the stored trees and review the diff:

    python tests/test_search_golden.py --regenerate
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import distill
from distill.search import SearchConfig, Searcher
from distill.search.fixed_evaluators import HashEvaluator

GOLDEN_DIR = Path(__file__).parent / "golden"
VARIANTS: dict[str, dict[str, object]] = {
    "puct": {"algorithm": "puct"},
    "gumbel": {"algorithm": "gumbel", "gumbel_num_considered": 4},
    "puct_virtual_loss": {"algorithm": "puct", "leaves_per_step": 4},
    "gumbel_virtual_loss": {
        "algorithm": "gumbel",
        "gumbel_num_considered": 4,
        "leaves_per_step": 4,
    },
}
TREE_FIELDS = (
    "node_visits",
    "node_value_sum",
    "node_raw_value",
    "children_index",
    "children_prior",
    "node_count",
)
RESULT_FIELDS = ("visit_counts", "policy_target", "root_value", "q_values", "prior", "action")


def build_tree(variant: str) -> dict[str, np.ndarray]:
    """Search tic-tac-toe from the empty board and from X corner / O centre (B = 2)."""
    domain = distill.make("tictactoe")
    store = domain.new_store(2)
    domain.reset(store, [0, 1])
    domain.step(store, [1], store, [1], [0])
    domain.step(store, [1], store, [1], [4])
    config = SearchConfig(num_simulations=40, **VARIANTS[variant])  # type: ignore[arg-type]
    searcher = Searcher(domain, HashEvaluator(salt=7), batch_size=2, config=config)
    rng = np.random.default_rng(2024)
    result = searcher.run(store, np.array([0, 1]), rng, temperature=1.0)
    arrays = {name: np.asarray(getattr(searcher.tree, name)) for name in TREE_FIELDS}
    arrays.update({name: np.asarray(getattr(result, name)) for name in RESULT_FIELDS})
    return arrays


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_tree_matches_golden(variant: str) -> None:
    path = GOLDEN_DIR / f"search_{variant}.npz"
    assert path.exists(), f"missing {path}; run: python tests/test_search_golden.py --regenerate"
    stored = np.load(path)
    current = build_tree(variant)
    for name, array in current.items():
        assert array.shape == stored[name].shape, f"{variant}.{name}: shape changed"
        if array.dtype.kind == "f":
            np.testing.assert_allclose(
                array, stored[name], rtol=1e-5, atol=1e-6, err_msg=f"{variant}.{name}"
            )
        else:
            np.testing.assert_array_equal(array, stored[name], err_msg=f"{variant}.{name}")


def test_golden_trees_are_not_trivial() -> None:
    """The stored trees exercise what they claim: many nodes, varied visits, both games."""
    for variant in VARIANTS:
        stored = np.load(GOLDEN_DIR / f"search_{variant}.npz")
        assert (stored["node_count"] > 20).all(), variant
        assert (stored["visit_counts"].sum(axis=1) == 40).all(), variant
        assert len(set(stored["visit_counts"][0].tolist())) > 2, variant


def regenerate() -> None:
    GOLDEN_DIR.mkdir(exist_ok=True)
    for variant in sorted(VARIANTS):
        np.savez(GOLDEN_DIR / f"search_{variant}.npz", **build_tree(variant))  # type: ignore[arg-type]
        print(f"wrote {GOLDEN_DIR / f'search_{variant}.npz'}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/test_search_golden.py --regenerate")
    regenerate()
