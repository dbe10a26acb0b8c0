"""Gumbel MuZero pieces (Danihelka et al. 2022, "Policy improvement by planning with Gumbel").

* `considered_visit_table`: the sequential-halving visit schedule at the root (section 3.2).
* `completed_q`: q-hat, visited actions keep their Q, unvisited ones get v_mix (appendix D,
  eq. 33), and sigma(q-hat) = (c_visit + max_b N(b)) * c_scale * q-hat (eq. 8).
* `improved_policy`: pi' = softmax(logits + sigma(completed q)) (eq. 11), the policy target.
* `interior_action`: deterministic non-root selection argmax_a pi'(a) - N(a) / (1 + sum_b N(b))
  (eq. 14).
* `root_action`: argmax of g(a) + logits(a) + sigma(q-hat(a)) over the considered actions whose
  visit count is the one the schedule asks for next (section 3.2, Algorithm 2).

Values here are in [-1, 1] from the perspective of the node's player; the paper assumes
q in [0, 1], so sigma is applied to (q + 1) / 2. With a score utility
(a `ScoredTree`, `distill.search.utility`), selection and the improved policy use q-hat
plus each action's utility (`utility_q`); `completed_q` itself stays the win/loss value.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from distill.logits import ILLEGAL_LOGIT
from distill.search.tree import ROOT, Params, Tree, has_scores
from distill.search.utility import child_score_utility


def considered_visit_table(max_considered: int, num_simulations: int) -> np.ndarray:
    """int32[max_considered + 1, max(num_simulations, 1)]: row m is the visit schedule for m
    considered actions: entry s is the visit count a root action must have to receive
    simulation s. Sequential halving: each of log2(m) phases splits its share of the budget
    evenly over the remaining actions, then keeps the better half (Danihelka et al. 3.2)."""
    width = max(num_simulations, 1)
    table = np.zeros((max_considered + 1, width), np.int32)
    for m in range(1, max_considered + 1):
        table[m] = _schedule(m, width)
    return table


def _schedule(num_considered: int, num_simulations: int) -> np.ndarray:
    if num_considered == 1:
        return np.arange(num_simulations, dtype=np.int32)
    phases = math.ceil(math.log2(num_considered))
    visits = [0] * num_considered
    sequence: list[int] = []
    remaining = num_considered
    while len(sequence) < num_simulations:
        per_action = max(1, num_simulations // (phases * remaining))
        for _ in range(per_action):
            for i in range(remaining):
                sequence.append(visits[i])
                visits[i] += 1
        remaining = max(2, remaining // 2)
    return np.asarray(sequence[:num_simulations], dtype=np.int32)


@njit(cache=True)
def node_prior(tree: Tree, b: int, node: int) -> np.ndarray:
    """float32[A]: the prior used for selection at `node` (the noisy root prior at ROOT)."""
    return tree.root_prior[b] if node == ROOT else tree.children_prior[b, node]


@njit(cache=True)
def child_visits_and_q(tree: Tree, b: int, node: int, a: int, virtual_loss: float) -> tuple:
    """(effective visits, Q for the player at `node`) of child a, virtual loss included.

    A pending leaf counts as a visit valued -virtual_loss for the chooser. (0, 0.0) if none.
    """
    pending = tree.children_virtual[b, node, a]
    visits = tree.children_visits[b, node, a] + pending
    if visits == 0:
        return 0, 0.0
    return visits, (tree.children_value_sum[b, node, a] - virtual_loss * pending) / visits


@njit(cache=True)
def completed_q(
    tree: Tree, b: int, node: int, params: Params, q_hat: np.ndarray, visits: np.ndarray
) -> None:
    """q_hat[a] := Q(a) if visited else v_mix; visits[a] := N(a). float64[A] / int64[A].

    v_mix = (v_hat + sum_b N(b) / sum_{b visited} pi(b) * sum_{a visited} pi(a) q(a))
            / (1 + sum_b N(b))                      (Danihelka et al. eq. 33)
    where v_hat is the node's own evaluator value and pi its prior.
    """
    prior = node_prior(tree, b, node)
    sum_visits = 0
    visited_prior = 0.0
    weighted_q = 0.0
    for a in range(q_hat.shape[0]):
        n, q = child_visits_and_q(tree, b, node, a, params.virtual_loss)
        visits[a] = n
        q_hat[a] = q
        if n > 0:
            sum_visits += n
            visited_prior += prior[a]
            weighted_q += prior[a] * q
    v_mix = float(tree.node_raw_value[b, node])
    if sum_visits > 0 and visited_prior > 0.0:
        v_mix = (v_mix + sum_visits * weighted_q / visited_prior) / (1.0 + sum_visits)
    for a in range(q_hat.shape[0]):
        if visits[a] == 0:
            q_hat[a] = v_mix


@njit(cache=True, inline="always")
def utility_q(
    tree: Tree, b: int, node: int, params: Params, q_hat: np.ndarray, visits: np.ndarray
) -> None:
    """`completed_q`, plus each action's score utility in a `ScoredTree`
    (`distill.search.utility.child_score_utility`: the mean margin of a visited child,
    the node's own for an unvisited one)."""
    completed_q(tree, b, node, params, q_hat, visits)
    if has_scores(tree):  # a constant of the tree's type: compiled away for a Tree
        _add_score_utility(tree, b, node, q_hat)


@njit(cache=True)
def _add_score_utility(tree: Tree, b: int, node: int, q_hat: np.ndarray) -> None:
    """q_hat[a] += `child_score_utility` for every action."""
    for a in range(q_hat.shape[0]):
        q_hat[a] += child_score_utility(tree, b, node, a)


@njit(cache=True)
def sigma(q_hat: np.ndarray, max_visits: int, params: Params) -> np.ndarray:
    """float64[A]: (c_visit + max_b N(b)) * c_scale * (q_hat + 1) / 2 (eq. 8, q mapped to [0,1])."""
    return (params.c_visit + max_visits) * params.c_scale * (q_hat + 1.0) * 0.5


@njit(cache=True)
def logits_of(prior: np.ndarray, legal: np.ndarray) -> np.ndarray:
    """float64[A]: log prior on legal actions (floored), -inf on illegal ones."""
    out = np.full(prior.shape[0], -np.inf)
    for a in range(prior.shape[0]):
        if legal[a]:
            out[a] = math.log(prior[a]) if prior[a] > 0.0 else ILLEGAL_LOGIT
    return out


@njit(cache=True)
def improved_policy(tree: Tree, b: int, node: int, params: Params, out: np.ndarray) -> None:
    """out[a] := pi'(a) = softmax(logits + sigma(q_hat))(a), 0 on illegal actions (eq. 11);
    q_hat with the score utility where the tree has scores (`utility_q`).

    Uses the evaluator prior without noise (children_prior), as the paper's target does.
    """
    num_actions = out.shape[0]
    q_hat = np.zeros(num_actions)
    visits = np.zeros(num_actions, np.int64)
    utility_q(tree, b, node, params, q_hat, visits)
    scores = logits_of(tree.children_prior[b, node], tree.legal[b, node])
    scores += sigma(q_hat, visits.max(), params)
    top = scores.max()
    total = 0.0
    for a in range(num_actions):
        out[a] = math.exp(scores[a] - top) if tree.legal[b, node, a] else 0.0
        total += out[a]
    for a in range(num_actions):
        out[a] /= total


@njit(cache=True)
def interior_action(tree: Tree, b: int, node: int, params: Params) -> int:
    """argmax_a pi'(a) - N(a) / (1 + sum_b N(b)) over legal actions (eq. 14)."""
    num_actions = tree.legal.shape[2]
    policy = np.zeros(num_actions)
    improved_policy(tree, b, node, params, policy)
    total = 0
    counts = np.zeros(num_actions, np.int64)
    for a in range(num_actions):
        counts[a], _ = child_visits_and_q(tree, b, node, a, params.virtual_loss)
        total += counts[a]
    best, best_score = -1, -np.inf
    for a in range(num_actions):
        if tree.legal[b, node, a]:
            score = policy[a] - counts[a] / (1.0 + total)
            if score > best_score:
                best, best_score = a, score
    return best


@njit(cache=True)
def root_scores(tree: Tree, b: int, params: Params) -> tuple:
    """(g + logits + sigma(q_hat) float64[A], visits int64[A]) at game b's root."""
    num_actions = tree.legal.shape[2]
    q_hat = np.zeros(num_actions)
    visits = np.zeros(num_actions, np.int64)
    utility_q(tree, b, ROOT, params, q_hat, visits)
    scores = logits_of(tree.children_prior[b, ROOT], tree.legal[b, ROOT])
    scores += tree.root_gumbel[b] + sigma(q_hat, visits.max(), params)
    return scores, visits


@njit(cache=True)
def root_action(tree: Tree, b: int, params: Params, schedule: np.ndarray) -> int:
    """The considered root action due for the next simulation under sequential halving.

    schedule: int32[S], the row of `considered_visit_table` for this root's m. Among the
    considered actions with exactly the scheduled visit count, take the best score; if none
    matches (possible with virtual loss), the best among the least visited.
    """
    scores, visits = root_scores(tree, b, params)
    step = min(int(visits.sum()), schedule.shape[0] - 1)
    wanted = schedule[step]
    fewest = visits.max()
    matched = False
    for a in range(scores.shape[0]):
        if tree.root_considered[b, a]:
            fewest = min(fewest, visits[a])
            matched = matched or visits[a] == wanted
    if not matched:
        wanted = fewest
    best, best_score = -1, -np.inf
    for a in range(scores.shape[0]):
        if tree.root_considered[b, a] and visits[a] == wanted and scores[a] > best_score:
            best, best_score = a, scores[a]
    return best


@njit(cache=True)
def final_action(tree: Tree, b: int, params: Params) -> int:
    """The move to play: argmax of g + logits + sigma(q_hat) over the considered actions that
    survived sequential halving (those with the most visits)."""
    scores, visits = root_scores(tree, b, params)
    most = -1
    for a in range(scores.shape[0]):
        if tree.root_considered[b, a]:
            most = max(most, visits[a])
    best, best_score = -1, -np.inf
    for a in range(scores.shape[0]):
        if tree.root_considered[b, a] and visits[a] == most and scores[a] > best_score:
            best, best_score = a, scores[a]
    return best
