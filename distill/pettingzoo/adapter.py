"""PettingZoo AEC envs as Python-tier distill domains: ``distill.make("pettingzoo:<env>")``.

Any turn-based, two-player, perfect-information AEC env whose observations are
dicts with ``observation`` (a board ``[H, W, C]`` or ``[H, W]``) and
``action_mask`` (``int8[A]``) becomes a `distill.domain.PythonDomain`:

* ``to_play`` is the index of ``agent_selection`` in ``possible_agents`` (0 or 1);
* the terminal value is the env's accumulated reward of the agent to move (what
  ``env.last()`` reports), so the sign convention holds: from the view of the
  player to move;
* observations are the env's ``observation`` of the agent to move (PettingZoo
  classic envs already draw it from that agent's view), transposed from
  ``[H, W, C]`` to ``float32[C, H, W]``;
* a game still running after ``max_moves`` actions counts as over, a draw (value 0).
  PettingZoo's Go has no move cap; distill's search needs one.

Cloning. ``copy.deepcopy`` of a PettingZoo classic env silently returns a fresh,
un-reset env: the envs inherit gymnasium's ``EzPickle``, whose ``__getstate__``
keeps only the constructor arguments. The adapter therefore copies each layer's
``__dict__`` (wrappers and the raw env) with `copy.deepcopy`, bypassing the
pickling hooks. Whether that gives a faithful, independent copy is probed once
per domain (``clone="auto"``); if not, games clone by replaying their action
history into a fresh env (``clone="replay"``, exact but O(moves) per clone).

Env names: a PettingZoo classic name (``"connect_four_v3"``, ``"tictactoe_v3"``,
``"go_v5"``, ``"chess_v6"``), a registry id (``"classic/go-v5"``), or
``"package.module:attr"`` naming an AEC env factory (or a module with ``env()``).
"""

from __future__ import annotations

import copy
import importlib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from distill.domain import Game, PythonDomain, identity_symmetry
from distill.errors import DistillError

#: PettingZoo classic board games known to fit the adapter (listed in error messages).
KNOWN_ENVS = ("connect_four_v3", "tictactoe_v3", "go_v5", "chess_v6")

#: Move cap per board cell, for envs whose length is bounded by the board (env base name ->
#: factor). Tic-tac-toe and Connect Four fill one cell per move; 4 x cells for Go.
_MOVES_PER_CELL = {"tictactoe": 1, "connect_four": 1, "go": 4}
#: Move cap for other envs unless `max_moves` is given.
DEFAULT_MAX_MOVES = 1000
#: Plies played when probing whether state copies are faithful.
_PROBE_PLIES = 4

_CLASSIC_NAME = re.compile(r"^(?P<name>[a-z][a-z0-9_]*?)(?:_v(?P<version>\d+))?$")


@dataclass(frozen=True)
class EnvSetup:
    """How to build and read one PettingZoo env (shared by every game of a domain).

    Attributes:
        label: the env name as the user gave it (used in messages and as domain name).
        factory: zero-argument callable returning a new (un-reset) AEC env.
        agents: ``possible_agents``; agent i is distill player i.
        clone: ``"copy"`` (state copy of the env) or ``"replay"`` (replay the history).
        max_moves: actions after which a still-running game counts as a draw.
        seed: passed to ``env.reset(seed=...)`` for every new game.
    """

    label: str
    factory: Callable[[], Any]
    agents: tuple[str, str]
    clone: str
    max_moves: int
    seed: int | None

    def new_env(self) -> Any:
        """A fresh env, reset to the initial position."""
        env = self.factory()
        env.reset(seed=self.seed)
        return env


class PettingZooGame:
    """One game of a PettingZoo env: the env plus the actions played (a `distill.domain.Game`)."""

    def __init__(self, setup: EnvSetup, env: Any, history: list[int]) -> None:
        self.setup = setup
        self.env = env
        self.history = history

    @classmethod
    def new(cls, setup: EnvSetup) -> PettingZooGame:
        """A game at the initial position."""
        return cls(setup, setup.new_env(), [])

    def clone(self) -> PettingZooGame:
        if self.setup.clone == "copy":
            return PettingZooGame(self.setup, copy_env(self.env), list(self.history))
        env = self.setup.new_env()
        for action in self.history:
            env.step(action)
        return PettingZooGame(self.setup, env, list(self.history))

    def step(self, action: int) -> None:
        self.env.step(int(action))
        self.history.append(int(action))

    def _env_over(self) -> bool:
        agent = self.env.agent_selection
        return bool(self.env.terminations[agent] or self.env.truncations[agent])

    def legal_mask(self) -> np.ndarray:
        """bool[A]: the env's action mask of the agent to move; all False once over."""
        mask = np.asarray(self.env.observe(self.env.agent_selection)["action_mask"])
        if self.terminal()[0]:
            return np.zeros(mask.shape, dtype=np.bool_)
        return mask.astype(np.bool_)

    def terminal(self) -> tuple[bool, float]:
        """(over, accumulated reward of the agent to move); capped games are draws."""
        if self._env_over():
            return True, float(self.env._cumulative_rewards[self.env.agent_selection])
        return len(self.history) >= self.setup.max_moves, 0.0

    def to_play(self) -> int:
        return self.setup.agents.index(self.env.agent_selection)

    def observe(self) -> np.ndarray:
        """float32[C, H, W]: the agent to move's observation, channels first."""
        board = np.asarray(self.env.observe(self.env.agent_selection)["observation"])
        planes = board[None] if board.ndim == 2 else np.moveaxis(board, -1, 0)
        return np.ascontiguousarray(planes, dtype=np.float32)

    def __repr__(self) -> str:
        return f"<{self.setup.label} after {self.history}>"


def copy_env(env: Any) -> Any:
    """An independent copy of an env's current state, wrappers included.

    Deep-copies every layer's ``__dict__`` directly: ``copy.deepcopy(env)`` would go
    through gymnasium's ``EzPickle`` and rebuild a fresh env from its constructor
    arguments, dropping the game state. Back references to any layer resolve to
    the corresponding copy. Observation and action spaces are configuration, not
    game state, and are shared (copying them, random generators included, would
    cost most of the time).
    """
    from gymnasium.spaces import Space

    layers = [env]
    while isinstance(vars(layers[-1]).get("env"), _aec_env_class()):
        layers.append(vars(layers[-1])["env"])
    memo: dict[int, Any] = {}
    twins = [object.__new__(type(layer)) for layer in layers]
    for layer, twin in zip(layers, twins, strict=True):
        memo[id(layer)] = twin
        for value in vars(layer).values():
            spaces = value.values() if isinstance(value, dict) else [value]
            if spaces and all(isinstance(space, Space) for space in spaces):
                memo[id(value)] = value
    for layer, twin in zip(layers, twins, strict=True):
        vars(twin).update(copy.deepcopy(vars(layer), memo))
    return twins[0]


def _aec_env_class() -> type:
    from pettingzoo import AECEnv

    return AECEnv


def make_pettingzoo_domain(
    env_name: str,
    *,
    max_moves: int | None = None,
    clone: str = "auto",
    seed: int | None = None,
    action_perms: np.ndarray | None = None,
    cell_perms: np.ndarray | None = None,
    **env_kwargs: Any,
) -> PythonDomain:
    """Wrap a PettingZoo AEC env as a Python-tier domain named ``"pettingzoo:<env_name>"``.

    Args:
        env_name: classic name (``"connect_four_v3"``), registry id (``"classic/go-v5"``)
            or ``"module:attr"`` of an env factory.
        max_moves: move cap (a game still running then is a draw); default from the
            board for known envs, else `DEFAULT_MAX_MOVES`.
        clone: ``"auto"`` (probe state copies, fall back to replay), ``"copy"`` or ``"replay"``.
        seed: passed to ``env.reset`` for every new game.
        action_perms, cell_perms: symmetry tables (see `distill.domain.Domain`); identity
            only if not given.
        **env_kwargs: passed to the env factory (e.g. ``board_size=9`` for Go).

    Raises:
        DistillError: unknown env, or an env that is not turn-based, two-player,
            with ``Discrete`` actions and an ``action_mask`` in its dict observations.
    """
    if clone not in ("auto", "copy", "replay"):
        raise DistillError(f"pettingzoo:{env_name}: clone must be auto, copy or replay")
    factory = _resolve_factory(env_name, env_kwargs)
    env = _build(factory, env_name)
    agents, num_actions, board = _inspect(env, env_name)
    if max_moves is None:
        max_moves = _default_max_moves(env, board)
    if clone == "auto":
        clone = "copy" if _copy_is_faithful(env) else "replay"
    setup = EnvSetup(env_name, factory, agents, clone, int(max_moves), seed)
    obs_shape = (board[2], board[0], board[1])
    identity = identity_symmetry(num_actions, (board[0], board[1]))
    return PythonDomain(
        name=f"pettingzoo:{env_name}",
        factory=lambda: PettingZooGame.new(setup),
        num_actions=num_actions,
        obs_shape=obs_shape,
        board_shape=(board[0], board[1]),
        max_moves=int(max_moves),
        action_perms=identity[0] if action_perms is None else np.asarray(action_perms),
        cell_perms=identity[1] if cell_perms is None else np.asarray(cell_perms),
        renderer=render_game,
    )


def _resolve_factory(env_name: str, env_kwargs: dict[str, Any]) -> Callable[[], Any]:
    """A zero-argument env constructor for `env_name`, or DistillError listing known envs."""
    if ":" in env_name:
        module_name, _, attr = env_name.partition(":")
        try:
            target = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise DistillError(f"pettingzoo:{env_name}: cannot import {env_name!r}: {exc}") from exc
        maker = getattr(target, "env", target)
        if not callable(maker):
            raise DistillError(f"pettingzoo:{env_name}: {env_name!r} is not an env factory")
        return lambda: maker(**env_kwargs)
    import pettingzoo
    from pettingzoo.env_registry.exceptions import PettingZooRegistryError

    try:
        spec = pettingzoo.spec("aec", _registry_id(env_name))
    except PettingZooRegistryError as exc:
        known = ", ".join(f"pettingzoo:{name}" for name in KNOWN_ENVS)
        hint = f" ({exc})" if "Available version" in str(exc) else ""
        raise DistillError(
            f"unknown PettingZoo env {env_name!r}{hint}; known board games: {known} "
            "(or 'pettingzoo:package.module:attr' for an AEC env factory)"
        ) from None
    return lambda: pettingzoo.make("aec", spec, **env_kwargs)


def _registry_id(env_name: str) -> str:
    """``connect_four_v3`` -> ``classic/connect_four-v3``, ``go`` -> ``classic/go`` (latest
    version); registry ids (with a ``/``) pass through."""
    if "/" in env_name:
        return env_name
    match = _CLASSIC_NAME.match(env_name)
    if match is None:
        return env_name
    version = match["version"]
    return f"classic/{match['name']}" + (f"-v{version}" if version else "")


def _build(factory: Callable[[], Any], env_name: str) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            env = factory()
        env.reset()
    except DistillError:
        raise
    except Exception as exc:  # the env's own error: bad kwargs, missing dependency...
        raise DistillError(f"pettingzoo:{env_name}: cannot create the env: {exc}") from exc
    return env


def _inspect(env: Any, env_name: str) -> tuple[tuple[str, str], int, tuple[int, int, int]]:
    """(agents, num_actions, (H, W, C)) of a reset env, or DistillError saying what does not fit."""
    from gymnasium import spaces
    from pettingzoo import AECEnv

    where = f"pettingzoo:{env_name}"
    if not isinstance(env, AECEnv):
        raise DistillError(f"{where}: not an AEC env (got {type(env).__name__})")
    agents = tuple(env.possible_agents)
    if len(agents) != 2:
        raise DistillError(f"{where}: has {len(agents)} agents {agents}; domains are two-player")
    obs_space, act_space = env.observation_space(agents[0]), env.action_space(agents[0])
    if not isinstance(act_space, spaces.Discrete) or int(act_space.start) != 0:
        raise DistillError(f"{where}: action space {act_space} is not Discrete(n) from 0")
    if not isinstance(obs_space, spaces.Dict) or not {"observation", "action_mask"} <= set(
        obs_space.spaces
    ):
        raise DistillError(
            f"{where}: observations must be dicts with 'observation' and 'action_mask', "
            f"got {obs_space}"
        )
    shape = tuple(obs_space["observation"].shape or ())
    if len(shape) not in (2, 3):
        raise DistillError(f"{where}: observation shape {shape} is not a board [H, W, C] / [H, W]")
    _check_turn_based(env, agents, where)
    board = (shape[0], shape[1], shape[2] if len(shape) == 3 else 1)
    return (agents[0], agents[1]), int(act_space.n), board


def _check_turn_based(env: Any, agents: tuple[str, ...], where: str) -> None:
    """Only the agent to move may have legal actions (PettingZoo's turn-based convention)."""
    mover = env.agent_selection
    if not np.any(env.observe(mover)["action_mask"]):
        raise DistillError(f"{where}: agent {mover!r} to move has no legal action after reset")
    for agent in agents:
        if agent != mover and np.any(env.observe(agent)["action_mask"]):
            raise DistillError(
                f"{where}: not turn-based: agent {agent!r} has legal actions while "
                f"{mover!r} is to move"
            )


def _default_max_moves(env: Any, board: tuple[int, int, int]) -> int:
    base = _CLASSIC_NAME.match(str(env.metadata.get("name", "")))
    factor = _MOVES_PER_CELL.get(base["name"]) if base else None
    return factor * board[0] * board[1] if factor else DEFAULT_MAX_MOVES


def _fingerprint(env: Any) -> tuple[Any, ...]:
    """What a faithful copy must reproduce: mover, its observation and mask, rewards, ends."""
    agent = env.agent_selection
    seen = env.observe(agent)
    return (
        agent,
        np.asarray(seen["observation"]).tobytes(),
        np.asarray(seen["action_mask"]).tobytes(),
        tuple(sorted(env.terminations.items())),
        tuple(sorted((a, float(r)) for a, r in env._cumulative_rewards.items())),
    )


def _copy_is_faithful(env: Any) -> bool:
    """Probe `copy_env` on a few plies: copies must match and stay independent."""
    try:
        for _ in range(_PROBE_PLIES):
            twin = copy_env(env)
            if _fingerprint(twin) != _fingerprint(env):
                return False
            mask = np.asarray(env.observe(env.agent_selection)["action_mask"])
            if env.terminations[env.agent_selection] or not mask.any():
                return True
            before = _fingerprint(env)
            twin.step(int(np.flatnonzero(mask)[-1]))
            if _fingerprint(env) != before:
                return False
            env.step(int(np.flatnonzero(mask)[0]))
    except Exception:  # any failure of a copied env means: do not trust copies
        return False
    return True


def render_game(game: Game) -> str:
    """Text picture: ``x`` = stones of the player to move (plane 0), ``o`` = plane 1."""
    assert isinstance(game, PettingZooGame)
    planes = game.observe()
    rows = []
    for r in range(planes.shape[1]):
        cells = []
        for c in range(planes.shape[2]):
            mine = planes[0, r, c] > 0
            theirs = planes.shape[0] > 1 and planes[1, r, c] > 0
            cells.append("x" if mine else "o" if theirs else ".")
        rows.append(" ".join(cells))
    mover = game.env.agent_selection
    return "\n".join([*rows, f"{mover} (x) to move; moves: {game.history}"])
