"""Guards the distill -> PettingZoo export (`distill.pettingzoo.pettingzoo_env`).

Every domain, of either tier, exported as an AEC env passes
``pettingzoo.test.api_test`` with no warnings beyond the ones PettingZoo's own
classic board games raise; rewards, terminations, truncation at ``max_moves``,
masks, illegal moves, ``render_mode="ansi"`` and seeding behave as documented.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from pettingzoo.test import api_test

import distill
from distill import registry
from distill.errors import DistillError, IllegalActionError
from distill.pettingzoo import DomainEnv, pettingzoo_env

#: api_test warnings that PettingZoo's own connect_four_v3 / tictactoe_v3 raise as well:
#: dict observations (the action_mask convention) and the empty board at the start.
EXPECTED_WARNINGS = (
    "Observation is not a NumPy array",
    "Observation space for each agent probably should be gymnasium.spaces.box",
    "Observation numpy array is all zeros.",
)

PETTINGZOO_IDS = ["pettingzoo:tictactoe_v3", "pettingzoo:connect_four_v3"]


@pytest.mark.parametrize("domain_id", registry.list_domains() + PETTINGZOO_IDS)
def test_every_domain_passes_the_pettingzoo_api_test(domain_id, capsys):
    domain = distill.make(domain_id)
    env = pettingzoo_env(domain, render_mode="ansi")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api_test(env, num_cycles=300)
    assert "Passed API test" in capsys.readouterr().out
    messages = {str(w.message) for w in caught}
    unexpected = {m for m in messages if not m.startswith(EXPECTED_WARNINGS)}
    assert not unexpected


def _tictactoe_env(**kwargs) -> DomainEnv:
    return pettingzoo_env("tictactoe", render_mode="ansi", **kwargs)


def test_spaces_and_agents():
    env = _tictactoe_env()
    env.reset()
    assert env.possible_agents == ["player_0", "player_1"] and env.agent_selection == "player_0"
    space = env.observation_spaces["player_1"]
    assert space["observation"].shape == (2, 3, 3) and space["observation"].dtype == np.float32
    assert space["action_mask"].shape == (9,) and space["action_mask"].dtype == np.int8
    assert env.action_spaces["player_0"].n == 9


def test_mask_belongs_to_the_agent_to_move():
    env = _tictactoe_env()
    env.reset()
    env.step(4)
    mover, waiter = env.observe("player_1"), env.observe("player_0")
    assert mover["action_mask"].tolist() == [1, 1, 1, 1, 0, 1, 1, 1, 1]
    assert not waiter["action_mask"].any()
    assert mover["observation"][1, 1, 1] == 1.0  # X's centre stone, seen by O as the opponent's


def test_win_rewards_and_the_end_of_the_game():
    env = _tictactoe_env()
    env.reset()
    for action in [0, 3, 1, 4, 2]:  # X takes the top row
        env.step(action)
    assert env.rewards == {"player_0": 1.0, "player_1": -1.0}
    assert all(env.terminations.values()) and not any(env.truncations.values())
    assert env.agent_selection == "player_1"
    _, reward, terminated, truncated, _ = env.last()
    assert (reward, terminated, truncated) == (-1.0, True, False)
    assert not env.observe("player_1")["action_mask"].any()
    env.step(None)
    _, reward, terminated, _, _ = env.last()
    assert env.agent_selection == "player_0" and (reward, terminated) == (1.0, True)
    env.step(None)
    assert env.agents == []


def test_draw_gives_zero_rewards():
    env = _tictactoe_env()
    env.reset()
    for action in [0, 1, 2, 4, 3, 5, 7, 6, 8]:
        env.step(action)
    assert all(env.terminations.values())
    assert env.rewards == {"player_0": 0.0, "player_1": 0.0}


def test_games_still_running_at_max_moves_are_truncated():
    base = distill.make("tictactoe")
    assert isinstance(base, distill.KernelDomain)
    short = dataclasses.replace(base, max_moves=3)
    env = pettingzoo_env(short)
    env.reset()
    for action in [0, 4, 8]:
        env.step(action)
    assert all(env.truncations.values()) and not any(env.terminations.values())
    assert env.rewards == {"player_0": 0.0, "player_1": 0.0}


def test_illegal_action_raises_and_changes_nothing():
    env = _tictactoe_env()
    env.reset()
    env.step(4)
    with pytest.raises(IllegalActionError, match="illegal action 5 at move 2"):
        env.step(4)
    with pytest.raises(IllegalActionError, match="step\\(None\\) but player_1 is to move"):
        env.step(None)
    assert env.agent_selection == "player_1" and env.position.history == [4]


def test_render_ansi_is_the_domains_picture():
    env = _tictactoe_env()
    env.reset()
    env.step(0)
    assert env.render() == "X . .\n. . .\n. . ."
    quiet = pettingzoo_env("tictactoe")
    quiet.reset()
    with pytest.warns(UserWarning, match="render_mode='ansi'"):
        assert quiet.render() is None
    with pytest.raises(DistillError, match="render_mode must be None or 'ansi'"):
        pettingzoo_env("tictactoe", render_mode="human")


def test_reset_seed_makes_action_sampling_reproducible():
    def sampled(seed: int) -> list[int]:
        env = pettingzoo_env("connect4")
        env.reset(seed=seed)
        moves = []
        for agent in env.agent_iter(12):
            observation, *_ = env.last()
            action = env.action_space(agent).sample(observation["action_mask"])
            moves.append(int(action))
            env.step(action)
        return moves

    assert sampled(7) == sampled(7)
    assert sampled(7) != sampled(8)


def test_python_tier_domains_export_too():
    env = pettingzoo_env("pettingzoo:connect_four_v3")
    env.reset()
    env.step(np.int32(3))  # numpy integers are accepted, as api_test checks
    assert env.observe("player_1")["observation"][1, 5, 3] == 1.0


def test_domain_kwargs_only_with_an_id():
    with pytest.raises(DistillError, match="domain kwargs given with a built domain"):
        pettingzoo_env(distill.make("tictactoe"), size=3)
    assert str(pettingzoo_env("tictactoe").unwrapped) == "distill_tictactoe"
