"""KataGo's score utility (Wu 2019, sec. 4.1; `distill.search.utility`): with the win/loss
values flat, the search must prefer the move with the larger expected margin; the
values it reports stay win/loss values; margins back up with the players' signs, from
the domain's final score at terminal leaves; kept subtrees keep their margins; and a
search that cannot get margins is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

import distill
from distill.errors import ConfigError
from distill.search import SearchConfig, Searcher, uniform_evaluator
from distill.search.tree import ROOT, ScoredTree, Tree

SIZE = 5
GOOD = 12  # the centre point of the 5x5 board: the move worth MARGIN points
MARGIN = 10.0


class MarginEvaluator:
    """Uniform prior, value 0 everywhere, and a margin of +MARGIN for whoever has a stone
    on GOOD (-MARGIN for the other player): only the score can tell moves apart."""

    scored = True

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        logits, value, _ = self.evaluate_scored(obs, mask)
        return logits, value

    def evaluate_scored(
        self, obs: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        own, other = obs[:, 1].reshape(len(obs), -1), obs[:, 2].reshape(len(obs), -1)
        margin = MARGIN * (own[:, GOOD] - other[:, GOOD])
        zeros = np.zeros(len(obs), np.float32)
        return np.zeros(mask.shape, np.float32), zeros, margin.astype(np.float32)


def go(komi: float = 0.5) -> distill.Domain:
    return distill.make("go", size=SIZE, komi=komi)


def empty_board(domain: distill.Domain, moves: tuple[int, ...] = ()) -> np.ndarray:
    store = domain.new_store(1)
    domain.reset(store, [0])
    for action in moves:
        domain.step(store, [0], store, [0], [action])
    return store


def search(
    algorithm: str, static: float, dynamic: float = 0.0, sims: int = 200, moves: tuple = ()
) -> tuple[Searcher, object]:
    domain = go()
    config = SearchConfig(
        algorithm=algorithm,
        num_simulations=sims,
        score_utility_static=static,
        score_utility_dynamic=dynamic,
    )
    searcher = Searcher(domain, MarginEvaluator(), batch_size=1, config=config)
    store = empty_board(domain, moves)
    result = searcher.run(store, [0], np.random.default_rng(3), add_noise=False)
    return searcher, result


@pytest.mark.parametrize("algorithm", ["puct", "gumbel"])
def test_the_utility_finds_the_move_worth_more_points(algorithm: str) -> None:
    _, plain = search(algorithm, static=0.0)
    _, scored = search(algorithm, static=0.2)
    assert plain.action[0] != GOOD  # values and priors are flat: nothing points at GOOD
    assert scored.action[0] == GOOD
    if algorithm == "puct":
        assert scored.visit_counts[0].argmax() == GOOD
        assert scored.visit_counts[0, GOOD] > 4 * plain.visit_counts[0, GOOD]


@pytest.mark.parametrize("algorithm", ["puct", "gumbel"])
def test_the_dynamic_term_alone_also_finds_it(algorithm: str) -> None:
    _, scored = search(algorithm, static=0.0, dynamic=0.2)
    assert scored.action[0] == GOOD


@pytest.mark.parametrize("algorithm", ["puct", "gumbel"])
def test_reported_values_stay_win_loss_values(algorithm: str) -> None:
    _, scored = search(algorithm, static=0.3, dynamic=0.3)
    assert scored.root_value[0] == pytest.approx(0.0, abs=1e-6)
    assert np.abs(scored.q_values[0]).max() == pytest.approx(0.0, abs=1e-6)


def test_margins_back_up_with_the_players_signs() -> None:
    searcher, _ = search("puct", static=0.2)
    tree = searcher.tree
    sums, node_sums, raw = tree.children_score_sum, tree.node_score_sum, tree.node_raw_score
    child = tree.children_index[0, ROOT, GOOD]
    visits = tree.children_visits[0, ROOT, GOOD]
    assert visits > 0
    # black's view at the root: playing GOOD is worth +MARGIN to black ...
    assert sums[0, ROOT, GOOD] / visits == pytest.approx(MARGIN)
    # ... and the child, white to move, holds the same margin as white's -MARGIN
    assert node_sums[0, child] / tree.node_visits[0, child] == pytest.approx(-MARGIN)
    # every node's sum is its own margin plus its children's, each flipped to its view
    for node in range(int(tree.node_count[0])):
        if not tree.node_expanded[0, node] or tree.node_terminal[0, node]:
            continue
        own = raw[0, node]
        below = sums[0, node].sum()
        assert node_sums[0, node] == pytest.approx(own + below)
        for a in np.flatnonzero(tree.children_index[0, node] >= 0):
            grandchild = tree.children_index[0, node, a]
            if tree.node_visits[0, grandchild]:
                flipped = -node_sums[0, grandchild]
                assert sums[0, node, a] == pytest.approx(flipped)


def test_terminal_leaves_score_the_final_margin() -> None:
    domain = go(komi=7.5)
    passed = empty_board(domain, (domain.pass_action,))  # black passed; white to move
    config = SearchConfig(algorithm="puct", num_simulations=200, score_utility_static=0.2)
    searcher = Searcher(domain, MarginEvaluator(), batch_size=1, config=config)
    searcher.run(passed, [0], np.random.default_rng(0), add_noise=False)
    tree = searcher.tree
    sums, raw = tree.children_score_sum, tree.node_raw_score
    end = tree.children_index[0, ROOT, domain.pass_action]  # white passes too: game over
    assert end >= 0 and tree.node_terminal[0, end]
    # an empty board scores black 0 - 0 - 7.5; the player to move there is black
    assert raw[0, end] == pytest.approx(-7.5)
    visits = tree.children_visits[0, ROOT, domain.pass_action]
    assert sums[0, ROOT, domain.pass_action] / visits == pytest.approx(7.5)


def test_the_dynamic_centre_is_the_roots_margin() -> None:
    searcher, _ = search("gumbel", static=0.0, dynamic=0.2, moves=(GOOD,))  # white to move
    assert searcher.tree.score_center[0] == pytest.approx(-MARGIN)


def test_a_kept_subtree_keeps_its_margins() -> None:
    searcher, result = search("puct", static=0.2)
    tree = searcher.tree
    node_sums, raw = tree.node_score_sum, tree.node_raw_score
    child = tree.children_index[0, ROOT, GOOD]
    before = (node_sums[0, child], tree.node_visits[0, child])
    searcher.advance(np.array([GOOD]))
    assert result.action[0] == GOOD
    assert (node_sums[0, ROOT], tree.node_visits[0, ROOT]) == before
    assert raw[0, ROOT] == pytest.approx(-MARGIN)


def test_without_the_utility_the_tree_holds_no_margins() -> None:
    searcher, _ = search("puct", static=0.0)
    assert type(searcher.tree) is Tree
    assert ScoredTree._fields[: len(Tree._fields)] == Tree._fields  # the same arrays first


def test_a_search_without_margins_is_refused_by_name() -> None:
    config = SearchConfig(num_simulations=8, score_utility_static=0.2)
    with pytest.raises(ConfigError, match="score head"):
        Searcher(go(), uniform_evaluator, batch_size=1, config=config)
    with pytest.raises(ConfigError, match="final score"):
        Searcher(distill.make("tictactoe"), MarginEvaluator(), batch_size=1, config=config)
    with pytest.raises(ConfigError, match="jit"):
        Searcher(go(), MarginEvaluator(), batch_size=1, config=config, jit=True)


@pytest.mark.parametrize(
    "field, value",
    [("score_utility_static", -0.1), ("score_utility_dynamic", float("nan")),
     ("score_utility_scale", 0.0)],
)  # fmt: skip
def test_bad_weights_are_refused(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=field):
        SearchConfig(**{field: value})  # type: ignore[arg-type]
