"""Credit assignment: value targets (z, q, λ-returns, mixes, multi-horizon) and the
policy-gradient advantages (REINFORCE returns, GAE).

Pure numpy / ``@njit`` functions of one trajectory; see `distill.credit.targets`
for the exact definitions and the sign convention.
"""

from __future__ import annotations

from distill.credit.targets import (
    ValueTargetConfig,
    ValueTargetSpec,
    gae_advantages,
    lambda_returns,
    mix_targets,
    multi_horizon_targets,
    outcome_targets,
    policy_advantages,
    step_signs,
    value_targets,
)

__all__ = [
    "ValueTargetConfig",
    "ValueTargetSpec",
    "gae_advantages",
    "lambda_returns",
    "mix_targets",
    "multi_horizon_targets",
    "outcome_targets",
    "policy_advantages",
    "step_signs",
    "value_targets",
]
