"""Search mechanics: sign convention and terminal back-up, tree reuse, virtual loss, the
jitted loop against the Python-orchestrated one, both domain tiers, Gumbel schedule,
move choice, and input validation (errors name the bad argument)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import distill
from distill.domain import Domain, PythonDomain
from distill.domains.tictactoe import kernels as ttt
from distill.errors import ConfigError, DistillError, ShapeError
from distill.search import RolloutEvaluator, SearchConfig, Searcher, uniform_evaluator
from distill.search import tree as tree_mod
from distill.search.fixed_evaluators import HashEvaluator
from distill.search.gumbel import considered_visit_table
from distill.search.root import choose_by_visits
from distill.search.steps import backup

TREE_FIELDS = (
    "node_visits",
    "node_value_sum",
    "node_raw_value",
    "children_index",
    "children_prior",
    "node_to_play",
    "node_count",
    "virtual_visits",
)


def position(domain: Domain, *games: list[int]) -> np.ndarray:
    store = domain.new_store(len(games))
    domain.reset(store, np.arange(len(games)))
    for b, moves in enumerate(games):
        for action in moves:
            domain.step(store, [b], store, [b], [action])
    return store


def greedy(**kwargs: object) -> SearchConfig:
    return SearchConfig(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("algorithm", ["puct", "gumbel"])
def test_immediate_win_is_positive_for_the_side_to_move(algorithm: str) -> None:
    domain = distill.make("tictactoe")
    store = position(domain, [0, 3, 1, 4])  # X: cells 0, 1; O: 3, 4; X to move wins at 2
    searcher = Searcher(
        domain,
        uniform_evaluator,
        batch_size=1,
        config=greedy(algorithm=algorithm, num_simulations=100),
    )
    result = searcher.run(store, [0], np.random.default_rng(0), add_noise=False)
    assert result.action[0] == 2
    assert result.q_values[0, 2] == pytest.approx(1.0)
    assert result.root_value[0] > 0.5
    if algorithm == "gumbel":  # the improved policy's value, not the mean over all visits
        expected = float(result.policy_target[0] @ result.q_values[0])
        assert result.root_value[0] == pytest.approx(expected, abs=1e-5)
        tree = searcher.tree
        mean = tree.node_value_sum[0, tree_mod.ROOT] / tree.node_visits[0, tree_mod.ROOT]
        assert result.root_value[0] > mean  # halving spread visits over losing moves
    child = searcher.tree.children_index[0, tree_mod.ROOT, 2]
    assert searcher.tree.node_terminal[0, child]
    assert searcher.tree.node_raw_value[0, child] == -1.0  # O to move there has lost
    visits = searcher.tree.node_visits[0, child]
    assert searcher.tree.node_value_sum[0, child] == -visits  # every back-up was terminal


def test_connect4_immediate_win_and_must_block() -> None:
    domain = distill.make("connect4")
    store = position(domain, [0, 1, 0, 1, 0, 1], [0, 1, 0, 1, 6, 1])
    searcher = Searcher(
        domain, RolloutEvaluator(domain), batch_size=2, config=greedy(num_simulations=300)
    )
    result = searcher.run(store, [0, 1], np.random.default_rng(0), add_noise=False)
    assert result.action.tolist() == [0, 1]  # win in column 0; block column 1
    assert result.root_value[0] > 0.5


def test_backup_flips_sign_only_when_the_player_changes() -> None:
    tree = tree_mod.allocate(1, 4, 2)
    tree.parents[0, :3] = [tree_mod.UNVISITED, 0, 1]
    tree.node_to_play[0, :3] = [0, 1, 1]  # node 2: the same player moves twice in a row
    tree.virtual_visits[0, :3] = 1
    backup(tree, 0, 2, 0.5)
    assert tree.node_value_sum[0, :3].tolist() == [-0.5, 0.5, 0.5]
    assert tree.node_visits[0, :3].tolist() == [1, 1, 1]
    assert tree.virtual_visits[0, :3].tolist() == [0, 0, 0]


def test_tree_reuse_keeps_the_subtree_statistics() -> None:
    domain = distill.make("tictactoe")
    store = position(domain, [])
    searcher = Searcher(domain, uniform_evaluator, batch_size=1, config=greedy(num_simulations=60))
    result = searcher.run(store, [0], np.random.default_rng(1), add_noise=False)
    action = int(result.action[0])
    child = searcher.tree.children_index[0, tree_mod.ROOT, action]
    kept_visits = int(searcher.tree.node_visits[0, child])
    kept_value = float(searcher.tree.node_value_sum[0, child])
    grandchildren = searcher.tree.children_index[0, child]
    kept_child_visits = np.where(
        grandchildren >= 0, searcher.tree.node_visits[0, np.maximum(grandchildren, 0)], 0
    )
    searcher.advance(result.action)
    domain.step(store, [0], store, [0], [action])
    assert searcher.tree.node_visits[0, tree_mod.ROOT] == kept_visits
    assert searcher.tree.node_value_sum[0, tree_mod.ROOT] == kept_value
    new_children = searcher.tree.children_index[0, tree_mod.ROOT]
    np.testing.assert_array_equal(
        np.where(new_children >= 0, searcher.tree.node_visits[0, np.maximum(new_children, 0)], 0),
        kept_child_visits,
    )
    np.testing.assert_array_equal(searcher.states[0], store[0])  # root state moved too
    again = searcher.run(store, [0], np.random.default_rng(2), num_simulations=30, add_noise=False)
    assert again.visit_counts.sum() == kept_visits - 1 + 30


def test_tree_is_reset_when_the_position_is_not_the_kept_root() -> None:
    domain = distill.make("tictactoe")
    store = position(domain, [], [4])
    searcher = Searcher(domain, uniform_evaluator, batch_size=1, config=greedy(num_simulations=20))
    searcher.run(store, [0], np.random.default_rng(0))
    searcher.advance(np.array([0]))  # but then search a different position
    result = searcher.run(store, [1], np.random.default_rng(0))
    assert result.visit_counts.sum() == 20


def test_virtual_loss_spreads_the_leaves_of_one_step() -> None:
    domain = distill.make("tictactoe")
    store = position(domain, [])
    spread = Searcher(
        domain, uniform_evaluator, batch_size=1, config=greedy(num_simulations=8, leaves_per_step=8)
    )
    counts = spread.run(store, [0], np.random.default_rng(0), add_noise=False).visit_counts
    assert (counts[0] == 1).sum() == 8  # eight different children, one leaf each
    serial = Searcher(
        domain, uniform_evaluator, batch_size=1, config=greedy(num_simulations=8, leaves_per_step=1)
    )
    counts = serial.run(store, [0], np.random.default_rng(0), add_noise=False).visit_counts
    assert counts.max() > 1  # without virtual loss the same leaves come back (FPU)


@pytest.mark.parametrize("domain_id", ["tictactoe", "connect4"])
@pytest.mark.parametrize(
    ("algorithm", "leaves"), [("puct", 1), ("gumbel", 1), ("puct", 3), ("gumbel", 4)]
)
@pytest.mark.parametrize("rollout", [False, True])
def test_jit_path_builds_the_same_tree_as_the_python_path(
    domain_id: str, algorithm: str, leaves: int, rollout: bool
) -> None:
    domain = distill.make(domain_id)
    store = position(domain, [], [4, 2])
    evaluator = RolloutEvaluator(domain, num_rollouts=2) if rollout else uniform_evaluator
    config = SearchConfig(algorithm=algorithm, num_simulations=50, leaves_per_step=leaves)  # type: ignore[arg-type]
    runs = []
    for jit in (True, False):
        searcher = Searcher(domain, evaluator, batch_size=2, config=config, jit=jit)
        assert searcher.uses_jit == jit
        rng = np.random.default_rng(11)
        first = searcher.run(store, [0, 1], rng)
        searcher.advance(first.action)
        domain.step(store, [0, 1], store, [0, 1], first.action)
        second = searcher.run(store, [0, 1], rng)
        runs.append((searcher, first, second))
        store = position(domain, [], [4, 2])
    (jit_searcher, *jit_results), (py_searcher, *py_results) = runs
    for name in TREE_FIELDS:
        np.testing.assert_array_equal(
            getattr(jit_searcher.tree, name), getattr(py_searcher.tree, name), err_msg=name
        )
    for jit_result, py_result in zip(jit_results, py_results, strict=True):
        np.testing.assert_array_equal(jit_result.visit_counts, py_result.visit_counts)
        np.testing.assert_array_equal(jit_result.action, py_result.action)
        np.testing.assert_array_equal(jit_result.q_values, py_result.q_values)


class TicTacToeGame:
    """tic-tac-toe as a Python-tier `Game`, on top of the kernels (for the tier test)."""

    def __init__(self) -> None:
        self.state = np.zeros(ttt.STATE_SIZE, np.int64)

    def clone(self) -> TicTacToeGame:
        twin = TicTacToeGame()
        twin.state[:] = self.state
        return twin

    def step(self, action: int) -> None:
        ttt.step(self.state, self.state, action)

    def legal_mask(self) -> np.ndarray:
        mask = np.zeros(ttt.NUM_ACTIONS, np.bool_)
        ttt.legal(self.state, mask)
        return mask

    def terminal(self) -> tuple[bool, float]:
        return ttt.terminal(self.state)

    def to_play(self) -> int:
        return int(self.state[ttt.TO_PLAY])

    def observe(self) -> np.ndarray:
        out = np.zeros((2, 3, 3), np.float32)
        ttt.encode(self.state, out)
        return out


def python_tictactoe() -> PythonDomain:
    kernel = distill.make("tictactoe")
    return PythonDomain(
        name="tictactoe-py",
        factory=TicTacToeGame,
        num_actions=9,
        obs_shape=(2, 3, 3),
        board_shape=(3, 3),
        max_moves=9,
        action_perms=kernel.action_perms,
        cell_perms=kernel.cell_perms,
    )


@pytest.mark.parametrize("algorithm", ["puct", "gumbel"])
def test_python_tier_domain_searches_like_the_kernel_tier(algorithm: str) -> None:
    trees = []
    for domain in (distill.make("tictactoe"), python_tictactoe()):
        store = domain.new_store(2)
        domain.reset(store, [0, 1])
        domain.step(store, [1], store, [1], [4])
        searcher = Searcher(
            domain,
            HashEvaluator(3),
            batch_size=2,
            config=SearchConfig(algorithm=algorithm, num_simulations=30),  # type: ignore[arg-type]
        )
        rng = np.random.default_rng(5)
        result = searcher.run(store, [0, 1], rng)
        searcher.advance(result.action)
        domain.step(store, [0, 1], store, [0, 1], result.action)
        searcher.run(store, [0, 1], rng)
        trees.append(searcher.tree)
    for name in TREE_FIELDS:
        np.testing.assert_array_equal(getattr(trees[0], name), getattr(trees[1], name), name)


def test_sequential_halving_schedule() -> None:
    table = considered_visit_table(4, 16)
    # two phases: 4 actions x 2 visits, then the best 2 actions x 4 visits
    assert table[4].tolist() == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert table[1].tolist() == list(range(16))
    assert table[2].tolist() == [i // 2 for i in range(16)]


def test_gumbel_visits_follow_sequential_halving() -> None:
    domain = distill.make("connect4")
    store = position(domain, [])
    searcher = Searcher(
        domain,
        RolloutEvaluator(domain),
        batch_size=1,
        config=SearchConfig(algorithm="gumbel", num_simulations=16, gumbel_num_considered=4),
    )
    result = searcher.run(store, [0], np.random.default_rng(3))
    assert sorted(result.visit_counts[0].tolist()) == [0, 0, 0, 2, 2, 6, 6]
    assert result.visit_counts[0, result.action[0]] == 6
    assert result.policy_target[0].sum() == pytest.approx(1.0)


def test_choose_by_visits_temperature() -> None:
    counts = np.array([[10, 30, 0, 60]] * 4000, np.int32)
    q = np.zeros(counts.shape, np.float32)
    picks = choose_by_visits(counts, q, np.ones(4000), np.random.default_rng(0))
    freq = np.bincount(picks, minlength=4) / picks.shape[0]
    np.testing.assert_allclose(freq, [0.1, 0.3, 0.0, 0.6], atol=0.03)
    # T = 0.5 squares the counts: 100, 900, 0, 3600 out of 4600.
    picks = choose_by_visits(counts, q, np.full(4000, 0.5), np.random.default_rng(1))
    freq = np.bincount(picks, minlength=4) / picks.shape[0]
    np.testing.assert_allclose(freq, [100 / 4600, 900 / 4600, 0.0, 3600 / 4600], atol=0.03)
    ties = np.array([[5, 5, 1]], np.int32)
    assert choose_by_visits(
        ties, np.array([[0.1, 0.4, 0.9]], np.float32), np.zeros(1), np.random.default_rng(0)
    ).tolist() == [1]


def test_choose_by_visits_per_row_temperature_draws_only_for_sampled_rows() -> None:
    counts = np.array([[1, 9, 0], [4, 0, 6], [2, 3, 5], [0, 0, 0]], np.int32)
    q = np.zeros(counts.shape, np.float32)
    rng = np.random.default_rng(5)
    # rows 0 and 3 at T = 0 (row 3 unvisited: argmax too); rows 1 and 2 sample.
    picks = choose_by_visits(counts, q, np.array([0.0, 1.0, 2.0, 1.0]), rng)
    assert picks[0] == 1 and picks[3] == 0
    uniform = np.random.default_rng(5).random(2)  # one draw per sampled row, in row order
    row1 = np.cumsum([0.4, 0.0, 0.6])
    row2 = np.cumsum(np.sqrt([2, 3, 5]) / np.sqrt([2, 3, 5]).sum())
    assert picks[1] == int((row1 < uniform[0]).sum())
    assert picks[2] == int((row2 < uniform[1]).sum())
    assert rng.random() == np.random.default_rng(5).random(3)[2]  # exactly two consumed
    greedy_rng = np.random.default_rng(5)
    choose_by_visits(counts, q, np.zeros(4), greedy_rng)
    assert greedy_rng.random() == np.random.default_rng(5).random()  # none consumed


def test_run_temperature_is_per_game_and_validated() -> None:
    domain = distill.make("tictactoe")
    store = position(domain, [], [])
    searcher = Searcher(domain, uniform_evaluator, batch_size=2, config=greedy(num_simulations=30))
    result = searcher.run(store, [0, 1], np.random.default_rng(0), temperature=[0.0, 0.0])
    key = result.visit_counts * 4.0 + result.q_values + 1.0
    np.testing.assert_array_equal(result.action, np.argmax(key, axis=1))
    for bad in (-1.0, np.nan, [1.0, 2.0, 3.0]):
        with pytest.raises(ConfigError, match="temperature"):
            searcher.run(store, [0, 1], np.random.default_rng(0), temperature=bad)
    assert "temperature" not in {f.name for f in dataclasses.fields(SearchConfig)}


def test_dirichlet_noise_mixes_into_the_root_prior_only() -> None:
    domain = distill.make("tictactoe")
    store = position(domain, [4])
    searcher = Searcher(
        domain,
        uniform_evaluator,
        batch_size=1,
        config=SearchConfig(num_simulations=5, dirichlet_fraction=0.5),
    )
    result = searcher.run(store, [0], np.random.default_rng(0))
    noisy = searcher.tree.root_prior[0]
    assert noisy[4] == 0.0 and noisy.sum() == pytest.approx(1.0)
    assert np.all(noisy[np.arange(9) != 4] >= 0.5 / 8 - 1e-6)
    assert not np.allclose(noisy, result.prior[0])
    np.testing.assert_allclose(result.prior[0][np.arange(9) != 4], 1 / 8, rtol=1e-6)


def test_inputs_are_validated_with_named_errors() -> None:
    domain = distill.make("tictactoe")
    store = position(domain, [], [])
    searcher = Searcher(domain, uniform_evaluator, batch_size=2, config=greedy(num_simulations=4))
    with pytest.raises(ShapeError, match="idx"):
        searcher.run(store, [0], np.random.default_rng(0))
    with pytest.raises(ConfigError, match="num_simulations"):
        searcher.run(store, [0, 1], np.random.default_rng(0), num_simulations=10_000)
    with pytest.raises(ShapeError, match="actions"):
        searcher.advance(np.array([1, 2, 3]))
    with pytest.raises(ShapeError, match="store"):
        searcher.run(np.zeros((2, 3), np.int64), [0, 1], np.random.default_rng(0))
    with pytest.raises(ConfigError, match="leaves_per_step"):
        SearchConfig(leaves_per_step=0)
    with pytest.raises(ConfigError, match="algorithm"):
        SearchConfig(algorithm="mcts")  # type: ignore[arg-type]
    finished = position(domain, [0, 3, 1, 4, 2], [])
    with pytest.raises(DistillError, match="finished"):
        searcher.run(finished, [0, 1], np.random.default_rng(0))


def test_evaluator_output_shapes_are_checked() -> None:
    domain = distill.make("tictactoe")
    store = position(domain, [])

    def bad(obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((obs.shape[0], 3), np.float32), np.zeros(obs.shape[0], np.float32)

    searcher = Searcher(domain, bad, batch_size=1, config=greedy(num_simulations=4))
    with pytest.raises(ShapeError, match="evaluator logits"):
        searcher.run(store, [0], np.random.default_rng(0))
    with pytest.raises(DistillError, match="evaluate_states"):
        RolloutEvaluator(domain)(np.zeros((1, 2, 3, 3), np.float32), np.ones((1, 9), bool))


def test_stop_ends_a_search_between_steps_with_what_it_has() -> None:
    """`Searcher.run(stop=...)`, the Python loop: asked after every step; a PUCT search
    stopped after k steps is the k-step search, and a stopped Gumbel search plays a
    considered action among the most visited."""
    domain = distill.make("connect4")
    store = position(domain, [3, 3])
    for algorithm in ("puct", "gumbel"):
        config = SearchConfig(algorithm=algorithm, num_simulations=64, leaves_per_step=2)  # type: ignore[arg-type]
        asked: list[int] = []

        def stop(asked: list[int] = asked) -> bool:
            asked.append(1)
            return len(asked) == 5

        searcher = Searcher(domain, HashEvaluator(7), batch_size=1, config=config, jit=False)
        result = searcher.run(store, [0], np.random.default_rng(1), add_noise=False, stop=stop)
        assert len(asked) == 5 and searcher.last_simulations == 10
        assert int(result.visit_counts.sum()) == 10
        visits = result.visit_counts[0]
        if algorithm == "puct":
            short = Searcher(domain, HashEvaluator(7), batch_size=1, config=config, jit=False)
            alone = short.run(
                store, [0], np.random.default_rng(1), num_simulations=10, add_noise=False
            )
            np.testing.assert_array_equal(alone.visit_counts, result.visit_counts)
            np.testing.assert_array_equal(alone.q_values, result.q_values)
        else:
            considered = searcher.tree.root_considered[0]
            assert considered[result.action[0]]
            assert visits[result.action[0]] == visits[considered].max()
        never = Searcher(domain, HashEvaluator(7), batch_size=1, config=config, jit=False)
        never.run(store, [0], np.random.default_rng(1), stop=lambda: False)
        assert never.last_simulations == 64
