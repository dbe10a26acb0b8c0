"""Value targets and advantages from one finished (or capped) trajectory.

Inputs, for a trajectory of T decisions t = 0..T-1 (positions where a search ran):

* ``values float32[T]``: v_t, the search root value at t, from the view of the
  player to move at t.
* ``players int[T]``: p_t, the player to move at t (any ids; players need not
  alternate, e.g. a pass-twice rule or a game where one side moves twice).
* ``final_value: float`` and ``final_player: int``: the value of the state reached
  after the last decision, from the view of ``final_player``, the player to move
  there. For a game that ended it is the domain's terminal value
  (`Domain.terminal`); for a game cut at a move cap (truncated) it is the
  bootstrap value the caller chooses (the search value of that state, or 0 to
  score the cap as a draw).

Sign rule (two-player zero-sum, γ = 1): a value for player p seen by player p'
is multiplied by ``s = +1 if p == p' else -1``. Every output is from the view of
the player to move at its own index t.

Definitions (G_T := final_value from final_player's view, v_T := G_T):

* outcome z_t = s(p_t, final_player) * final_value
* λ-return (Sutton & Barto 2018, Sec. 12.1, with rewards only at the end):
  G_t = s_t * ((1 - λ) v_{t+1} + λ G_{t+1}), s_t = s(p_t, p_{t+1});
  λ = 1 gives z_t, λ = 0 gives s_t * v_{t+1} (the next search value seen from t).
* GAE (Schulman et al. 2016, arXiv:1506.02438, eq. 16):
  δ_t = s_t v_{t+1} - v_t, A_t = δ_t + λ s_t A_{t+1}; A_t = G_t - v_t exactly.
* multi-horizon short-term values (KataGo's auxiliary targets, Wu 2019,
  arXiv:1902.10565, App.): for horizon h, λ_h = 1 - 1/h and
  H_t = (1 - λ_h) v_t + λ_h s_t H_{t+1}, H_T = G_T, i.e. an exponentially
  weighted average of v_t, v_{t+1}, ... (mean lookahead ≈ h moves) whose tail
  mass falls on the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
from numba import njit

from distill.errors import ConfigError, ShapeError


@njit(cache=True)
def _backward(values, signs, final_value, lam, include_current):  # type: ignore[no-untyped-def]
    """out[t] = (1-λ) x_t + λ s_t out[t+1], out[T] = final, where x_t = v_t if
    include_current else s_t v_{t+1} (v_T = final). float64[T]."""
    n = values.shape[0]
    out = np.empty(n, dtype=np.float64)
    following = final_value  # G_{t+1}, from the view of the player at t+1
    next_value = final_value  # v_{t+1}
    for t in range(n - 1, -1, -1):
        if include_current:
            following = (1.0 - lam) * values[t] + lam * signs[t] * following
        else:
            following = signs[t] * ((1.0 - lam) * next_value + lam * following)
        out[t] = following
        next_value = values[t]
    return out


@njit(cache=True)
def _gae(values, signs, final_value, lam):  # type: ignore[no-untyped-def]
    """A_t = δ_t + λ s_t A_{t+1} with δ_t = s_t v_{t+1} - v_t, A_T = 0. float64[T]."""
    n = values.shape[0]
    out = np.empty(n, dtype=np.float64)
    advantage = 0.0
    next_value = final_value
    for t in range(n - 1, -1, -1):
        delta = signs[t] * next_value - values[t]
        advantage = delta + lam * signs[t] * advantage
        out[t] = advantage
        next_value = values[t]
    return out


def _checked(values: np.ndarray, players: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    v = np.asarray(values, dtype=np.float64)
    p = np.asarray(players, dtype=np.int64)
    if v.ndim != 1 or p.shape != v.shape:
        raise ShapeError(
            f"values and players must be 1-D of one length T, got {v.shape} and {p.shape}"
        )
    return v, p


def _check_lambda(lam: float, name: str = "lam") -> float:
    if not 0.0 <= lam <= 1.0:
        raise ConfigError(f"{name} must be in [0, 1], got {lam}")
    return float(lam)


def step_signs(players: np.ndarray, final_player: int) -> np.ndarray:
    """float64[T]: s_t = +1 if p_{t+1} == p_t else -1 (p_T = final_player)."""
    p = np.asarray(players, dtype=np.int64)
    following = np.append(p[1:], final_player)
    return np.where(following == p, 1.0, -1.0)


def outcome_targets(players: np.ndarray, final_value: float, final_player: int) -> np.ndarray:
    """float32[T]: z_t, the final value seen by the player to move at t."""
    p = np.asarray(players, dtype=np.int64)
    return np.where(p == final_player, final_value, -final_value).astype(np.float32)


def lambda_returns(
    values: np.ndarray, players: np.ndarray, final_value: float, final_player: int, lam: float
) -> np.ndarray:
    """float32[T]: λ-returns G_t over the search values (module doc); λ=1: z, λ=0: next v."""
    v, p = _checked(values, players)
    signs = step_signs(p, final_player)
    return _backward(v, signs, float(final_value), _check_lambda(lam), False).astype(np.float32)


def gae_advantages(
    values: np.ndarray, players: np.ndarray, final_value: float, final_player: int, lam: float
) -> np.ndarray:
    """float32[T]: GAE advantages A_t (γ = 1) with the search values as the baseline."""
    v, p = _checked(values, players)
    signs = step_signs(p, final_player)
    return _gae(v, signs, float(final_value), _check_lambda(lam)).astype(np.float32)


def multi_horizon_targets(
    values: np.ndarray,
    players: np.ndarray,
    final_value: float,
    final_player: int,
    horizons: tuple[float, ...],
) -> np.ndarray:
    """float32[T, K]: one exponentially weighted short-term value per horizon h >= 1.

    Column k uses λ = 1 - 1/h_k: weight (1-λ) λ^j on v_{t+j} (signed to t's view),
    remaining mass λ^(T-t) on the outcome. h = 1 gives v_t itself.
    """
    v, p = _checked(values, players)
    signs = step_signs(p, final_player)
    out = np.empty((v.shape[0], len(horizons)), dtype=np.float32)
    for k, h in enumerate(horizons):
        if h < 1:
            raise ConfigError(f"horizons must be >= 1 (moves), got {h}")
        out[:, k] = _backward(v, signs, float(final_value), 1.0 - 1.0 / h, True)
    return out


def mix_targets(outcome: np.ndarray, other: np.ndarray, alpha: float) -> np.ndarray:
    """float32[T]: α·outcome + (1-α)·other (e.g. α = 0.5, other = q gives (z + q) / 2)."""
    _check_lambda(alpha, "alpha")
    return (alpha * np.asarray(outcome) + (1.0 - alpha) * np.asarray(other)).astype(np.float32)


class ValueTargetSpec(Protocol):
    """Anything with these fields picks a value target and a policy loss
    (`ValueTargetConfig`, the recipe's ``credit`` section)."""

    @property
    def value_target(self) -> str: ...
    @property
    def z_weight(self) -> float: ...
    @property
    def td_lambda(self) -> float: ...
    @property
    def policy_loss(self) -> str: ...
    @property
    def gae_lambda(self) -> float: ...


POLICY_LOSSES = ("distill", "reinforce", "gae_actor_critic")


@dataclass(frozen=True)
class ValueTargetConfig:
    """Credit assignment: the value target the learner regresses and the policy loss
    (the recipe's ``credit`` section)."""

    value_target: Literal["z", "q", "mix", "lambda"] = "z"
    """``z``: outcome z_t; ``q``: search root value v_t; ``mix``: z_weight·z + (1 -
    z_weight)·q; ``lambda``: λ-return G^λ_t over the search values."""
    z_weight: float = 0.5
    """Weight of z in the ``mix`` target."""
    td_lambda: float = 0.8
    """λ of the ``lambda`` target (1 = z, 0 = the next search value)."""
    policy_loss: Literal["distill", "reinforce", "gae_actor_critic"] = "distill"
    """``distill``: cross-entropy to the search's policy target. ``reinforce``: -log π(a|s)
    · z, the played move weighted by the outcome from the mover's side (Williams 1992,
    no baseline). ``gae_actor_critic``: -log π(a|s) · A_t with the GAE advantages over the
    values recorded in self-play (`gae_advantages`, λ = `gae_lambda`). The two policy
    gradients learn from the move played, so pair them with ``selfplay.actor: policy``
    (on-policy); docs/design.md says why."""
    gae_lambda: float = 0.95
    """λ of the GAE advantages of ``gae_actor_critic`` (1: z - v_t, REINFORCE with the
    value as baseline; 0: the one-step TD error). Separate from `td_lambda`: one trades
    the value target's bias for variance, the other the advantage's."""
    entropy_bonus: float = 0.0
    """β >= 0: the policy loss gets -β · H(π), the mean entropy of the network's policy
    over legal moves (Mnih et al. 2016, A3C), which keeps an on-policy actor exploring."""

    def __post_init__(self) -> None:
        if self.value_target not in ("z", "q", "mix", "lambda"):
            raise ValueError(f"value_target must be z, q, mix or lambda, got {self.value_target!r}")
        if self.policy_loss not in POLICY_LOSSES:
            raise ValueError(
                f"policy_loss must be one of {', '.join(POLICY_LOSSES)}, got {self.policy_loss!r}"
            )
        if not self.entropy_bonus >= 0.0:
            raise ValueError(f"entropy_bonus must be >= 0, got {self.entropy_bonus}")
        _check_lambda(self.gae_lambda, "gae_lambda")
        if not (0.0 <= self.z_weight <= 1.0 and 0.0 <= self.td_lambda <= 1.0):
            raise ValueError(
                f"z_weight and td_lambda must be in [0, 1], got {self.z_weight}, {self.td_lambda}"
            )


def policy_advantages(
    values: np.ndarray,
    players: np.ndarray,
    final_value: float,
    final_player: int,
    *,
    policy_loss: str,
    gae_lambda: float,
) -> np.ndarray:
    """float32[T]: the weight of -log π(a_t|s_t) in the policy-gradient loss `policy_loss`.

    ``reinforce``: the return G_t = z_t (γ = 1, rewards only at the end), from the view of
    the player who moved at t. ``gae_actor_critic``: GAE's A_t over `values` (the critic,
    player to move at t). ``distill``: zeros (the distillation loss uses no advantage).
    """
    if policy_loss == "reinforce":
        return outcome_targets(players, final_value, final_player)
    if policy_loss == "gae_actor_critic":
        return gae_advantages(values, players, final_value, final_player, gae_lambda)
    if policy_loss == "distill":
        return np.zeros(np.asarray(players).shape[0], dtype=np.float32)
    raise ConfigError(f"policy_loss must be one of {', '.join(POLICY_LOSSES)}, got {policy_loss!r}")


def value_targets(
    values: np.ndarray,
    players: np.ndarray,
    final_value: float,
    final_player: int,
    spec: ValueTargetSpec,
) -> np.ndarray:
    """float32[T]: the value-head target chosen by `spec` (player to move at t)."""
    kind = spec.value_target
    if kind == "q":
        v, _ = _checked(values, players)
        return v.astype(np.float32)
    if kind == "lambda":
        return lambda_returns(values, players, final_value, final_player, spec.td_lambda)
    z = outcome_targets(players, final_value, final_player)
    if kind == "z":
        return z
    if kind == "mix":
        return mix_targets(z, np.asarray(values, dtype=np.float32), spec.z_weight)
    raise ConfigError(f"value_target must be z, q, mix or lambda, got {kind!r}")
