"""Root preparation before simulations (noise) and the root statistics read after them.

Noise is drawn with the caller's numpy Generator in Python, so the jitted and the
Python-orchestrated paths consume the rng identically and build identical trees.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from distill.logits import ILLEGAL_LOGIT
from distill.search.gumbel import completed_q, final_action, improved_policy
from distill.search.steps import node_mean_value
from distill.search.tree import ROOT, Params, Tree, has_scores
from distill.search.utility import child_score_utility


def dirichlet_root_prior(
    tree: Tree, rng: np.random.Generator, *, alpha: float, fraction: float, add_noise: bool
) -> None:
    """root_prior := (1 - fraction) * prior + fraction * Dirichlet(alpha) on legal actions
    (AlphaZero, "Mastering chess and shogi by self-play", Methods). Consumes the rng once
    per game with a legal move, in game order; without noise root_prior := prior."""
    tree.root_prior[:] = tree.children_prior[:, ROOT]
    if not add_noise or fraction == 0.0:
        return
    for b in range(tree.root_prior.shape[0]):
        legal = np.flatnonzero(tree.legal[b, ROOT])
        noise = rng.dirichlet(np.full(legal.shape[0], alpha))
        row = tree.root_prior[b]
        row[legal] = (1.0 - fraction) * row[legal] + fraction * noise


def gumbel_root(
    tree: Tree, rng: np.random.Generator, *, num_considered: int, add_noise: bool
) -> None:
    """Draw g ~ Gumbel(0, 1) per action (0 without noise) and mark the m = min(num_considered,
    legal moves) actions with the largest g + logits as considered: Gumbel-top-k sampling
    without replacement (Danihelka et al. 2022, section 2 / Algorithm 1)."""
    tree.root_prior[:] = tree.children_prior[:, ROOT]
    batch, num_actions = tree.root_prior.shape
    gumbel = rng.gumbel(size=(batch, num_actions)) if add_noise else np.zeros((batch, num_actions))
    tree.root_gumbel[:] = gumbel
    tree.root_considered[:] = False
    for b in range(batch):
        legal = tree.legal[b, ROOT]
        with np.errstate(divide="ignore"):
            scores = np.where(legal, gumbel[b] + np.log(tree.children_prior[b, ROOT]), -np.inf)
        scores = np.where(legal & np.isneginf(scores), ILLEGAL_LOGIT, scores)  # underflowed priors
        m = min(num_considered, int(legal.sum()))
        order = np.argsort(-scores, kind="stable")
        tree.root_considered[b, order[:m]] = True


def gumbel_schedules(tree: Tree, table: np.ndarray) -> np.ndarray:
    """int32[B, S]: each root's row of the sequential-halving table (m = considered count)."""
    return table[tree.root_considered.sum(axis=1)]


@njit(cache=True)
def root_statistics(
    tree: Tree,
    params: Params,
    visit_counts: np.ndarray,
    q_values: np.ndarray,
    policy_target: np.ndarray,
    root_value: np.ndarray,
    gumbel_action: np.ndarray,
) -> None:
    """Fill the [B, A] / [B] outputs of `SearchResult` from the trees (see its docstring)."""
    num_actions = visit_counts.shape[1]
    q_hat = np.zeros(num_actions)
    visits = np.zeros(num_actions, np.int64)
    for b in range(visit_counts.shape[0]):
        completed_q(tree, b, ROOT, params, q_hat, visits)
        total = visits.sum()
        for a in range(num_actions):
            legal = tree.legal[b, ROOT, a]
            visit_counts[b, a] = visits[a]
            q_values[b, a] = q_hat[a] if legal else 0.0
            if not params.gumbel:
                policy_target[b, a] = (
                    visits[a] / total if total > 0 else (tree.children_prior[b, ROOT, a])
                )
        if params.forced_k > 0.0 and total > 0:
            pruned_policy_target(tree, b, params, visits, policy_target[b])
        if params.gumbel:
            improved_policy(tree, b, ROOT, params, policy_target[b])
            gumbel_action[b] = final_action(tree, b, params)
            root_value[b] = improved_value(policy_target[b], q_hat, tree.legal[b, ROOT])
        else:
            root_value[b] = node_mean_value(tree, b, ROOT)


@njit(cache=True)
def pruned_policy_target(
    tree: Tree, b: int, params: Params, visits: np.ndarray, out: np.ndarray
) -> None:
    """out[A] := the root visits of game b (int64[A]) after KataGo's policy-target pruning,
    normalized (Wu 2019, arXiv:1902.10565, sec. 3.2).

    c* = the most visited child (lowest index on ties). Every other visited child c gives
    back visits one at a time, at most n_forced(c) = sqrt(k P(c) sum_b N(b)) of them, while
    its PUCT value Q(c) + U(c) with the reduced count stays below c*'s (U with the root's
    full visit count and the noised root prior the search used). Children left with one
    visit or none are dropped. The visit counts themselves (and the move played) stay.
    """
    best = int(np.argmax(visits))
    parent_visits = tree.node_visits[b, ROOT]
    exploration = math.log((parent_visits + params.c_base + 1.0) / params.c_base) + params.c_init
    exploration *= math.sqrt(parent_visits)
    total = visits.sum()
    best_score = _puct_value(tree, b, params, best, visits[best], exploration)
    kept = 0.0
    for a in range(visits.shape[0]):
        count = visits[a]
        if a != best and count > 0:
            limit = count - math.sqrt(params.forced_k * tree.root_prior[b, a] * total)
            while count - 1 >= limit and count > 0:
                if _puct_value(tree, b, params, a, count - 1, exploration) >= best_score:
                    break
                count -= 1
            if count <= 1:
                count = 0
        out[a] = count
        kept += count
    for a in range(visits.shape[0]):
        out[a] /= kept


@njit(cache=True, inline="always")
def _puct_value(
    tree: Tree, b: int, params: Params, action: int, count: int, exploration: float
) -> float:
    """Q(a) + U(a) of root child `action` as if it had `count` visits (Q its true mean,
    plus its score utility in a `ScoredTree`, as the selection saw it)."""
    q = tree.children_value_sum[b, ROOT, action] / tree.children_visits[b, ROOT, action]
    if has_scores(tree):
        q += child_score_utility(tree, b, ROOT, action)
    return q + exploration * tree.root_prior[b, action] / (1.0 + count)


@njit(cache=True)
def improved_value(policy: np.ndarray, q_hat: np.ndarray, legal: np.ndarray) -> float:
    """sum_a pi'(a) q_hat(a) over legal a: the value of playing the improved policy.

    Gumbel's root value. Sequential halving spreads its visits over all considered
    actions on purpose, so the root's mean backed-up value averages in moves the
    search has already rejected; with 16 simulations over 7 moves it sits well below
    the best move's value and is a biased training target. The improved policy's
    expected completed Q is the value the search actually vouches for.
    """
    total = 0.0
    for a in range(policy.shape[0]):
        if legal[a]:
            total += policy[a] * q_hat[a]
    return total


def choose_by_visits(
    visit_counts: np.ndarray,
    q_values: np.ndarray,
    temperature: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """int64[B]: the move of each row from its root visit counts N(a) (int32[B, A]).

    temperature: float64[B], >= 0. Where it is > 0 the move is sampled with probability
    ∝ N(a)^(1/temperature) (AlphaZero, Silver et al. 2017, "Self-play"); where it is 0
    (or no action was visited) the most visited action is played, ties broken by higher
    Q (q_values float32[B, A]), then lower index. The one move choice of every PUCT
    search: self-play's opening moves, arena players, analysis. Consumes one uniform
    draw per sampled row, in row order (none if no row samples).
    """
    key = visit_counts.astype(np.float64) * 4.0 + (q_values + 1.0)  # q in [-1, 1] < 4
    moves = np.argmax(key, axis=1).astype(np.int64)
    counts = visit_counts.astype(np.float64)
    rows = np.flatnonzero((temperature > 0.0) & (counts.max(axis=1) > 0))
    if rows.size == 0:
        return moves
    counts = counts[rows] / counts[rows].max(axis=1, keepdims=True)  # no overflow of N^(1/T)
    weights = counts ** (1.0 / temperature[rows, None])
    weights /= weights.sum(axis=1, keepdims=True)
    uniform = np.asarray(rng.random(rows.size))
    picks = (np.cumsum(weights, axis=1) < uniform[:, None]).sum(axis=1)
    last_positive = counts.shape[1] - 1 - np.argmax(weights[:, ::-1] > 0, axis=1)
    moves[rows] = np.minimum(picks, last_positive)  # guards cumsum rounding below 1
    return moves
