"""Typed, frozen configuration of a search and the result it returns.

`SearchConfig` is validated on construction (a bad value raises `ConfigError`
naming the field); derived values (`max_nodes`) are computed in one visible
place, `SearchConfig.node_capacity`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from distill.errors import ConfigError

ALGORITHMS = ("puct", "gumbel")


@dataclass(frozen=True)
class SearchConfig:
    """How to search. Defaults follow the cited papers; every field is keyword-settable."""

    algorithm: Literal["puct", "gumbel"] = "puct"
    """Root and interior selection: "puct" (AlphaZero) or "gumbel" (Gumbel MuZero,
    Danihelka et al. 2022: Gumbel-top-k + sequential halving at the root)."""

    num_simulations: int = 200
    """Leaf evaluations per `Searcher.run` (the root's own evaluation not counted)."""

    max_nodes: int | None = None
    """Nodes per tree. None: derived by `node_capacity` (simulations + 1, doubled with
    tree reuse so a kept subtree plus a new search always fits)."""

    c_base: float = 19652.0
    """PUCT exploration base (AlphaZero pseudocode, `ucb_score`)."""

    c_init: float = 1.25
    """PUCT exploration constant at zero visits (AlphaZero pseudocode)."""

    fpu_reduction: float = 0.2
    """First-play urgency: an unvisited child is valued at the parent's mean value minus
    this (Leela Zero / KataGo style; KataGo's fpuReductionMax is 0.2). 0 = parent value."""

    dirichlet_alpha: float = 0.3
    """Dirichlet concentration of the root noise (AlphaZero: 0.3 chess, 0.03 Go; scale
    roughly as 10 / typical number of legal moves)."""

    dirichlet_fraction: float = 0.25
    """Root prior := (1 - fraction) * prior + fraction * Dirichlet(alpha) (AlphaZero)."""

    gumbel_num_considered: int = 16
    """m: actions sampled without replacement by Gumbel-top-k at the root (paper: 16)."""

    gumbel_c_visit: float = 50.0
    """c_visit in sigma(q) = (c_visit + max_b N(b)) * c_scale * q (Danihelka et al. eq. 8)."""

    gumbel_c_scale: float = 1.0
    """c_scale in sigma(q) (Danihelka et al. eq. 8; 1.0 for board games)."""

    leaves_per_step: int = 1
    """Leaves gathered per tree per evaluator call; > 1 uses virtual loss to spread them."""

    virtual_loss: float = 1.0
    """Each pending leaf below a child counts as one visit of value -virtual_loss for the
    player choosing that child (Chaslot et al. 2008, "Parallel Monte-Carlo Tree Search")."""

    reuse_tree: bool = True
    """Keep the chosen child's subtree between moves (`Searcher.advance`). With Gumbel, the
    kept root visits count toward the sequential-halving schedule (halving resumes where
    the counts stand); set False for the paper's from-scratch root search."""

    forced_playouts: bool = False
    """KataGo's forced playouts with policy-target pruning (Wu 2019, arXiv:1902.10565,
    sec. 3.2), PUCT only and only in searches with root noise (self-play): a root child c
    with N(c) < sqrt(forced_k * P(c) * sum_b N(b)) is selected first, and the policy target
    then takes those forced visits back from every child but the most visited one wherever
    they did not raise its PUCT value above the best child's (`distill.search.root`)."""

    forced_k: float = 2.0
    """k in n_forced(c) = sqrt(k P(c) sum_b N(b)) (KataGo: k = 2)."""

    score_utility_static: float = 0.0
    """Weight of KataGo's static score utility (Wu 2019, sec. 4.1;
    `distill.search.utility`): selection adds static * (2/pi) atan(margin / scale) to
    each child's Q, margin = its mean expected score for the player choosing. Needs an
    evaluator with a score (`Searcher`: ``evaluate_scored``). 0 = off (KataGo: 0.1)."""

    score_utility_dynamic: float = 0.0
    """Weight of the dynamic score utility: as the static one, with the margin measured
    from the root's expected margin at the start of the search. 0 = off (KataGo: 0.3)."""

    score_utility_scale: float = 10.0
    """Points: the margin at which each utility term reaches half its weight (a choice
    here, of the order of a 9x9 board's side)."""

    @property
    def uses_score_utility(self) -> bool:
        """True when either score utility term is on (the tree then backs up margins)."""
        return self.score_utility_static > 0 or self.score_utility_dynamic > 0

    def __post_init__(self) -> None:
        if self.algorithm not in ALGORITHMS:
            raise ConfigError(
                f"SearchConfig.algorithm must be one of {ALGORITHMS}, got {self.algorithm!r}"
            )
        _positive_int(self, "num_simulations")
        _positive_int(self, "leaves_per_step")
        _positive_int(self, "gumbel_num_considered")
        if self.max_nodes is not None and self.max_nodes < self.num_simulations + 1:
            raise ConfigError(
                f"SearchConfig.max_nodes must be >= num_simulations + 1 = "
                f"{self.num_simulations + 1}, got {self.max_nodes}"
            )
        for name in ("c_base", "dirichlet_alpha", "gumbel_c_scale", "score_utility_scale"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"SearchConfig.{name} must be > 0, got {getattr(self, name)}")
        for name in (
            "c_init",
            "fpu_reduction",
            "gumbel_c_visit",
            "virtual_loss",
            "score_utility_static",
            "score_utility_dynamic",
        ):
            if not getattr(self, name) >= 0:
                raise ConfigError(f"SearchConfig.{name} must be >= 0, got {getattr(self, name)}")
        if not self.forced_k > 0:
            raise ConfigError(f"SearchConfig.forced_k must be > 0, got {self.forced_k}")
        if self.forced_playouts and self.algorithm != "puct":
            raise ConfigError(
                "SearchConfig.forced_playouts applies to algorithm 'puct' only (Gumbel's "
                "sequential halving already spreads the root visits)"
            )
        if not 0.0 <= self.dirichlet_fraction <= 1.0:
            raise ConfigError(
                f"SearchConfig.dirichlet_fraction must be in [0, 1], got {self.dirichlet_fraction}"
            )

    @property
    def node_capacity(self) -> int:
        """N, nodes per tree: `max_nodes`, or num_simulations + 1 (x2 with tree reuse)."""
        if self.max_nodes is not None:
            return self.max_nodes
        fresh = self.num_simulations + 1
        return 2 * fresh if self.reuse_tree else fresh


def _positive_int(config: SearchConfig, name: str) -> None:
    value = getattr(config, name)
    if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"SearchConfig.{name} must be a positive int, got {value!r}")


@dataclass(frozen=True)
class SearchResult:
    """What one `Searcher.run` found, per game b. Values are for the player to move at the root.

    Attributes:
        visit_counts: int32[B, A], root child visits N(a).
        policy_target: float32[B, A], rows sum to 1 over legal actions: N(a)/sum N for PUCT,
            the completed-Q improved policy softmax(logits + sigma(q_hat)) for Gumbel.
        root_value: float32[B], the root's value: its mean backed-up value for PUCT; for
            Gumbel sum_a policy_target(a) * q_values(a), the improved policy's value.
        q_values: float32[B, A], mean value of each child for the root player; unvisited legal
            actions hold the completed value v_mix (Danihelka et al. eq. 33), illegal ones 0.
        prior: float32[B, A], the evaluator's prior at the root, before noise.
        action: int64[B], the move to play: for PUCT sampled at the `Searcher.run`
            temperature or, at temperature 0, the most visited action; for Gumbel the
            sequential-halving winner.
    """

    visit_counts: np.ndarray
    policy_target: np.ndarray
    root_value: np.ndarray
    q_values: np.ndarray
    prior: np.ndarray
    action: np.ndarray
