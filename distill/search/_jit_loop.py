"""Template: random rollouts and the fully jitted simulation loop for a kernel-tier domain.

Specialized per domain by `distill.jit.specialize` (the ``# DOMAIN`` line below is
rewritten to import the domain's kernels), so the kernels are plain globals and numba
caches the compiled loop on disk. `run_simulations` is the same algorithm as
`Searcher`'s Python-orchestrated path, using the same `distill.search.steps`
functions; only the evaluator call is inlined (uniform or random rollout).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from distill._kernel_stubs import encode, legal, reset, step, terminal, to_play  # DOMAIN
from distill.search.evaluators import JIT_ROLLOUT as ROLLOUT
from distill.search.rng import below, leaf_seed, next_state
from distill.search.steps import (
    NEW,
    backup,
    expand_and_backup_row,
    expand_node,
    select_leaves_row,
    select_one,
)
from distill.search.tree import Params, Tree

#: Modules whose numba code this template calls: `distill.jit` hashes their sources too.
DEPENDS = (
    "distill.search.evaluators",
    "distill.search.gumbel",
    "distill.search.rng",
    "distill.search.steps",
    "distill.search.tree",
)

_ = (encode, reset)  # imported by the template contract; unused here


@njit(cache=True)
def rollout_value(
    source: np.ndarray, scratch: np.ndarray, mask: np.ndarray, seed: np.uint64, num_rollouts: int
) -> float:
    """Mean outcome of `num_rollouts` uniformly random playouts from `source`, for the player
    to move at `source`. scratch: int64[state_size], mask: bool[A] work buffers."""
    player = to_play(source)
    rng = seed
    total = 0.0
    for _r in range(num_rollouts):
        scratch[:] = source
        while True:
            over, value = terminal(scratch)
            if over:
                total += value if to_play(scratch) == player else -value
                break
            count = legal(scratch, mask)
            rng = next_state(rng)
            pick = below(rng, count)
            for a in range(mask.shape[0]):
                if mask[a]:
                    if pick == 0:
                        step(scratch, scratch, a)
                        break
                    pick -= 1
    return total / num_rollouts


@njit(cache=True)
def batch_rollout(
    states: np.ndarray,
    idx: np.ndarray,
    seeds: np.ndarray,
    num_rollouts: int,
    num_actions: int,
    values: np.ndarray,
) -> None:
    """values[k] := `rollout_value` of states[idx[k]] with seeds[k] (uint64[K])."""
    scratch = np.empty(states.shape[1], np.int64)
    mask = np.zeros(num_actions, np.bool_)
    for k in range(idx.shape[0]):
        values[k] = rollout_value(states[idx[k]], scratch, mask, seeds[k], num_rollouts)


@njit(cache=True)
def _evaluate_new_leaf(
    tree: Tree,
    states: np.ndarray,
    b: int,
    node: int,
    evaluator_kind: int,
    num_rollouts: int,
    run_seed: np.uint64,
    scratch: np.ndarray,
    mask: np.ndarray,
    legal_out: np.ndarray,
) -> tuple:
    """Copy-and-step the parent's state into the leaf's slot and evaluate it there.

    Returns (to_play, terminal, value); legal_out: bool[A] := the leaf's legal actions.
    """
    num_nodes = tree.node_visits.shape[1]
    parent = tree.parents[b, node]
    row = states[b * num_nodes + node]
    step(states[b * num_nodes + parent], row, tree.action_from_parent[b, node])
    over, value = terminal(row)
    legal(row, legal_out)
    if not over:
        value = 0.0
        if evaluator_kind == ROLLOUT:
            seed = leaf_seed(run_seed, b, node)
            value = rollout_value(row, scratch, mask, seed, num_rollouts)
    return to_play(row), over, value


@njit(cache=True)
def run_simulations(
    tree: Tree,
    params: Params,
    schedules: np.ndarray,
    states: np.ndarray,
    num_simulations: int,
    leaves_per_step: int,
    evaluator_kind: int,
    num_rollouts: int,
    run_seed: np.uint64,
) -> None:
    """Run `num_simulations` simulations in each of the B trees, `leaves_per_step` at a time.

    states: int64[B * N, state_size], node n of game b at row b * N + n (roots filled in).
    evaluator_kind: the evaluator's ``jit_kind``: JIT_UNIFORM (logits 0, value 0) or
    JIT_ROLLOUT (random playouts, logits 0), see `distill.search.evaluators`.
    The trees are independent and need no shared evaluator call here, so the loop runs all
    simulations of game 0, then of game 1, ...: one tree's arrays stay in cache. The trees
    are the same as those of the step-major Python path (rollout seeds depend on (game,
    node) only, not on the order of evaluation).
    """
    if leaves_per_step == 1:
        _run_single_leaf(
            tree, params, schedules, states, num_simulations, evaluator_kind, num_rollouts, run_seed
        )
    else:
        _run_leaf_batches(
            tree,
            params,
            schedules,
            states,
            num_simulations,
            leaves_per_step,
            evaluator_kind,
            num_rollouts,
            run_seed,
        )


@njit(cache=True)
def _run_single_leaf(
    tree: Tree,
    params: Params,
    schedules: np.ndarray,
    states: np.ndarray,
    num_simulations: int,
    evaluator_kind: int,
    num_rollouts: int,
    run_seed: np.uint64,
) -> None:
    """`run_simulations` with one leaf per step: select_one -> evaluate -> expand -> backup.

    The same step functions as `select_leaves_row` / `expand_and_backup_row` with L = 1
    (a step of one leaf never meets a PENDING node), called directly: no leaf arrays, so
    no per-simulation row views or slot bookkeeping (about 4x fewer ns per simulation
    on Connect Four with the uniform evaluator than the leaf-array loop, numba 0.68).
    """
    num_actions = tree.legal.shape[2]
    logits = np.zeros(num_actions, np.float32)  # both jitted evaluators: uniform prior
    leaf_legal = np.zeros(num_actions, np.bool_)
    scratch = np.empty(states.shape[1], np.int64)  # rollout work buffers
    mask = np.zeros(num_actions, np.bool_)
    for b in range(tree.node_visits.shape[0]):
        schedule = schedules[b]
        for _ in range(num_simulations):
            node, kind = select_one(tree, b, params, schedule)
            if kind == NEW:
                player, over, value = _evaluate_new_leaf(
                    tree,
                    states,
                    b,
                    node,
                    evaluator_kind,
                    num_rollouts,
                    run_seed,
                    scratch,
                    mask,
                    leaf_legal,
                )
                # value rounds to float32 once, in node_raw_value, as via leaf_value[] below
                expand_node(tree, b, node, logits, leaf_legal, player, over, value)
            backup(tree, b, node, float(tree.node_raw_value[b, node]))


@njit(cache=True)
def _run_leaf_batches(
    tree: Tree,
    params: Params,
    schedules: np.ndarray,
    states: np.ndarray,
    num_simulations: int,
    leaves_per_step: int,
    evaluator_kind: int,
    num_rollouts: int,
    run_seed: np.uint64,
) -> None:
    """`run_simulations` with `leaves_per_step` > 1: per game, gather L leaves with virtual
    loss, evaluate the new ones, expand and back up all L (`select_leaves_row`,
    `expand_and_backup_row`, as the Python-orchestrated path does for every game)."""
    batch, num_actions = tree.node_visits.shape[0], tree.legal.shape[2]
    leaf_node = np.zeros(leaves_per_step, np.int32)
    leaf_kind = np.zeros(leaves_per_step, np.int32)
    leaf_logits = np.zeros((leaves_per_step, num_actions), np.float32)  # uniform: all 0
    leaf_legal = np.zeros((leaves_per_step, num_actions), np.bool_)
    leaf_to_play = np.zeros(leaves_per_step, np.int64)
    leaf_terminal = np.zeros(leaves_per_step, np.bool_)
    leaf_value = np.zeros(leaves_per_step, np.float32)
    leaf_score = np.zeros(leaves_per_step, np.float32)  # unread: these trees have no scores
    scratch = np.empty(states.shape[1], np.int64)  # rollout work buffers
    mask = np.zeros(num_actions, np.bool_)
    for b in range(batch):
        done = 0
        while done < num_simulations:
            count = min(leaves_per_step, num_simulations - done)
            select_leaves_row(tree, params, schedules[b], count, b, leaf_node, leaf_kind)
            for slot in range(count):
                if leaf_kind[slot] == NEW:
                    leaf_to_play[slot], leaf_terminal[slot], leaf_value[slot] = _evaluate_new_leaf(
                        tree,
                        states,
                        b,
                        leaf_node[slot],
                        evaluator_kind,
                        num_rollouts,
                        run_seed,
                        scratch,
                        mask,
                        leaf_legal[slot],
                    )
            expand_and_backup_row(
                tree,
                b,
                leaf_node,
                leaf_kind,
                leaf_logits,
                leaf_legal,
                leaf_to_play,
                leaf_terminal,
                leaf_value,
                leaf_score,
            )
            done += count
