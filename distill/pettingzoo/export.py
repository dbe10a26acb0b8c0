"""Every distill domain as a PettingZoo AEC env (``distill.pettingzoo_env("connect4")``).

The env plays one game through a `distill.domain.Position`, so it works for both
tiers, and passes ``pettingzoo.test.api_test``:

* agents ``player_0`` (distill player 0, who moves first) and ``player_1``;
* observation ``Dict(observation=Box(low, high, [C, H, W], float32),
  action_mask=Box(0, 1, [A], int8))``. The planes are the domain's encoding from
  the view of the player to move (the AlphaZero convention distill trains on),
  whichever agent asks; the action mask is all zeros for the agent not to move
  and once the game is over;
* rewards +1 / -1 to the winner / loser when the game ends, 0 for a draw and
  before the end (the terminal value, for the player to move, sets the sign);
* a game still running after ``domain.max_moves`` actions is truncated;
* an illegal action raises `distill.errors.IllegalActionError` (it does not end
  the game with a penalty, as PettingZoo classic envs do);
* ``render_mode="ansi"``: ``render()`` returns the domain's text picture;
* ``reset(seed=...)`` seeds the action spaces (the games themselves are deterministic).
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from pettingzoo import AECEnv
from pettingzoo.utils import AgentSelector

from distill.domain import Domain, Position
from distill.errors import DistillError, IllegalActionError

AGENTS = ("player_0", "player_1")


class DomainEnv(AECEnv):  # type: ignore[misc]
    """A distill domain as a PettingZoo AEC env (see the module docstring for the contract)."""

    #: PettingZoo's class-level metadata; each instance gets a copy naming its domain.
    metadata: dict[str, Any] = {"render_modes": ["ansi"], "is_parallelizable": False}  # noqa: RUF012

    def __init__(
        self,
        domain: Domain,
        *,
        render_mode: str | None = None,
        obs_bounds: tuple[float, float] | None = None,
    ) -> None:
        super().__init__()
        if render_mode not in (None, "ansi"):
            raise DistillError(f"{domain.name}: render_mode must be None or 'ansi'")
        self.domain = domain
        self.render_mode = render_mode
        self.metadata = {**DomainEnv.metadata, "name": f"distill_{domain.name}"}
        self.possible_agents = list(AGENTS)
        self.agents = list(AGENTS)
        low, high = obs_bounds or getattr(domain, "obs_bounds", None) or (0.0, 1.0)
        board = spaces.Box(low, high, domain.obs_shape, np.float32)
        mask = spaces.Box(0, 1, (domain.num_actions,), np.int8)
        self.observation_spaces = {
            a: spaces.Dict({"observation": board, "action_mask": mask}) for a in AGENTS
        }
        self.action_spaces = {a: spaces.Discrete(domain.num_actions) for a in AGENTS}
        self.position = Position(domain)
        self._agent_selector = AgentSelector(self.agents)  # kept for wrappers that read it
        self._start_episode()

    def observation_space(self, agent: str) -> spaces.Space:
        return self.observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.Space:
        return self.action_spaces[agent]

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None) -> None:
        """Start a new game; `seed` seeds the action spaces (for their `sample`)."""
        if seed is not None:
            for index, agent in enumerate(AGENTS):
                self.action_spaces[agent].seed(seed + index)
        self.position = Position(self.domain)
        self._start_episode()

    def _start_episode(self) -> None:
        self.agents = list(AGENTS)
        self.rewards = dict.fromkeys(AGENTS, 0.0)
        self._cumulative_rewards = dict.fromkeys(AGENTS, 0.0)
        self.terminations = dict.fromkeys(AGENTS, False)
        self.truncations = dict.fromkeys(AGENTS, False)
        self.infos: dict[str, dict[str, Any]] = {a: {} for a in AGENTS}
        self.agent_selection = AGENTS[self.position.to_play]

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        """{observation: float32[C, H, W] (view of the player to move), action_mask: int8[A]}."""
        mask = np.zeros(self.domain.num_actions, dtype=np.int8)
        if agent == self.agent_selection and not self.position.is_over:
            mask[self.position.legal_mask()] = 1
        return {"observation": self.position.observe(), "action_mask": mask}

    def step(self, action: Any) -> None:
        """Play `action` for the agent to move (None once it is terminated or truncated)."""
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        if action is None:
            raise IllegalActionError(f"{self.domain.name}: step(None) but {agent} is to move")
        self._cumulative_rewards[agent] = 0.0
        self.position.play(int(action))
        self.rewards = dict.fromkeys(AGENTS, 0.0)
        mover = AGENTS[self.position.to_play]
        if self.position.is_over:
            value = self.position.value  # for `mover`, the player to move at the end
            self.rewards[mover] = float(np.sign(value))
            self.rewards[_other(mover)] = -float(np.sign(value))
            self.terminations = dict.fromkeys(AGENTS, True)
        elif len(self.position.history) >= self.domain.max_moves:
            self.truncations = dict.fromkeys(AGENTS, True)
        self.agent_selection = mover
        self._accumulate_rewards()

    def render(self) -> str | None:
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without render_mode='ansi'")
            return None
        return str(self.position)

    def close(self) -> None:
        """Nothing to release (no windows, no files)."""

    def __str__(self) -> str:
        return str(self.metadata["name"])


def _other(agent: str) -> str:
    return AGENTS[1 - AGENTS.index(agent)]


def pettingzoo_env(
    domain_or_id: Domain | str,
    *,
    render_mode: str | None = None,
    obs_bounds: tuple[float, float] | None = None,
    **domain_kwargs: Any,
) -> DomainEnv:
    """A distill domain (or domain id, built with `domain_kwargs`) as a PettingZoo AEC env.

    `obs_bounds`: (low, high) of the observation Box; default the domain's
    ``obs_bounds`` attribute if it has one, else (0, 1), which suits binary planes.
    """
    if isinstance(domain_or_id, str):
        from distill.registry import make

        domain = make(domain_or_id, **domain_kwargs)
    elif domain_kwargs:
        raise DistillError(f"{domain_or_id.name}: domain kwargs given with a built domain")
    else:
        domain = domain_or_id
    return DomainEnv(domain, render_mode=render_mode, obs_bounds=obs_bounds)
