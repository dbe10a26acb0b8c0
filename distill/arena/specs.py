"""Player spec strings: ``kind[:key=value,...]``, the syntax ``distill match``, ``distill gtp``
and the ladder take.

::

    random
    mcts                     mcts:sims=400,algorithm=gumbel,rollout=uniform,c_init=4
    oracle                   oracle:random=0.25    (a domain with an exact solver)
    gnugo                    gnugo:level=5         (Go; GNU Go over GTP)
    gtp:/path/to/engine --flag value             (everything after "gtp:" is the command line)
    run:RUN_DIR              run:RUN_DIR,sims=800,checkpoint=gen-00004.ckpt,seconds=2
                             (a trained run's network plus its recipe's search)

`make_player(spec, domain)` looks the kind up in `PLAYER_KINDS` (one literal table)
and hands the options to its factory; a malformed spec is one ConfigError naming it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from distill.arena.players import (
    OraclePlayer,
    Player,
    RandomisedPlayer,
    RandomPlayer,
    SearchPlayer,
)
from distill.domain import Domain
from distill.errors import ConfigError
from distill.search import SearchConfig

#: kind -> "module:factory"; factory(domain, *, spec: str, rest: str) -> Player. Keep sorted.
PLAYER_KINDS: dict[str, str] = {
    "gnugo": "distill.gtp.players:gnugo_from_spec",
    "gtp": "distill.gtp.players:gtp_from_spec",
    "mcts": "distill.arena.specs:mcts_from_spec",
    "oracle": "distill.arena.specs:oracle_from_spec",
    "random": "distill.arena.specs:random_from_spec",
    "run": "distill.arena.agent:run_from_spec",
}


def make_player(spec: str, domain: Domain) -> Player:
    """Build a player from a spec string (see the module docstring for the syntax).

    Raises ConfigError naming the spec when the kind or an option is unknown or bad.
    """
    kind, _, rest = spec.strip().partition(":")
    if kind not in PLAYER_KINDS:
        known = ", ".join(sorted(PLAYER_KINDS))
        raise ConfigError(f"player spec {spec!r}: unknown kind {kind!r}; known: {known}")
    module_name, factory_name = PLAYER_KINDS[kind].split(":")
    factory: Callable[..., Player] = getattr(importlib.import_module(module_name), factory_name)
    return factory(domain, spec=spec, rest=rest)


def start_players(domain: Domain, specs: tuple[str, ...]) -> list[Player]:
    """Build the players of `specs`; an engine that cannot start fails here, once (closing
    the players already started), not as a forfeit in every game."""
    players: list[Player] = []
    try:
        for spec in specs:
            players.append(make_player(spec, domain))
            check = getattr(players[-1], "check_ready", None)
            if check is not None:
                check()
    except BaseException:
        for player in players:
            player.close()
        raise
    return players


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


def take_float(options: dict[str, str], key: str, default: float, spec: str) -> float:
    """Pop a float option (ConfigError naming the spec and key when malformed)."""
    raw = options.pop(key, None)
    if raw is None:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"player spec {spec!r}: {key} must be a number, got {raw!r}") from None


def reject_unknown(options: dict[str, str], spec: str, known: str) -> None:
    """ConfigError when options are left over after a factory took the ones it knows."""
    if options:
        raise ConfigError(
            f"player spec {spec!r}: unknown option(s) {', '.join(sorted(options))}; known: {known}"
        )


def random_from_spec(domain: Domain, *, spec: str, rest: str) -> Player:
    """``random``: a uniformly random legal move (no options)."""
    reject_unknown(parse_options(rest, spec), spec, "none")
    return RandomPlayer(domain)


def oracle_from_spec(domain: Domain, *, spec: str, rest: str) -> Player:
    """``oracle[:random=0]``: a random optimal move of the domain's exact solver; with
    ``random=p``, a uniformly random legal move instead with probability p per move."""
    options = parse_options(rest, spec)
    rate = take_float(options, "random", 0.0, spec)
    reject_unknown(options, spec, "random")
    if not 0.0 <= rate <= 1.0:
        raise ConfigError(f"player spec {spec!r}: random must be in [0, 1], got {rate}")
    if rate == 0.0:
        return OraclePlayer(domain)
    return RandomisedPlayer(OraclePlayer(domain), domain, rate, name=f"oracle-r{rate:g}")


#: Search settings of network-free ``mcts`` players unless the spec overrides them.
#: AlphaZero's PUCT constants (c_init 1.25, FPU reduction 0.2) assume a sharp learned
#: prior; with a flat prior they barely explore. Measured on 9x9 Go with light playouts
#: at 1000 simulations (`distill match`, 4 games each): c_init=4,fpu=0 beat the
#: AlphaZero constants 3-1. Several leaves per step amortise the Python search loop.
ROLLOUT_DEFAULTS: dict[str, Any] = {"c_init": 4.0, "fpu_reduction": 0.0, "leaves_per_step": 8}
#: With a flat prior P = 1/A, PUCT's exploration term is c_init / A * sqrt(N) / (1 + n):
#: a move whose only playout was lost is retried once c_init / A * sqrt(N) / 2 exceeds
#: the value gap (about 1), so with a fixed c_init the retry comes later the larger the
#: board (about N = 1,700 on 9x9, N = 33,000 on 19x19 for c_init = 4). Rollout players
#: therefore scale c_init with the number of actions, c_init = max(4, A * this), which
#: keeps 9x9's balance (4.1) on every board (19x19: 18.1), like UCT's per-move constant.
ROLLOUT_C_INIT_PER_ACTION = 0.05
_MCTS_KNOWN = "sims, algorithm, resign, rollout, rollouts, c_init, fpu, leaves, seconds"


def rollout_c_init(domain: Domain) -> float:
    """Default c_init of a rollout player on `domain` (see `ROLLOUT_C_INIT_PER_ACTION`)."""
    return max(ROLLOUT_DEFAULTS["c_init"], ROLLOUT_C_INIT_PER_ACTION * domain.num_actions)


def mcts_from_spec(domain: Domain, *, spec: str, rest: str) -> Player:
    """``mcts[:sims=400,algorithm=puct,resign=-1,rollout=default,rollouts=1,c_init=C,fpu=0,
    leaves=8,seconds=S]``: network-free MCTS (search defaults: `ROLLOUT_DEFAULTS`, c_init
    `rollout_c_init`); ``seconds`` searches each move for S seconds instead of ``sims``.

    ``rollout=default`` uses the domain's own rollout evaluator where it offers one
    (`Domain.default_rollout`; Go's light playouts, which also take ``prior=`` and
    ``tactics=``), else uniformly random playouts; ``rollout=uniform`` always the latter.
    """
    from distill.search import RolloutEvaluator

    options = parse_options(rest, spec)
    sims = take_int(options, "sims", 400, spec)
    num_rollouts = take_int(options, "rollouts", 1, spec)
    leaves = take_int(options, "leaves", ROLLOUT_DEFAULTS["leaves_per_step"], spec)
    c_init = take_float(options, "c_init", rollout_c_init(domain), spec)
    fpu = take_float(options, "fpu", ROLLOUT_DEFAULTS["fpu_reduction"], spec)
    resign = take_float(options, "resign", -1.0, spec)
    seconds = take_float(options, "seconds", 0.0, spec)
    if seconds < 0:
        raise ConfigError(f"player spec {spec!r}: seconds must be > 0")
    algorithm = options.pop("algorithm", "puct")
    rollout = options.pop("rollout", "default")
    if rollout not in ("default", "uniform"):
        raise ConfigError(f"player spec {spec!r}: rollout must be 'default' or 'uniform'")
    if num_rollouts < 1:
        raise ConfigError(f"player spec {spec!r}: rollouts must be >= 1")
    evaluator: Any
    if rollout == "default" and domain.default_rollout is not None:
        try:
            evaluator = domain.default_rollout(domain, num_rollouts=num_rollouts, **options)
        except TypeError as exc:
            raise ConfigError(f"player spec {spec!r}: {exc}") from None
        options.clear()
    else:
        reject_unknown(options, spec, _MCTS_KNOWN)
        evaluator = RolloutEvaluator(domain, num_rollouts)
    if algorithm not in ("puct", "gumbel"):
        raise ConfigError(f"player spec {spec!r}: algorithm must be 'puct' or 'gumbel'")
    config = SearchConfig(
        algorithm=algorithm,  # type: ignore[arg-type]
        num_simulations=sims,
        c_init=c_init,
        fpu_reduction=fpu,
        leaves_per_step=leaves,
    )
    return SearchPlayer(
        domain,
        evaluator,
        config,
        sims,
        name=f"mcts{sims}",
        resign_threshold=resign,
        seconds_per_move=seconds or None,
    )


__all__ = [
    "PLAYER_KINDS",
    "ROLLOUT_DEFAULTS",
    "make_player",
    "parse_options",
    "reject_unknown",
    "rollout_c_init",
    "start_players",
    "take_float",
    "take_int",
]
