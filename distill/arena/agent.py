"""Load a run's trained agent (its recipe, domain and a CPU evaluator of a checkpoint),
and the ``run:`` player spec built on it.

::

    run:RUN_DIR                      the latest checkpoint, the recipe's search at the
                                     arena's simulations (`distill.recipe.derive`)
    run:RUN_DIR,sims=800,checkpoint=gen-00004.ckpt,resign=-0.9,seconds=2
    run:RUN_DIR,score_static=0.1,score_dynamic=0.3
    run:RUN_DIR,seconds=1,leaves=8,algorithm=puct,reuse=0

``seconds=S`` searches each move for S seconds instead of a fixed simulation count.
``leaves=L`` gathers L leaves per network call (`SearchConfig.leaves_per_step`, virtual
loss) in every search of the player: more simulations a second for one game, since a
batch of 8 positions costs the CPU far less than 8 calls of one (`distill bench
search-leaves`). Without it, searches of a fixed number of simulations keep the
recipe's setting and timed ones (``seconds``, GTP clocks, analysis) gather
`TIMED_LEAVES` unless the recipe sets more than one.
``algorithm=puct|gumbel`` plays with that search instead of the recipe's (the network
is the same; PUCT uses the recipe's c_init and first-play urgency).
``reuse=0`` makes every timed move search afresh; by default a timed search starts from
the subtree the last one left below the position (`SearchPlayer.timed_root`).
``symmetries=N`` evaluates every position under N of the board's symmetries
(`distill.search.symmetric.SymmetricEvaluator`): 1 = one drawn at random per position
(as AlphaGo Zero's search), N > 1 = the mean of N (8 = all of a square board's);
default 0, the net as it is.
``score_static`` / ``score_dynamic`` set the search's score utility weights
(`SearchConfig.score_utility_static` / ``_dynamic``; default: the recipe's), which need
a network with a score head.
The run must play the game it is asked to play: another domain, or another board
(observation shape or action count) is one `ConfigError` naming both. Rules that do
not change the board (Go's komi, superko) may differ: the search plays by the game's
rules, and the network reads the komi from its input planes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distill.domain import Domain
from distill.errors import ConfigError, DistillError
from distill.recipe import Recipe

if TYPE_CHECKING:
    from distill.arena.players import Player


@dataclass
class Agent:
    """A run's network as an evaluator, with what is needed to search with it."""

    recipe: Recipe
    domain: Domain
    evaluator: Any
    checkpoint: Path


def load_agent(run_dir: str | Path, checkpoint: str | None = None) -> Agent:
    """The agent of `run_dir` at `checkpoint` (a file name in checkpoints/, with or without
    its ``.ckpt`` suffix; default the latest).

    Raises DistillError when the run has no checkpoint yet, CorruptFileError when the
    checkpoint does not verify or does not fit the recipe's network.
    """
    import torch

    from distill.flywheel.generation import Learner
    from distill.flywheel.loop import load_run_recipe
    from distill.flywheel.run_dir import RunDir
    from distill.learn import load_checkpoint
    from distill.registry import make

    run = RunDir.open(run_dir)
    path = run.checkpoint_path(run.read_state(), checkpoint)
    recipe = load_run_recipe(run)
    torch.set_num_threads(recipe.threads)
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    learner = Learner.create(recipe, domain)
    load_checkpoint(path, learner.module)
    return Agent(recipe, domain, learner.evaluator(), path)


def check_compatible(agent_domain: Domain, domain: Domain, what: str) -> None:
    """ConfigError naming `what` unless the agent's network can play `domain`'s game:
    the same domain, observation shape and action count."""
    if agent_domain.name != domain.name:
        raise ConfigError(f"{what}: the run plays {agent_domain.name!r}, not {domain.name!r}")
    if agent_domain.obs_shape != domain.obs_shape or agent_domain.num_actions != domain.num_actions:
        mine = "x".join(map(str, agent_domain.board_shape))
        theirs = "x".join(map(str, domain.board_shape))
        raise ConfigError(
            f"{what}: the run's network plays on a {mine} board, this game is {theirs}"
        )


_RUN_KNOWN = (
    "sims, checkpoint, resign, seconds, leaves, algorithm, reuse, symmetries, score_static, "
    "score_dynamic"
)


def run_from_spec(domain: Domain, *, spec: str, rest: str) -> Player:
    """``run:RUN_DIR[,sims=N,checkpoint=NAME,resign=X,seconds=S,leaves=L,algorithm=A,
    reuse=0|1,symmetries=N,score_static=W,score_dynamic=W]``: a run's trained agent with the
    recipe's search (see the module docstring)."""
    import dataclasses

    from distill.arena.players import TIMED_LEAVES, SearchPlayer
    from distill.arena.specs import parse_options, reject_unknown, take_float, take_int
    from distill.recipe import derive

    run_dir, _, option_text = rest.partition(",")
    if not run_dir.strip():
        raise ConfigError(f"player spec {spec!r}: give the run directory: run:RUN_DIR[,sims=N]")
    options = parse_options(option_text, spec)
    checkpoint = options.pop("checkpoint", None)
    sims = take_int(options, "sims", 0, spec)
    resign = take_float(options, "resign", -1.0, spec)
    seconds = take_float(options, "seconds", 0.0, spec)
    leaves = take_int(options, "leaves", 0, spec)
    reuse = take_int(options, "reuse", 1, spec)
    symmetries = take_int(options, "symmetries", 0, spec)
    algorithm = options.pop("algorithm", None)
    given = _utility_options(options, spec)
    reject_unknown(options, spec, _RUN_KNOWN)
    if sims < 0 or seconds < 0 or leaves < 0:
        raise ConfigError(f"player spec {spec!r}: sims, seconds and leaves must be positive")
    if reuse not in (0, 1):
        raise ConfigError(f"player spec {spec!r}: reuse must be 0 or 1, got {reuse}")
    if algorithm not in (None, "puct", "gumbel"):
        raise ConfigError(f"player spec {spec!r}: algorithm must be 'puct' or 'gumbel'")
    path = Path(run_dir.strip())
    try:
        agent = cached_agent(path, checkpoint)
    except DistillError as exc:
        raise ConfigError(f"player spec {spec!r}: {exc}") from None
    check_compatible(agent.domain, domain, f"player spec {spec!r}")
    evaluator = _symmetric(agent, symmetries, spec)
    recipe_search = agent.recipe.search
    search = dataclasses.replace(
        recipe_search,
        score_utility_static=given.get("static", recipe_search.score_utility_static),
        score_utility_dynamic=given.get("dynamic", recipe_search.score_utility_dynamic),
        leaves_per_step=leaves or recipe_search.leaves_per_step,
        algorithm=algorithm or recipe_search.algorithm,  # type: ignore[arg-type]
    )
    if search.uses_score_utility and not getattr(evaluator, "scored", False):
        raise ConfigError(
            f"player spec {spec!r}: the score utility needs a network with a score head "
            "(network.heads.score); this run's has none"
        )
    sims = sims or derive(agent.recipe).arena_simulations
    name = f"{path.name}:{agent.checkpoint.stem}"
    timed_leaves = None if leaves or recipe_search.leaves_per_step > 1 else TIMED_LEAVES
    return SearchPlayer(
        domain,
        evaluator,
        search,
        sims,
        name=name,
        resign_threshold=resign,
        seconds_per_move=seconds or None,
        timed_leaves=timed_leaves,
        reuse=bool(reuse),
    )


def _symmetric(agent: Agent, symmetries: int, spec: str) -> Any:
    """The agent's evaluator, under `symmetries` of its board's symmetries when > 0."""
    from distill.search.symmetric import SymmetricEvaluator

    if symmetries == 0:
        return agent.evaluator
    try:
        return SymmetricEvaluator.for_domain(agent.evaluator, agent.domain, symmetries)
    except ConfigError as exc:
        raise ConfigError(f"player spec {spec!r}: {exc}") from None


def _utility_options(options: dict[str, str], spec: str) -> dict[str, float]:
    """Pop ``score_static`` / ``score_dynamic`` from a ``run:`` spec's options: the
    weights given, by term ("static", "dynamic")."""
    import math

    from distill.arena.specs import take_float

    given = {}
    for term in ("static", "dynamic"):
        if f"score_{term}" in options:
            weight = take_float(options, f"score_{term}", 0.0, spec)
            if not 0.0 <= weight < math.inf:
                raise ConfigError(
                    f"player spec {spec!r}: score_{term} must be a finite weight >= 0, got {weight}"
                )
            given[term] = weight
    return given


_AGENTS: dict[tuple[str, str | None, int], Agent] = {}


def cached_agent(run_dir: Path, checkpoint: str | None) -> Agent:
    """`load_agent`, loaded once per run, checkpoint and state.json version: a GTP session
    builds a new player whenever the komi or board size changes, and the network is the
    same."""
    from distill.flywheel.run_dir import RunDir

    state = RunDir.open(run_dir).state_path
    key = (str(run_dir.resolve()), checkpoint, state.stat().st_mtime_ns)
    if key not in _AGENTS:
        _AGENTS.clear()  # one agent at a time: a stale one only holds memory
        _AGENTS[key] = load_agent(run_dir, checkpoint)
    return _AGENTS[key]


__all__ = ["Agent", "cached_agent", "check_compatible", "load_agent", "run_from_spec"]
