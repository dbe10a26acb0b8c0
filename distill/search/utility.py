"""KataGo's score utility: a bounded bonus for the expected score margin, added to Q.

A value head that is sure of the result early stops telling moves apart: when every
move wins (or every move loses), Q is flat and the search plays at random among them.
KataGo adds to each child's Q a bounded function of its expected score margin (Wu 2019,
arXiv:1902.10565, sec. 4.1; KataGo's search parameters weigh a static term 0.1 and a
dynamic one 0.3), so the search still prefers the move that wins or loses by more or
fewer points. A `ScoredTree` backs up the margins beside the values
(`distill.search.tree`); these functions back them up and turn a mean margin into
utility at selection time. For a plain `Tree` each is a no-op (or 0.0) chosen when the
caller is compiled, so the plain search pays nothing. The values the search reports
(root value, Q values) stay win/loss values.
"""

from __future__ import annotations

import math

from numba import njit
from numba.extending import overload

from distill.search.tree import ROOT, UNVISITED, ScoredTree, Tree, child_sign, is_scored_type


@njit(cache=True, inline="always")
def node_mean_score(tree: ScoredTree, b: int, node: int) -> float:
    """Mean backed-up score margin of `node` for its player (its raw margin before any
    visit)."""
    visits = tree.node_visits[b, node]
    if visits == 0:
        return float(tree.node_raw_score[b, node])
    return float(tree.node_score_sum[b, node] / visits)


@njit(cache=True, inline="always")
def score_utility(tree: ScoredTree, b: int, node: int, margin: float) -> float:
    """The utility the player at `node` adds to Q for an expected margin (that player's
    view, in points), with (static, dynamic, scale) = ``tree.score_weights``:

        static * F(margin / scale) + dynamic * F((margin - centre) / scale),
        F(x) = (2 / pi) atan(x),

    bounded by static + dynamic. The centre is the root's expected margin at the start of
    the search (``tree.score_center``, root player's view; its sign flips for the other
    player, so the utility stays zero-sum): the dynamic term rewards gaining points from
    where the game stands, even when the win or the loss looks settled.
    """
    centre = tree.score_center[b]
    if tree.node_to_play[b, node] != tree.node_to_play[b, ROOT]:
        centre = -centre
    static, dynamic, scale = tree.score_weights[0], tree.score_weights[1], tree.score_weights[2]
    return (2.0 / math.pi) * (
        static * math.atan(margin / scale) + dynamic * math.atan((margin - centre) / scale)
    )


def child_score_utility(tree: Tree | ScoredTree, b: int, node: int, a: int) -> float:
    """`score_utility` of child a's mean margin (completed visits only; the node's own
    mean margin for a child without one), for the player at `node`; 0.0 for a `Tree`."""
    if not isinstance(tree, ScoredTree):
        return 0.0
    return float(_child_score_utility(tree, b, node, a))


@njit(cache=True)
def _child_score_utility(tree: ScoredTree, b: int, node: int, a: int) -> float:
    visits = tree.children_visits[b, node, a]
    if visits > 0:
        margin = tree.children_score_sum[b, node, a] / visits
    else:
        margin = node_mean_score(tree, b, node)
    return score_utility(tree, b, node, margin)


@overload(child_score_utility, inline="always")
def _child_score_utility_overload(tree, b, node, a):  # type: ignore[no-untyped-def]
    if not is_scored_type(tree):
        return lambda tree, b, node, a: 0.0
    return lambda tree, b, node, a: _child_score_utility(tree, b, node, a)


def set_raw_score(tree: Tree | ScoredTree, b: int, node: int, margin: float) -> None:
    """Store a node's evaluator / terminal margin (its player's view); nothing for a
    `Tree`."""
    if isinstance(tree, ScoredTree):
        tree.node_raw_score[b, node] = margin


@overload(set_raw_score, inline="always")
def _set_raw_score(tree, b, node, margin):  # type: ignore[no-untyped-def]
    if not is_scored_type(tree):
        return lambda tree, b, node, margin: None

    return lambda tree, b, node, margin: _store_raw_score(tree, b, node, margin)


@njit(cache=True)
def _store_raw_score(tree: ScoredTree, b: int, node: int, margin: float) -> None:
    tree.node_raw_score[b, node] = margin


def backup_score(tree: Tree | ScoredTree, b: int, leaf: int) -> None:
    """Add the leaf's raw margin to every node from `leaf` up to ROOT (and to each
    parent's child statistics), flipping its sign wherever the player changes, as
    `distill.search.steps.backup` does with the value; nothing for a `Tree`."""
    if isinstance(tree, ScoredTree):
        _backup_score(tree, b, leaf)


@njit(cache=True)
def _backup_score(tree: ScoredTree, b: int, leaf: int) -> None:
    margin = float(tree.node_raw_score[b, leaf])
    node = leaf
    while True:
        tree.node_score_sum[b, node] += margin
        parent = tree.parents[b, node]
        if parent == UNVISITED:
            return
        margin *= child_sign(tree, b, parent, node)
        tree.children_score_sum[b, parent, tree.action_from_parent[b, node]] += margin
        node = parent


@overload(backup_score, inline="always")
def _backup_score_overload(tree, b, leaf):  # type: ignore[no-untyped-def]
    if not is_scored_type(tree):
        return lambda tree, b, leaf: None
    return lambda tree, b, leaf: _backup_score(tree, b, leaf)
