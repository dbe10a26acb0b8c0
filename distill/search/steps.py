"""The named steps of one search step for B trees: select -> (evaluate) -> expand -> backup.

All functions are ``@njit`` and shared by the Python-orchestrated path (`Searcher` with a
network evaluator) and the fully jitted path (`distill.search._jit_loop`), so both build
identical trees. Leaves are reported as ``leaf_node[B, L] int32`` with ``leaf_kind[B, L]``:

* ``NEW``: a node allocated by this selection; its state must be stepped and evaluated.
* ``TERMINAL``: an existing terminal node; its stored terminal value is backed up again.
* ``PENDING``: a node allocated earlier in the same step by another leaf (virtual loss did
  not prevent the collision); it backs up that leaf's evaluation a second time.
* ``NO_LEAF``: no simulation in this slot (the last step may gather fewer leaves).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from distill.search.gumbel import interior_action, root_action
from distill.search.tree import ROOT, UNVISITED, Params, Tree, child_sign, has_scores
from distill.search.utility import backup_score, child_score_utility, set_raw_score

FORCED_BONUS = 1e9  # added to a forced child's PUCT score; |Q + U| is far below it
NO_LEAF = -1
NEW = 0
TERMINAL = 1
PENDING = 2


@njit(cache=True, inline="always")
def node_mean_value(tree: Tree, b: int, node: int) -> float:
    """Mean backed-up value of `node` for its player (its raw value before any visit)."""
    visits = tree.node_visits[b, node]
    if visits == 0:
        return float(tree.node_raw_value[b, node])
    return tree.node_value_sum[b, node] / visits


@njit(cache=True, inline="always")
def puct_action(tree: Tree, b: int, node: int, params: Params) -> int:
    """argmax_a Q(a) + U(a) over legal actions, AlphaZero pseudocode (``ucb_score``):

    U(a) = (log((N + c_base + 1) / c_base) + c_init) * P(a) * sqrt(N) / (1 + N(a)),
    N = parent visits (pending leaves included). With forced playouts on (params.forced_k
    > 0) a root child below its forced count is chosen first. An unvisited child's Q is the
    first-play urgency, parent mean value - fpu_reduction; a visited child's Q is that of
    `child_visits_and_q` (virtual loss included), computed inline here. In a
    `ScoredTree`, Q also gets the child's score utility (`distill.search.utility`).

    The hottest loop of the search: it reads the tree arrays by scalar index only (no row
    views such as `node_prior`, no per-child helper returning a tuple), and it is inlined
    into `select_one`, so the compiled descent has no calls and no reference counting
    (numba's NRT incref/decref were ~40% of the CPU time before, measured with perf).
    """
    parent_visits = tree.node_visits[b, node] + tree.virtual_visits[b, node]
    exploration = math.log((parent_visits + params.c_base + 1.0) / params.c_base) + params.c_init
    exploration *= math.sqrt(parent_visits)
    fpu = node_mean_value(tree, b, node) - params.fpu_reduction
    at_root = node == ROOT
    # Forced playouts (KataGo, Wu 2019, sec. 3.2): at the root, children below
    # n_forced(c) = sqrt(k P(c) sum_b N(b)) outrank every other child; among them PUCT
    # decides. sum_b N(b) = parent visits - 1 (the root's own evaluation), pending included.
    forced_scale = params.forced_k * max(parent_visits - 1, 0) if at_root else 0.0
    best, best_score = -1, -np.inf
    for a in range(tree.legal.shape[2]):
        if not tree.legal[b, node, a]:
            continue
        pending = tree.children_virtual[b, node, a]
        visits = tree.children_visits[b, node, a] + pending
        if visits == 0:
            q = fpu
        else:
            q = (tree.children_value_sum[b, node, a] - params.virtual_loss * pending) / visits
        if has_scores(tree):  # a constant of the tree's type: compiled away for a Tree
            q += child_score_utility(tree, b, node, a)
        prior = tree.root_prior[b, a] if at_root else tree.children_prior[b, node, a]
        score = q + exploration * prior / (1.0 + visits)
        if forced_scale > 0.0 and visits < math.sqrt(forced_scale * prior):
            score += FORCED_BONUS
        if score > best_score:
            best, best_score = a, score
    return best


@njit(cache=True)
def choose_action(tree: Tree, b: int, node: int, params: Params, schedule: np.ndarray) -> int:
    """The action a simulation follows at expanded, non-terminal `node`."""
    if not params.gumbel:
        return puct_action(tree, b, node, params)
    if node == ROOT:
        return root_action(tree, b, params, schedule)
    return interior_action(tree, b, node, params)


@njit(cache=True, inline="always")
def select_one(tree: Tree, b: int, params: Params, schedule: np.ndarray) -> tuple:
    """Descend game b's tree from ROOT to a leaf; returns (leaf node, kind).

    Every node on the path, the leaf included, gets one virtual visit (undone by `backup`).
    PUCT calls `puct_action` directly rather than through `choose_action`: the Gumbel
    branch there is large, and keeping it out of this loop lets the PUCT path inline
    (measured ~2x faster per simulation on Connect Four, numba 0.68).
    """
    node = ROOT
    while True:
        if tree.node_terminal[b, node]:
            tree.virtual_visits[b, node] += 1
            return node, TERMINAL
        if not tree.node_expanded[b, node]:
            tree.virtual_visits[b, node] += 1
            return node, PENDING
        if params.gumbel:
            action = choose_action(tree, b, node, params, schedule)
        else:
            action = puct_action(tree, b, node, params)
        tree.virtual_visits[b, node] += 1
        tree.children_virtual[b, node, action] += 1
        child = tree.children_index[b, node, action]
        if child == UNVISITED:
            child = tree.node_count[b]
            tree.node_count[b] += 1
            tree.parents[b, child] = node
            tree.action_from_parent[b, child] = action
            tree.children_index[b, node, action] = child
            tree.virtual_visits[b, child] += 1
            return child, NEW
        node = child


@njit(cache=True)
def select_leaves(
    tree: Tree,
    params: Params,
    schedules: np.ndarray,
    num_leaves: int,
    leaf_node: np.ndarray,
    leaf_kind: np.ndarray,
) -> None:
    """Select `num_leaves` leaves in each of the B trees (leaf_node/leaf_kind: int32[B, L]).

    schedules: int32[B, S], each root's Gumbel visit schedule (ignored by PUCT).
    """
    for b in range(leaf_node.shape[0]):
        select_leaves_row(tree, params, schedules[b], num_leaves, b, leaf_node[b], leaf_kind[b])


@njit(cache=True)
def select_leaves_row(
    tree: Tree,
    params: Params,
    schedule: np.ndarray,
    num_leaves: int,
    b: int,
    leaf_node: np.ndarray,
    leaf_kind: np.ndarray,
) -> None:
    """`select_leaves` for game b alone (leaf_node/leaf_kind: int32[L], schedule: int32[S])."""
    leaf_kind[:] = NO_LEAF
    for slot in range(num_leaves):
        leaf_node[slot], leaf_kind[slot] = select_one(tree, b, params, schedule)


@njit(cache=True)
def expand_node(
    tree: Tree,
    b: int,
    node: int,
    logits: np.ndarray,
    legal: np.ndarray,
    to_play: int,
    terminal: bool,
    value: float,
) -> None:
    """Store a node's evaluation: prior = softmax of logits over legal actions (0 elsewhere).

    value: the evaluator's value, or the terminal value, for the player to move at `node`.
    """
    tree.node_to_play[b, node] = to_play
    tree.node_terminal[b, node] = terminal
    tree.node_raw_value[b, node] = value
    tree.node_expanded[b, node] = True
    # Three passes reading only the inputs (max, sum, write): measured ~1.5x faster than
    # normalizing the just-written prior in place (numba 0.68, micro-benchmark on one core).
    # `_shifted_exp` skips exp for the maximal logits (exp(0) = 1 exactly), so a uniform
    # prior costs no exp at all.
    top = -np.inf
    for a in range(logits.shape[0]):
        if legal[a] and logits[a] > top:
            top = logits[a]
    total = 0.0
    for a in range(logits.shape[0]):
        if legal[a] and not terminal:
            total += _shifted_exp(logits[a], top)
    inverse = 1.0 / total if total > 0.0 else 0.0
    for a in range(logits.shape[0]):
        ok = legal[a] and not terminal
        tree.legal[b, node, a] = ok
        tree.children_prior[b, node, a] = _shifted_exp(logits[a], top) * inverse if ok else 0.0


@njit(cache=True, inline="always")
def _shifted_exp(logit: float, top: float) -> float:
    """exp(logit - top); exactly exp(0) = 1.0 without calling exp when logit == top is
    finite (an infinite top keeps exp's NaN, as before this shortcut)."""
    return 1.0 if logit == top and math.isfinite(top) else math.exp(logit - top)


@njit(cache=True)
def backup(tree: Tree, b: int, leaf: int, value: float) -> None:
    """Add `value` (leaf player's view) to every node from `leaf` up to ROOT, removing the
    virtual visit `select_one` put there; the sign flips wherever the player changes.
    A `ScoredTree` backs up the leaf's margin the same way."""
    backup_score(tree, b, leaf)
    node = leaf
    while True:
        tree.virtual_visits[b, node] -= 1
        tree.node_visits[b, node] += 1
        tree.node_value_sum[b, node] += value
        parent = tree.parents[b, node]
        if parent == UNVISITED:
            return
        value *= child_sign(tree, b, parent, node)
        action = tree.action_from_parent[b, node]
        tree.children_virtual[b, parent, action] -= 1
        tree.children_visits[b, parent, action] += 1
        tree.children_value_sum[b, parent, action] += value
        node = parent


@njit(cache=True)
def expand_and_backup(
    tree: Tree,
    leaf_node: np.ndarray,
    leaf_kind: np.ndarray,
    leaf_logits: np.ndarray,
    leaf_legal: np.ndarray,
    leaf_to_play: np.ndarray,
    leaf_terminal: np.ndarray,
    leaf_value: np.ndarray,
    leaf_score: np.ndarray,
) -> None:
    """Expand every NEW leaf, then back up every leaf's value.

    leaf_logits float32[B, L, A], leaf_legal bool[B, L, A], leaf_to_play int64[B, L],
    leaf_terminal bool[B, L], leaf_value float32[B, L] (terminal value where terminal),
    leaf_score float32[B, L] (expected or final margin, leaf player's view; read only by a
    `ScoredTree`): read only where leaf_kind is NEW. TERMINAL and PENDING leaves back up
    the node's stored value (and margin).
    """
    for b in range(leaf_node.shape[0]):
        expand_and_backup_row(
            tree,
            b,
            leaf_node[b],
            leaf_kind[b],
            leaf_logits[b],
            leaf_legal[b],
            leaf_to_play[b],
            leaf_terminal[b],
            leaf_value[b],
            leaf_score[b],
        )


@njit(cache=True)
def expand_and_backup_row(
    tree: Tree,
    b: int,
    leaf_node: np.ndarray,
    leaf_kind: np.ndarray,
    leaf_logits: np.ndarray,
    leaf_legal: np.ndarray,
    leaf_to_play: np.ndarray,
    leaf_terminal: np.ndarray,
    leaf_value: np.ndarray,
    leaf_score: np.ndarray,
) -> None:
    """`expand_and_backup` for game b alone: the leaf arrays are its rows ([L], [L, A])."""
    for slot in range(leaf_node.shape[0]):
        if leaf_kind[slot] == NEW:
            set_raw_score(tree, b, leaf_node[slot], leaf_score[slot])
            expand_node(
                tree,
                b,
                leaf_node[slot],
                leaf_logits[slot],
                leaf_legal[slot],
                leaf_to_play[slot],
                leaf_terminal[slot],
                leaf_value[slot],
            )
    for slot in range(leaf_node.shape[0]):
        if leaf_kind[slot] != NO_LEAF:
            node = leaf_node[slot]
            backup(tree, b, node, float(tree.node_raw_value[b, node]))


@njit(cache=True)
def expand_roots(
    tree: Tree,
    rows: np.ndarray,
    logits: np.ndarray,
    legal: np.ndarray,
    to_play: np.ndarray,
    value: np.ndarray,
    score: np.ndarray,
) -> None:
    """Evaluate the unexpanded roots of games `rows` (int64[K]); inputs are [K, ...] arrays
    (score: float32[K] margins, read only by a `ScoredTree`)."""
    for k in range(rows.shape[0]):
        b = rows[k]
        set_raw_score(tree, b, ROOT, score[k])
        expand_node(tree, b, ROOT, logits[k], legal[k], to_play[k], False, value[k])
        tree.virtual_visits[b, ROOT] += 1
        backup(tree, b, ROOT, float(value[k]))
