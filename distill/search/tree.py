"""The search tree of B games as preallocated struct-of-arrays (no node objects).

Layout follows DeepMind's mctx ``tree.py``: node n of game b lives at ``[b, n]``,
its children at ``[b, n, a]``. Node ``ROOT = 0`` is the position searched from;
``UNVISITED = -1`` marks a child slot without a node and the root's parent.
Values are sums/means *from the perspective of the player to move at that node*;
a parent reads a child's value with a sign flip when their players differ
(`child_sign`), so strict alternation is never assumed.

With a score utility (`SearchConfig.score_utility_static` / ``_dynamic``), the tree is a
`ScoredTree`: the same arrays plus the evaluator's expected score margins, backed up
beside the values with the same signs; selection then adds a bounded function of the
mean margin to Q (`distill.search.utility`), while the values themselves (root value, Q
values) stay win/loss values. The compiled functions are specialized per tree type and
reach the margins only through helpers that are no-ops for a plain `Tree`
(`has_scores`, `clear_scores`, ...), so a search without the utility compiles exactly
as before. (Margins stored in the plain `Tree`, even as empty arrays, slowed the Gumbel
search by ~25% on Connect Four: each compiled call passes every array of the tree.)

Game states of the nodes live outside the tree, in a domain store of size
``B * N``: node n of game b is row ``b * N + n`` (`state_slot`). A fixed slot per
node keeps copy-and-step a pure index computation and lets compaction move
states with one gather.
"""

from __future__ import annotations

from typing import NamedTuple, cast

import numpy as np
from numba import njit, types
from numba.extending import overload

ROOT = 0
UNVISITED = -1


class Tree(NamedTuple):
    """Statistics of B search trees with N nodes each and A actions."""

    node_visits: np.ndarray  # [B, N] int32: evaluations backed up through the node (own included)
    virtual_visits: np.ndarray  # [B, N] int32: pending leaves at or below the node (virtual loss)
    node_value_sum: np.ndarray  # [B, N] float64: sum of backed-up values, node player's view
    node_raw_value: np.ndarray  # [B, N] float32: the node's own evaluator / terminal value
    node_to_play: np.ndarray  # [B, N] int8: player to move at the node (0 or 1)
    node_terminal: np.ndarray  # [B, N] bool: the game is over at the node
    node_expanded: np.ndarray  # [B, N] bool: evaluated (prior, legal, raw value are set)
    parents: np.ndarray  # [B, N] int32: parent node, UNVISITED for the root
    action_from_parent: np.ndarray  # [B, N] int32: action leading here, UNVISITED for the root
    children_index: np.ndarray  # [B, N, A] int32: child node of each action or UNVISITED
    children_prior: np.ndarray  # [B, N, A] float32: softmax of masked logits, 0 where illegal
    children_visits: np.ndarray  # [B, N, A] int32: completed visits of each child (mctx layout:
    #   a node's child statistics sit contiguously at the parent, which makes selection fast)
    children_value_sum: np.ndarray  # [B, N, A] float64: child's value sum, PARENT player's view
    children_virtual: np.ndarray  # [B, N, A] int32: pending leaves below each child
    legal: np.ndarray  # [B, N, A] bool: legal actions at the node (all False if terminal)
    root_prior: np.ndarray  # [B, A] float32: prior used at the root this search (noise mixed in)
    root_gumbel: np.ndarray  # [B, A] float32: Gumbel(0, 1) draws at the root (0 if no noise)
    root_considered: np.ndarray  # [B, A] bool: Gumbel-top-k actions considered at the root
    node_count: np.ndarray  # [B] int32: nodes in use; nodes [0, node_count) are allocated


class Params(NamedTuple):
    """Scalar tunables passed into the jitted selection (see `SearchConfig` for meanings)."""

    gumbel: bool
    c_base: float
    c_init: float
    fpu_reduction: float
    virtual_loss: float
    c_visit: float
    c_scale: float
    forced_k: float  # k of KataGo's forced playouts at the root; 0 = off (see SearchConfig)


class ScoredTree(NamedTuple):
    """`Tree`'s arrays (the same names, in the same order) plus the score margins."""

    node_visits: np.ndarray
    virtual_visits: np.ndarray
    node_value_sum: np.ndarray
    node_raw_value: np.ndarray
    node_to_play: np.ndarray
    node_terminal: np.ndarray
    node_expanded: np.ndarray
    parents: np.ndarray
    action_from_parent: np.ndarray
    children_index: np.ndarray
    children_prior: np.ndarray
    children_visits: np.ndarray
    children_value_sum: np.ndarray
    children_virtual: np.ndarray
    legal: np.ndarray
    root_prior: np.ndarray
    root_gumbel: np.ndarray
    root_considered: np.ndarray
    node_count: np.ndarray
    node_score_sum: np.ndarray  # [B, N] float64: sum of backed-up margins, node player's view
    node_raw_score: np.ndarray  # [B, N] float64: the node's own evaluator / terminal margin
    children_score_sum: np.ndarray  # [B, N, A] float64: child's margin sum, PARENT's view
    score_center: np.ndarray  # [B] float64: the dynamic utility's centre, root player's view
    score_weights: np.ndarray  # float64[3]: static weight, dynamic weight, scale (points)


def allocate(
    batch_size: int,
    num_nodes: int,
    num_actions: int,
    score_weights: tuple[float, float, float] | None = None,
) -> Tree:
    """An empty tree: B = batch_size games, N = num_nodes nodes, A = num_actions.

    score_weights: (static, dynamic, scale) of a score utility: a `ScoredTree` (typed as
    the `Tree` whose arrays it starts with); None: a `Tree`.
    """
    b, n, a = batch_size, num_nodes, num_actions
    tree = Tree(
        node_visits=np.zeros((b, n), np.int32),
        virtual_visits=np.zeros((b, n), np.int32),
        node_value_sum=np.zeros((b, n), np.float64),
        node_raw_value=np.zeros((b, n), np.float32),
        node_to_play=np.zeros((b, n), np.int8),
        node_terminal=np.zeros((b, n), np.bool_),
        node_expanded=np.zeros((b, n), np.bool_),
        parents=np.full((b, n), UNVISITED, np.int32),
        action_from_parent=np.full((b, n), UNVISITED, np.int32),
        children_index=np.full((b, n, a), UNVISITED, np.int32),
        children_prior=np.zeros((b, n, a), np.float32),
        children_visits=np.zeros((b, n, a), np.int32),
        children_value_sum=np.zeros((b, n, a), np.float64),
        children_virtual=np.zeros((b, n, a), np.int32),
        legal=np.zeros((b, n, a), np.bool_),
        root_prior=np.zeros((b, a), np.float32),
        root_gumbel=np.zeros((b, a), np.float32),
        root_considered=np.zeros((b, a), np.bool_),
        node_count=np.zeros(b, np.int32),
    )
    if score_weights is None:
        return tree
    scored = ScoredTree(
        *tree,
        node_score_sum=np.zeros((b, n), np.float64),
        node_raw_score=np.zeros((b, n), np.float64),
        children_score_sum=np.zeros((b, n, a), np.float64),
        score_center=np.zeros(b, np.float64),
        score_weights=np.array(score_weights, np.float64),
    )
    return cast(Tree, scored)


def is_scored_type(tree: types.Type) -> bool:
    """True for the numba type of a `ScoredTree`."""
    return "children_score_sum" in getattr(tree, "fields", ())


def has_scores(tree: Tree | ScoredTree) -> bool:
    """True for a `ScoredTree`; in compiled code a constant of the tree's type."""
    return isinstance(tree, ScoredTree)


@overload(has_scores, inline="always")
def _has_scores(tree):  # type: ignore[no-untyped-def]
    scored = is_scored_type(tree)
    return lambda tree: scored


def clear_scores(tree: Tree | ScoredTree, b: int, start: int) -> None:
    """Forget the margins of game b's nodes [start, N) (nothing for a plain `Tree`)."""
    if isinstance(tree, ScoredTree):
        _clear_score_rows(tree, b, start)


@njit(cache=True)
def _clear_score_rows(tree: ScoredTree, b: int, start: int) -> None:
    tree.node_score_sum[b, start:] = 0.0
    tree.node_raw_score[b, start:] = 0.0
    tree.children_score_sum[b, start:] = 0.0
    if start == ROOT:
        tree.score_center[b] = 0.0


@overload(clear_scores, inline="always")
def _clear_scores(tree, b, start):  # type: ignore[no-untyped-def]
    if not is_scored_type(tree):
        return lambda tree, b, start: None
    return lambda tree, b, start: _clear_score_rows(tree, b, start)


def gather_scores(tree: Tree | ScoredTree, b: int, old_of_new: np.ndarray) -> None:
    """`compact_row`'s move of game b's margins (nothing for a plain `Tree`)."""
    if isinstance(tree, ScoredTree):
        _gather_score_rows(tree, b, old_of_new)


@njit(cache=True)
def _gather_score_rows(tree: ScoredTree, b: int, old_of_new: np.ndarray) -> None:
    _gather_row(tree.node_score_sum, b, old_of_new)
    _gather_row(tree.node_raw_score, b, old_of_new)
    _gather_row(tree.children_score_sum, b, old_of_new)


@overload(gather_scores, inline="always")
def _gather_scores(tree, b, old_of_new):  # type: ignore[no-untyped-def]
    if not is_scored_type(tree):
        return lambda tree, b, old_of_new: None
    return lambda tree, b, old_of_new: _gather_score_rows(tree, b, old_of_new)


@njit(cache=True)
def state_slot(b: int, node: int, num_nodes: int) -> int:
    """Row of the state store holding node `node` of game `b`."""
    return b * num_nodes + node


@njit(cache=True)
def child_sign(tree: Tree | ScoredTree, b: int, parent: int, child: int) -> float:
    """+1 if parent and child have the same player to move, else -1."""
    return 1.0 if tree.node_to_play[b, parent] == tree.node_to_play[b, child] else -1.0


@njit(cache=True)
def clear_row(tree: Tree, b: int) -> None:
    """Forget game b's tree: afterwards only an unexpanded ROOT slot is allocated."""
    tree.node_visits[b] = 0
    tree.virtual_visits[b] = 0
    tree.node_value_sum[b] = 0.0
    tree.node_raw_value[b] = 0.0
    tree.node_to_play[b] = 0
    tree.node_terminal[b] = False
    tree.node_expanded[b] = False
    tree.parents[b] = UNVISITED
    tree.action_from_parent[b] = UNVISITED
    tree.children_index[b] = UNVISITED
    tree.children_prior[b] = 0.0
    tree.children_visits[b] = 0
    tree.children_value_sum[b] = 0.0
    tree.children_virtual[b] = 0
    tree.legal[b] = False
    tree.node_count[b] = 1
    clear_scores(tree, b, ROOT)


@njit(cache=True)
def clear_rows(tree: Tree, rows: np.ndarray) -> None:
    """`clear_row` for every game in rows (int64[K]): one compiled call for the batch."""
    for k in range(rows.shape[0]):
        clear_row(tree, rows[k])


@njit(cache=True)
def subtree_order(tree: Tree, b: int, new_root: int) -> np.ndarray:
    """int32[K]: the nodes of the subtree under `new_root` in breadth-first order."""
    order = np.empty(tree.node_count[b], np.int32)
    order[0] = new_root
    head, tail = 0, 1
    num_actions = tree.children_index.shape[2]
    while head < tail:
        node = order[head]
        head += 1
        for a in range(num_actions):
            child = tree.children_index[b, node, a]
            if child != UNVISITED:
                order[tail] = child
                tail += 1
    return order[:tail]


@njit(cache=True)
def compact_row(tree: Tree, b: int, new_root: int) -> np.ndarray:
    """Make `new_root`'s subtree game b's whole tree, renumbered breadth-first from ROOT.

    Returns old_of_new: int32[K], the old node index of each new node, so the caller can
    move the node states the same way. Statistics of kept nodes are unchanged.
    """
    old_of_new = subtree_order(tree, b, new_root)
    count = old_of_new.shape[0]
    new_of_old = np.full(tree.node_count[b], UNVISITED, np.int32)
    for new in range(count):
        new_of_old[old_of_new[new]] = new
    _gather_row(tree.node_visits, b, old_of_new)
    _gather_row(tree.virtual_visits, b, old_of_new)
    _gather_row(tree.node_value_sum, b, old_of_new)
    _gather_row(tree.node_raw_value, b, old_of_new)
    _gather_row(tree.node_to_play, b, old_of_new)
    _gather_row(tree.node_terminal, b, old_of_new)
    _gather_row(tree.node_expanded, b, old_of_new)
    _gather_row(tree.action_from_parent, b, old_of_new)
    _gather_row(tree.children_prior, b, old_of_new)
    _gather_row(tree.children_visits, b, old_of_new)
    _gather_row(tree.children_value_sum, b, old_of_new)
    _gather_row(tree.children_virtual, b, old_of_new)
    _gather_row(tree.legal, b, old_of_new)
    gather_scores(tree, b, old_of_new)
    parents = tree.parents[b, old_of_new].copy()
    children = tree.children_index[b, old_of_new].copy()
    _clear_tail(tree, b, count)
    for new in range(count):
        tree.parents[b, new] = UNVISITED if new == ROOT else new_of_old[parents[new]]
        for a in range(children.shape[1]):
            old_child = children[new, a]
            tree.children_index[b, new, a] = (
                UNVISITED if old_child == UNVISITED else (new_of_old[old_child])
            )
    tree.action_from_parent[b, ROOT] = UNVISITED
    tree.node_count[b] = count
    return old_of_new


@njit(cache=True)
def _gather_row(array: np.ndarray, b: int, old_of_new: np.ndarray) -> None:
    kept = array[b, old_of_new].copy()
    array[b, : old_of_new.shape[0]] = kept


@njit(cache=True)
def _clear_tail(tree: Tree, b: int, start: int) -> None:
    """Reset nodes [start, N) of game b to empty, and all parent/child links."""
    tree.node_visits[b, start:] = 0
    tree.virtual_visits[b, start:] = 0
    tree.node_value_sum[b, start:] = 0.0
    tree.node_raw_value[b, start:] = 0.0
    tree.node_to_play[b, start:] = 0
    tree.node_terminal[b, start:] = False
    tree.node_expanded[b, start:] = False
    tree.action_from_parent[b, start:] = UNVISITED
    tree.children_prior[b, start:] = 0.0
    tree.children_visits[b, start:] = 0
    tree.children_value_sum[b, start:] = 0.0
    tree.children_virtual[b, start:] = 0
    tree.legal[b, start:] = False
    clear_scores(tree, b, start)
    tree.parents[b] = UNVISITED
    tree.children_index[b] = UNVISITED
