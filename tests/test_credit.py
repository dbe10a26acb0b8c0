"""Guards `distill.credit`: value targets and advantages against hand-computed trajectories.

Every expected number below is worked out by hand in the comments, from the
definitions in `distill.credit.targets` (values from the view of the player to
move at each step; γ = 1).
"""

from __future__ import annotations

import numpy as np
import pytest

from distill.credit import (
    ValueTargetConfig,
    gae_advantages,
    lambda_returns,
    mix_targets,
    multi_horizon_targets,
    outcome_targets,
    step_signs,
    value_targets,
)
from distill.errors import ConfigError, ShapeError

# Alternating game: players 0, 1, 0, 1 then player 0 to move at the end and lost
# (final_value -1 for player 0), so player 1 won.
ALT_VALUES = np.array([0.2, -0.4, 0.6, -0.8])
ALT_PLAYERS = np.array([0, 1, 0, 1])
ALT_FINAL = (-1.0, 0)


def test_outcome_signs_alternate():
    # z_t = +final for player 0, -final for player 1.
    np.testing.assert_allclose(outcome_targets(ALT_PLAYERS, *ALT_FINAL), [-1, 1, -1, 1])


def test_lambda_zero_is_next_search_value_seen_by_the_mover():
    # G_t = -v_{t+1}: 0.4, -0.6, 0.8; last step: -(final for player 0) = 1.
    g = lambda_returns(ALT_VALUES, ALT_PLAYERS, *ALT_FINAL, lam=0.0)
    np.testing.assert_allclose(g, [0.4, -0.6, 0.8, 1.0], atol=1e-6)


def test_lambda_one_is_outcome():
    g = lambda_returns(ALT_VALUES, ALT_PLAYERS, *ALT_FINAL, lam=1.0)
    np.testing.assert_allclose(g, outcome_targets(ALT_PLAYERS, *ALT_FINAL))


def test_lambda_half_by_hand():
    # G_3 = -(0.5*(-1) + 0.5*(-1)) = 1
    # G_2 = -(0.5*(-0.8) + 0.5*1) = -0.1
    # G_1 = -(0.5*0.6 + 0.5*(-0.1)) = -0.25
    # G_0 = -(0.5*(-0.4) + 0.5*(-0.25)) = 0.325
    g = lambda_returns(ALT_VALUES, ALT_PLAYERS, *ALT_FINAL, lam=0.5)
    np.testing.assert_allclose(g, [0.325, -0.25, -0.1, 1.0], atol=1e-6)


def test_gae_by_hand_and_equals_return_minus_value():
    # δ_3 = -(-1) - (-0.8) = 1.8, A_3 = 1.8
    # δ_2 = -(-0.8) - 0.6 = 0.2, A_2 = 0.2 + 0.5*(-1)*1.8 = -0.7
    # A_t = G_t - v_t for the rest: 0.325-0.2 = 0.125, -0.25+0.4 = 0.15
    a = gae_advantages(ALT_VALUES, ALT_PLAYERS, *ALT_FINAL, lam=0.5)
    np.testing.assert_allclose(a, [0.125, 0.15, -0.7, 1.8], atol=1e-6)
    for lam in (0.0, 0.3, 1.0):
        g = lambda_returns(ALT_VALUES, ALT_PLAYERS, *ALT_FINAL, lam=lam)
        a = gae_advantages(ALT_VALUES, ALT_PLAYERS, *ALT_FINAL, lam=lam)
        np.testing.assert_allclose(a, g - ALT_VALUES, atol=1e-6)


def test_same_player_moves_twice():
    # Players 0, 0, 1; player 0 to move at the end with value +1.
    # signs: s_0 = +1 (0 -> 0), s_1 = -1 (0 -> 1), s_2 = -1 (1 -> 0).
    values, players = np.array([0.5, 0.3, -0.2]), np.array([0, 0, 1])
    np.testing.assert_allclose(step_signs(players, 0), [1, -1, -1])
    np.testing.assert_allclose(outcome_targets(players, 1.0, 0), [1, 1, -1])
    # λ = 0: G_0 = +v_1 = 0.3, G_1 = -v_2 = 0.2, G_2 = -final = -1.
    g0 = lambda_returns(values, players, 1.0, 0, lam=0.0)
    np.testing.assert_allclose(g0, [0.3, 0.2, -1.0], atol=1e-6)
    # λ = 0.5: G_2 = -1; G_1 = -(0.5*(-0.2) + 0.5*(-1)) = 0.6; G_0 = 0.5*0.3 + 0.5*0.6 = 0.45.
    g5 = lambda_returns(values, players, 1.0, 0, lam=0.5)
    np.testing.assert_allclose(g5, [0.45, 0.6, -1.0], atol=1e-6)
    # GAE, λ = 0.5: δ_2 = s_2·final - v_2 = -1 + 0.2 = -0.8, A_2 = -0.8;
    # δ_1 = s_1·v_2 - v_1 = 0.2 - 0.3 = -0.1, A_1 = -0.1 + 0.5·(-1)·(-0.8) = 0.3;
    # δ_0 = s_0·v_1 - v_0 = 0.3 - 0.5 = -0.2, A_0 = -0.2 + 0.5·(+1)·0.3 = -0.05.
    a5 = gae_advantages(values, players, 1.0, 0, lam=0.5)
    np.testing.assert_allclose(a5, [-0.05, 0.3, -0.8], atol=1e-6)
    np.testing.assert_allclose(a5, g5 - values, atol=1e-6)  # A_t = G_t - v_t


def test_draw():
    # A drawn game: z = 0 everywhere; λ = 0.5 on values 0.1, 0.2 (players 0, 1):
    # G_1 = -(0.5*0 + 0.5*0) = 0, G_0 = -(0.5*0.2 + 0.5*0) = -0.1.
    values, players = np.array([0.1, 0.2]), np.array([0, 1])
    np.testing.assert_allclose(outcome_targets(players, 0.0, 0), [0, 0])
    np.testing.assert_allclose(lambda_returns(values, players, 0.0, 0, 0.5), [-0.1, 0.0], atol=1e-6)


def test_truncated_game_bootstraps_from_final_value():
    # Capped after 3 moves with player 1 to move; bootstrap value 0.5 for player 1.
    values, players = np.array([0.1, 0.2, 0.3]), np.array([0, 1, 0])
    np.testing.assert_allclose(outcome_targets(players, 0.5, 1), [-0.5, 0.5, -0.5])
    # λ = 0: -v_1, -v_2, -(0.5) = -0.2, -0.3, -0.5
    np.testing.assert_allclose(
        lambda_returns(values, players, 0.5, 1, 0.0), [-0.2, -0.3, -0.5], atol=1e-6
    )


def test_multi_horizon_by_hand():
    # h = 2 -> λ = 0.5 on players 0, 1; values 0.2, -0.4; player 0 lost (-1).
    # H_2 = -1 (player 0); H_1 = 0.5*(-0.4) + 0.5*(-1)*(-1) = 0.3;
    # H_0 = 0.5*0.2 + 0.5*(-1)*0.3 = -0.05.   h = 1 gives the values themselves.
    values, players = np.array([0.2, -0.4]), np.array([0, 1])
    out = multi_horizon_targets(values, players, -1.0, 0, horizons=(2.0, 1.0, 1e9))
    assert out.shape == (2, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[:, 0], [-0.05, 0.3], atol=1e-6)
    np.testing.assert_allclose(out[:, 1], values, atol=1e-6)
    np.testing.assert_allclose(out[:, 2], outcome_targets(players, -1.0, 0), atol=1e-6)


def test_mix_and_value_target_kinds():
    z = outcome_targets(ALT_PLAYERS, *ALT_FINAL)
    np.testing.assert_allclose(mix_targets(z, ALT_VALUES, 0.5), (z + ALT_VALUES) / 2, atol=1e-6)
    args = (ALT_VALUES, ALT_PLAYERS, *ALT_FINAL)
    np.testing.assert_allclose(value_targets(*args, ValueTargetConfig("z")), z)
    np.testing.assert_allclose(value_targets(*args, ValueTargetConfig("q")), ALT_VALUES, atol=1e-6)
    np.testing.assert_allclose(
        value_targets(*args, ValueTargetConfig("mix", z_weight=0.25)),
        0.25 * z + 0.75 * ALT_VALUES,
        atol=1e-6,
    )
    np.testing.assert_allclose(
        value_targets(*args, ValueTargetConfig("lambda", td_lambda=0.5)),
        [0.325, -0.25, -0.1, 1.0],
        atol=1e-6,
    )


def test_bad_inputs_raise_named_errors():
    with pytest.raises(ConfigError, match="lam"):
        lambda_returns(ALT_VALUES, ALT_PLAYERS, *ALT_FINAL, lam=1.5)
    with pytest.raises(ShapeError, match="values and players"):
        lambda_returns(ALT_VALUES, ALT_PLAYERS[:3], *ALT_FINAL, lam=0.5)
    with pytest.raises(ValueError, match="td_lambda"):
        ValueTargetConfig("lambda", td_lambda=2.0)
