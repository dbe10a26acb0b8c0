"""Players: anything that picks a move in a `Position`, behind one small protocol.

A `Player` has a ``name``, ``genmove(position) -> action``, ``reset()`` (a new
game starts) and ``close()`` (release processes or files; a no-op for in-process
players). ``genmove`` never changes the position; it may return `RESIGN`.

Built-in players:

* `RandomPlayer`: a uniformly random legal action.
* `MctsPlayer`: the batched search (`distill.search.Searcher`) with a random-rollout
  evaluator, i.e. plain Monte-Carlo tree search with no network (or any evaluator).
* GTP engines (GNU Go or any command line), through `distill.domains.go.gtp_players`.

`make_player(spec, domain)` builds a player from a spec string, the syntax the
``distill match`` and ``distill gtp`` commands take::

    random                       random:seed=3
    mcts                         mcts:sims=400,seed=1,algorithm=gumbel,rollout=light
    gnugo                        gnugo:level=0
    gtp:/path/to/engine --flag value      (everything after "gtp:" is the command line)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from distill.domain import Domain, Position
from distill.errors import ConfigError, DistillError

#: What `Player.genmove` returns to give up the game (never a valid action index).
RESIGN = -1


@runtime_checkable
class Player(Protocol):
    """Something that chooses moves. See the module docstring for the contract."""

    name: str

    def genmove(self, position: Position) -> int:
        """A legal action for the player to move in `position` (unchanged), or `RESIGN`."""
        ...

    def reset(self) -> None:
        """Forget everything about the previous game (a new game starts)."""
        ...

    def close(self) -> None:
        """Release external resources (processes); the player is unusable afterwards."""
        ...


class RandomPlayer:
    """Plays a uniformly random legal action (the rng is owned and consumed)."""

    def __init__(self, *, seed: int = 0, name: str = "random") -> None:
        self.name = name
        self._seed = seed
        self._rng = np.random.default_rng(seed)

    def genmove(self, position: Position) -> int:
        legal = position.legal_actions()
        if legal.size == 0:
            raise DistillError(f"{self.name}: no legal move (is the game over?)")
        return int(self._rng.choice(legal))

    def reset(self) -> None:
        """Keeps the rng stream running, so successive games differ."""

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class Analysis:
    """Root statistics of a search, for GTP analysis output and logs.

    All arrays are over the domain's actions A; values are for the player to move.

    Attributes:
        visits: int64[A], root child visit counts.
        q_values: float32[A], mean value of each child in [-1, 1] (0 where unvisited).
        prior: float32[A], the evaluator's prior at the root.
        root_value: the search's value of the root in [-1, 1] (`SearchResult.root_value`).
        pv: principal variation per action: pv[a] is a list of actions starting with a
            (only `a` itself where the search does not expose deeper statistics).
    """

    visits: np.ndarray
    q_values: np.ndarray
    prior: np.ndarray
    root_value: float
    pv: dict[int, list[int]]


class MctsPlayer:
    """Monte-Carlo tree search through `distill.search` (PUCT or Gumbel), no network.

    Args:
        domain: the domain the positions belong to (a kernel domain for the fast path).
        simulations: simulations per move.
        algorithm: "puct" or "gumbel" (`SearchConfig.algorithm`).
        evaluator: None for random rollouts (`RolloutEvaluator(domain)`), or any
            evaluator `distill.search.Searcher` accepts (e.g. a network).
        seed: seeds the search rng (owned and consumed by the player).
        resign_threshold: resign when the root value is below this (-1 = never).
        name: display name (default ``mcts<simulations>``).
        search_options: further `SearchConfig` fields (``c_init``, ``fpu_reduction``,
            ``leaves_per_step``, ...). Tree reuse is off and temperature 0 (most visited).
    """

    def __init__(
        self,
        domain: Domain,
        *,
        simulations: int = 400,
        algorithm: str = "puct",
        evaluator: Any = None,
        seed: int = 0,
        resign_threshold: float = -1.0,
        name: str | None = None,
        **search_options: Any,
    ) -> None:
        from distill.search import RolloutEvaluator, SearchConfig, Searcher

        if simulations < 1:
            raise ConfigError(f"mcts player: simulations must be >= 1, got {simulations}")
        self.name = name or f"mcts{simulations}"
        self.domain = domain
        self.simulations = int(simulations)
        self.resign_threshold = float(resign_threshold)
        config = SearchConfig(
            algorithm=algorithm,  # type: ignore[arg-type]
            num_simulations=self.simulations,
            **{"temperature": 0.0, **search_options, "reuse_tree": False},
        )
        self._evaluator = RolloutEvaluator(domain) if evaluator is None else evaluator
        self._searcher = Searcher(domain, self._evaluator, batch_size=1, config=config)
        self._rng = np.random.default_rng(seed)

    def analyze(self, position: Position, *, simulations: int | None = None) -> Analysis:
        """Search `position` (unchanged) and return the root statistics."""
        self._searcher.reset()
        result = self._searcher.run(
            position.store,
            np.zeros(1, dtype=np.int64),
            self._rng,
            num_simulations=simulations or self.simulations,
            add_noise=False,
        )
        visits = result.visit_counts[0].astype(np.int64)
        q_values = np.where(visits > 0, result.q_values[0], 0.0).astype(np.float32)
        tree = getattr(self._searcher, "tree", None)
        pv = {int(a): principal_variation(tree, int(a)) for a in np.flatnonzero(visits)}
        return Analysis(visits, q_values, result.prior[0].copy(), float(result.root_value[0]), pv)

    def genmove(self, position: Position) -> int:
        if position.is_over:
            raise DistillError(f"{self.name}: the game is over; no move to generate")
        self._searcher.reset()
        result = self._searcher.run(
            position.store, np.zeros(1, dtype=np.int64), self._rng, add_noise=False
        )
        if float(result.root_value[0]) < self.resign_threshold:
            return RESIGN
        return int(result.action[0])

    def reset(self) -> None:
        self._searcher.reset()

    def close(self) -> None:
        """Nothing to release."""


#: A principal variation continues only through children visited at least this often
#: (a once-visited child is a single playout: its "best reply" is noise).
PV_MIN_VISITS = 2


def principal_variation(tree: Any, action: int, max_length: int = 16) -> list[int]:
    """The most-visited line below root action `action` in game 0 of a search tree.

    `tree` is a `distill.search.tree.Tree` (children_index [B, N, A] int32 with -1 for
    no child, node_visits [B, N] int32); None gives just ``[action]``.
    """
    line = [action]
    if tree is None:
        return line
    node = int(tree.children_index[0, 0, action])
    while node >= 0 and len(line) < max_length:
        children = tree.children_index[0, node]
        present = np.flatnonzero(children >= 0)
        if present.size == 0:
            break
        visits = tree.node_visits[0, children[present]]
        if int(visits.max()) < PV_MIN_VISITS:
            break
        best = int(present[int(np.argmax(visits))])
        line.append(best)
        node = int(children[best])
    return line


# --------------------------------------------------------------------------- specs

#: kind -> "module:factory"; factory(domain, options: dict[str, str], rest: str) -> Player.
PLAYER_KINDS: dict[str, str] = {
    "gnugo": "distill.domains.go.gtp_players:gnugo_from_spec",
    "gtp": "distill.domains.go.gtp_players:gtp_from_spec",
    "mcts": "distill.players:_mcts_from_spec",
    "random": "distill.players:_random_from_spec",
}


def parse_options(text: str, spec: str) -> dict[str, str]:
    """``"a=1,b=x"`` -> ``{"a": "1", "b": "x"}``; ConfigError naming `spec` when malformed."""
    options: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ConfigError(f"player spec {spec!r}: option {item!r} is not key=value")
        options[key.strip()] = value.strip()
    return options


def take_int(options: dict[str, str], key: str, default: int, spec: str) -> int:
    """Pop an integer option (ConfigError naming the spec and key when not an integer)."""
    raw = options.pop(key, None)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"player spec {spec!r}: {key} must be an integer, got {raw!r}") from None


def reject_unknown(options: dict[str, str], spec: str, known: str) -> None:
    """ConfigError when options are left over after a factory took the ones it knows."""
    if options:
        raise ConfigError(
            f"player spec {spec!r}: unknown option(s) {', '.join(sorted(options))}; known: {known}"
        )


def make_player(spec: str, domain: Domain, *, seed: int = 0) -> Player:
    """Build a player from a spec string (see the module docstring for the syntax).

    `seed` is the default seed of seeded players (a ``seed=`` option overrides it).
    Raises ConfigError naming the spec when the kind or an option is unknown.
    """
    kind, _, rest = spec.strip().partition(":")
    if kind not in PLAYER_KINDS:
        raise ConfigError(
            f"player spec {spec!r}: unknown kind {kind!r}; known: {', '.join(sorted(PLAYER_KINDS))}"
        )
    module_name, factory_name = PLAYER_KINDS[kind].split(":")
    factory: Callable[..., Player] = getattr(importlib.import_module(module_name), factory_name)
    return factory(domain, spec=spec, rest=rest, seed=seed)


def _random_from_spec(domain: Domain, *, spec: str, rest: str, seed: int) -> Player:
    options = parse_options(rest, spec)
    player_seed = take_int(options, "seed", seed, spec)
    reject_unknown(options, spec, "seed")
    return RandomPlayer(seed=player_seed)


#: rollout=NAME of an mcts spec -> "module:class" of a state evaluator (domain, num_rollouts).
ROLLOUTS: dict[str, str] = {
    "light": "distill.domains.go.gtp_rollouts:LightRolloutEvaluator",
    "uniform": "distill.search:RolloutEvaluator",
}
#: Search settings of rollout players unless the spec overrides them. AlphaZero's PUCT
#: constants (c_init 1.25, FPU reduction 0.2) assume a sharp learned prior; with a flat
#: prior they barely explore. Measured on 9x9 with light playouts at 1000 simulations
#: (`distill match`, 4 games each): c_init=4,fpu=0 beat the AlphaZero constants 3-1 and
#: c_init=16,fpu=0 3-1. Several leaves per step amortise the Python search loop.
ROLLOUT_DEFAULTS: dict[str, Any] = {"c_init": 4.0, "fpu_reduction": 0.0, "leaves_per_step": 8}
_MCTS_KNOWN = (
    "sims, seed, algorithm, resign, rollout, rollouts, prior, tactics, c_init, fpu, leaves"
)


def _mcts_from_spec(domain: Domain, *, spec: str, rest: str, seed: int) -> Player:
    """``mcts[:sims=400,seed=S,algorithm=puct,resign=-1,rollout=NAME,rollouts=1,prior=P,
    tactics=1,c_init=4,fpu=0,leaves=8]`` (search defaults: `ROLLOUT_DEFAULTS`).

    rollout defaults to ``light`` for Go (`LightRolloutEvaluator`, whose ``prior`` is
    ``heuristic`` or ``uniform`` and ``tactics`` 1 or 0), ``uniform`` (`RolloutEvaluator`)
    elsewhere.
    """
    options = parse_options(rest, spec)
    sims = take_int(options, "sims", 400, spec)
    player_seed = take_int(options, "seed", seed, spec)
    num_rollouts = take_int(options, "rollouts", 1, spec)
    leaves = take_int(options, "leaves", ROLLOUT_DEFAULTS["leaves_per_step"], spec)
    algorithm = options.pop("algorithm", "puct")
    rollout = options.pop("rollout", "light" if domain.name == "go" else "uniform")
    prior = options.pop("prior", None)
    tactics = options.pop("tactics", None)
    floats = {key: take_float(options, key, spec) for key in ("resign", "c_init", "fpu")}
    reject_unknown(options, spec, _MCTS_KNOWN)
    if rollout not in ROLLOUTS:
        raise ConfigError(f"player spec {spec!r}: rollout must be one of {sorted(ROLLOUTS)}")
    module_name, class_name = ROLLOUTS[rollout].split(":")
    evaluator_class = getattr(importlib.import_module(module_name), class_name)
    if tactics not in (None, "0", "1"):
        raise ConfigError(f"player spec {spec!r}: tactics must be 0 or 1, got {tactics!r}")
    if rollout == "light":
        evaluator = evaluator_class(
            domain, num_rollouts, prior=prior or "heuristic", tactics=tactics != "0"
        )
    elif prior is not None or tactics is not None:
        raise ConfigError(f"player spec {spec!r}: prior= and tactics= need rollout=light")
    else:
        evaluator = evaluator_class(domain, num_rollouts)
    search_options: dict[str, Any] = {
        "leaves_per_step": leaves,
        "c_init": _or(floats["c_init"], ROLLOUT_DEFAULTS["c_init"]),
        "fpu_reduction": _or(floats["fpu"], ROLLOUT_DEFAULTS["fpu_reduction"]),
    }
    resign = -1.0 if floats["resign"] is None else floats["resign"]
    return MctsPlayer(
        domain,
        simulations=sims,
        algorithm=algorithm,
        evaluator=evaluator,
        seed=player_seed,
        resign_threshold=resign,
        **search_options,
    )


def _or(value: float | None, default: float) -> float:
    return default if value is None else value


def take_float(options: dict[str, str], key: str, spec: str) -> float | None:
    """Pop a float option, None when absent (ConfigError naming the spec and key if malformed)."""
    raw = options.pop(key, None)
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"player spec {spec!r}: {key} must be a number, got {raw!r}") from None
