"""The ladder: a Go run's agent against a list of opponents, with win rates and an Elo.

`run_ladder(run_dir, opponents, games=N)` plays N games against each opponent (player
specs of `distill.arena.specs.make_player`: ``random``, ``gnugo:level=5``, ``gtp:...``)
and writes, under ``RUN/ladder/<checkpoint>/`` (or `out`)::

    <opponent>/game-001.sgf ...   every game (`distill.arena.results.MatchWriter`)
    <opponent>/results.csv|json   per-game rows and the summary
    ladder.json                   one row per opponent and the Elo estimate

Openings (`balanced_openings`): GNU Go is deterministic, so games from the empty board
would repeat. Every pair of games starts from one short opening whose stones stand
on the third line or higher (the first one or two moves of ordinary play), distinct up
to the board's symmetries, with colours swapped between the two games of the pair, so
both sides face the same openings and the openings' own imbalance cancels out.

Parallel games: with `LadderSettings.jobs` > 1 the games against each opponent are
spread over that many processes (`distill.arena.parallel`), each with its own agent
and opponent; a game keeps its opening, colour and number, and the files are written
here as games finish.

Elo: `distill.gtp.elo` fits the agent's rating to its scores against the opponents with
a known rating (GNU Go levels, anchored at level 10 = 0).

Bad input fails before anything is written: an opponent that cannot start is one
`ConfigError` (not a forfeit per game), a run of another game is refused by name.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from distill.arena.match import GameRecord, play_match
from distill.arena.parallel import check_jobs, play_match_parallel
from distill.arena.players import Player
from distill.arena.results import MatchWriter, wilson_interval
from distill.arena.specs import parse_options, start_players
from distill.domain import Domain
from distill.domains.go import GoDomain
from distill.errors import ConfigError, CorruptFileError
from distill.fileio import atomic_write
from distill.gtp.elo import GNUGO_ELO, EloEstimate, Score, fit_elo, single_opponent_elo

#: The 8 symmetries of the square board as maps of (row, col) on an n x n board.
_SYMMETRIES: tuple[Callable[[int, int, int], tuple[int, int]], ...] = (
    lambda r, c, n: (r, c),
    lambda r, c, n: (c, n - 1 - r),
    lambda r, c, n: (n - 1 - r, n - 1 - c),
    lambda r, c, n: (n - 1 - c, r),
    lambda r, c, n: (r, n - 1 - c),
    lambda r, c, n: (n - 1 - r, c),
    lambda r, c, n: (c, r),
    lambda r, c, n: (n - 1 - c, n - 1 - r),
)


def opening_points(size: int) -> list[tuple[int, int]]:
    """(row, col) of the points on the third line or higher (second on boards under 7x7)."""
    line = 2 if size >= 7 else 1
    inner = range(line, size - line)
    return [(r, c) for r in inner for c in inner]


def balanced_openings(
    domain: Domain, count: int, rng: np.random.Generator, plies: int = 2
) -> list[list[int]]:
    """`count` openings of `plies` moves (1 or 2) on `opening_points`, distinct up to
    symmetry while there are enough (then repeated), in an order drawn from `rng`."""
    if not isinstance(domain, GoDomain):
        raise ConfigError(f"balanced openings are for Go, not {domain.name!r}")
    if plies not in (0, 1, 2):
        raise ConfigError(f"opening plies must be 0, 1 or 2, got {plies}")
    if plies == 0 or count < 1:
        return [[] for _ in range(max(count, 0))]
    size = domain.size
    points = opening_points(size)
    lines = [(p,) for p in points] if plies == 1 else [(a, b) for a in points for b in points]
    distinct = sorted({_canonical(line, size) for line in lines if len(set(line)) == len(line)})
    order = rng.permutation(len(distinct))
    chosen = [distinct[i] for i in order]
    chosen = [chosen[k % len(chosen)] for k in range(count)]
    return [[r * size + c for r, c in line] for line in chosen]


def _canonical(line: tuple[tuple[int, int], ...], size: int) -> tuple[tuple[int, int], ...]:
    return min(tuple(sym(r, c, size) for r, c in line) for sym in _SYMMETRIES)


def anchor_elo(spec: str) -> float | None:
    """The ladder rating of an opponent spec, where it is known (GNU Go levels in
    `GNUGO_ELO` with the default ``capture=1``), else None."""
    kind, _, rest = spec.strip().partition(":")
    if kind != "gnugo":
        return None
    try:
        options = parse_options(rest, spec)
        level, capture = int(options.pop("level", "0")), int(options.pop("capture", "1"))
    except (ConfigError, ValueError):
        return None
    return GNUGO_ELO.get(level) if capture == 1 and not options else None


def anchor_text(opponents: Sequence[str]) -> str:
    """What a ladder's Elo against `opponents` is relative to: GNU Go level 10 = 0, played
    or reached through the measured ratings of the GNU Go levels that were played, or
    "none" when no opponent has a known rating (then the ladder gives win rates only)."""
    known = [(spec, rating) for spec in opponents if (rating := anchor_elo(spec)) is not None]
    if not known:
        return f"none: no opponent of known rating among {', '.join(opponents)}"
    if any(rating == 0.0 for _, rating in known):
        return "GNU Go level 10 = 0"
    through = ", ".join(f"{spec} = {rating:.0f}" for spec, rating in known)
    return f"GNU Go level 10 = 0, through {through}"


def win_rates_text(result: LadderResult) -> str:
    """``random=0.95 gnugo-level-0=0.10``: each opponent's folder name and win rate."""
    return " ".join(f"{row.folder}={row.win_rate:.2f}" for row in result.rows)


def split_opponents(text: str) -> list[str]:
    """``"random,gnugo:level=0,capture=0,gnugo:level=5"`` -> the three specs: a comma
    item of the form ``key=value`` (no ``:``) continues the spec before it."""
    specs: list[str] = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if specs and "=" in item and ":" not in item:
            specs[-1] += "," + item
        else:
            specs.append(item)
    return specs


@dataclass(frozen=True)
class LadderRow:
    """The agent's results against one opponent (win rate: draws count half)."""

    opponent: str
    games: int
    wins: int
    draws: int
    losses: int
    win_rate: float
    ci95_low: float
    ci95_high: float
    opponent_elo: float | None
    elo: float | None
    elo_low: float | None
    elo_high: float | None
    folder: str


@dataclass(frozen=True)
class LadderResult:
    """One ladder: the agent, its rows and its Elo (`distill.gtp.elo`)."""

    agent: str
    checkpoint: str
    generation: int | None
    games_per_opponent: int
    seconds_per_move: float | None
    rows: list[LadderRow]
    elo: EloEstimate
    settings: LadderSettings | None = None
    """How it was played (seed, openings, simulations, resignation, jobs), so that a
    ladder can be replayed on the same openings; None in ladders written before."""

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["elo"] = dataclasses.asdict(self.elo)
        return data


@dataclass(frozen=True)
class LadderSettings:
    """How a ladder is played (see `run_ladder`)."""

    games: int = 10
    seconds_per_move: float | None = None
    simulations: int | None = None
    checkpoint: str | None = None
    opening_plies: int = 2
    seed: int = 0
    resign: float | None = None
    """The agent resigns when its search's root value falls below this (in (-1, 0));
    None = it plays every game out."""
    jobs: int = 1
    """Games played at once, each in its own process (`distill.arena.parallel`); with
    `seconds_per_move`, give each game its own core (at most the machine's cores)."""
    score_static: float | None = None
    """The agent's static score utility weight (``run:`` option ``score_static``;
    `distill.search.utility`); None = the run's recipe."""
    score_dynamic: float | None = None
    """The agent's dynamic score utility weight; None = the run's recipe."""
    leaves: int | None = None
    """Leaves per network call in the agent's search (``run:`` option ``leaves``;
    `SearchConfig.leaves_per_step`); None = the ``run:`` default (the recipe's, and
    `distill.arena.players.TIMED_LEAVES` in timed searches where the recipe has 1)."""
    algorithm: str | None = None
    """The agent's search algorithm, "puct" or "gumbel" (``run:`` option ``algorithm``);
    None = the run's recipe."""
    reuse: bool = True
    """Timed moves start from the subtree the last move left (``run:`` option ``reuse``,
    `distill.arena.players.SearchPlayer.timed_root`); False = every move afresh."""
    symmetries: int | None = None
    """Board symmetries each position is evaluated under (``run:`` option ``symmetries``,
    `distill.search.symmetric.SymmetricEvaluator`); None = the net as it is."""


def run_ladder(
    run_dir: str | Path,
    opponents: Sequence[str],
    settings: LadderSettings = LadderSettings(),
    *,
    out: Path | None = None,
    on_game: Callable[[str, GameRecord], None] | None = None,
) -> LadderResult:
    """Play the ladder (see the module docstring); returns its result, also written to
    ``out/ladder.json`` (default out: ``RUN/ladder/<checkpoint stem>``).

    `on_game(opponent, record)` is called after every game (progress output). Raises
    ConfigError before writing anything when an opponent cannot start, the run is not a
    Go run, the settings are bad or `out` already holds files.
    """
    from distill.arena.agent import cached_agent

    if settings.games < 1:
        raise ConfigError(f"the ladder needs at least 1 game per opponent, got {settings.games}")
    if not opponents:
        raise ConfigError("the ladder needs at least one opponent")
    if settings.seconds_per_move is not None and not settings.seconds_per_move > 0:
        raise ConfigError(f"seconds per move must be > 0, got {settings.seconds_per_move}")
    check_jobs(settings.jobs)
    if settings.leaves is not None and settings.leaves < 1:
        raise ConfigError(f"leaves per network call must be >= 1, got {settings.leaves}")
    if settings.symmetries is not None and settings.symmetries < 1:
        raise ConfigError(f"symmetries must be >= 1, got {settings.symmetries}")
    if settings.resign is not None and not -1.0 < settings.resign < 0.0:
        raise ConfigError(f"the resign threshold must lie in (-1, 0), got {settings.resign}")
    agent = cached_agent(Path(run_dir), settings.checkpoint)
    domain = agent.domain
    if not isinstance(domain, GoDomain):
        raise ConfigError(f"the ladder plays Go runs; {run_dir} plays {domain.name!r}")
    out = out or Path(run_dir) / "ladder" / agent.checkpoint.stem
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"{out} already holds files; remove it or give another --out")
    openings = balanced_openings(
        domain,
        math.ceil(settings.games / 2),
        np.random.default_rng(settings.seed),
        settings.opening_plies,
    )
    agent_spec = _agent_spec(run_dir, settings)
    domain_spec = (agent.recipe.domain.id, dict(agent.recipe.domain.kwargs))
    players = start_players(domain, (agent_spec, *opponents))
    if settings.jobs > 1:  # each started once (a clear error here); the workers build their own
        for player in players[1:]:
            player.close()
    try:
        rows = [
            _play_opponent(domain, (players[0], player), (agent_spec, spec), k, openings,
                           settings, out, on_game, domain_spec)
            for k, (player, spec) in enumerate(zip(players[1:], opponents, strict=True))
        ]  # fmt: skip
    finally:
        for player in players:
            player.close()
    scores = [
        Score(row.opponent_elo, row.wins + 0.5 * row.draws, row.games)
        for row in rows
        if row.opponent_elo is not None
    ]
    result = LadderResult(
        agent=players[0].name,
        checkpoint=agent.checkpoint.name,
        generation=_generation(agent.checkpoint.stem),
        games_per_opponent=settings.games,
        seconds_per_move=settings.seconds_per_move,
        rows=rows,
        elo=fit_elo(scores),
        settings=settings,
    )
    atomic_write(out / "ladder.json", json.dumps(result.to_json(), indent=2) + "\n")
    return result


def _agent_spec(run_dir: str | Path, settings: LadderSettings) -> str:
    options = [f"sims={settings.simulations}"] if settings.simulations else []
    if settings.seconds_per_move is not None:
        options.append(f"seconds={settings.seconds_per_move}")
    if settings.resign is not None:
        options.append(f"resign={settings.resign}")
    if settings.checkpoint:
        options.append(f"checkpoint={settings.checkpoint}")
    if settings.leaves is not None:
        options.append(f"leaves={settings.leaves}")
    if settings.algorithm is not None:
        options.append(f"algorithm={settings.algorithm}")
    if not settings.reuse:
        options.append("reuse=0")
    if settings.symmetries is not None:
        options.append(f"symmetries={settings.symmetries}")
    for term in ("static", "dynamic"):
        weight = getattr(settings, f"score_{term}")
        if weight is not None:
            options.append(f"score_{term}={weight}")
    return ",".join([f"run:{run_dir}", *options])


def _generation(stem: str) -> int | None:
    match = re.fullmatch(r"gen-(\d+)", stem)
    return int(match.group(1)) if match else None


def folder_name(spec: str) -> str:
    """A file-system-safe folder name for an opponent spec (``gnugo:level=5`` ->
    ``gnugo-level-5``)."""
    return re.sub(r"[^A-Za-z0-9_.]+", "-", spec).strip("-") or "opponent"


def _play_opponent(
    domain: Domain,
    players: tuple[Player, Player],
    specs: tuple[str, str],
    index: int,
    openings: list[list[int]],
    settings: LadderSettings,
    out: Path,
    on_game: Callable[[str, GameRecord], None] | None,
    domain_spec: tuple[str, dict[str, Any]],
) -> LadderRow:
    """Play `settings.games` games of the agent (players[0], specs[0]) against one
    opponent (players[1], specs[1]): here, or with `settings.jobs` > 1 in that many
    processes that build their own players from the specs; its row of the table."""
    agent, spec = players[0], specs[1]
    labels = (agent.name, spec)
    folder = folder_name(spec)
    writer = MatchWriter(domain, out / folder, labels)

    def record(game: GameRecord) -> None:
        writer(game)
        if on_game is not None:
            on_game(spec, game)

    if settings.jobs > 1:
        result = play_match_parallel(
            domain_spec, specs, settings.games, (settings.seed, index), settings.jobs,
            openings=openings, labels=labels, on_game=record,
        )  # fmt: skip
    else:
        rng = np.random.default_rng([settings.seed, index])
        result = play_match(
            domain, agent, players[1], settings.games, rng, openings=openings, labels=labels,
            on_game=record,
        )  # fmt: skip
    low, high = wilson_interval(result.score, result.total)
    rating = anchor_elo(spec)
    elo = (
        (None, None, None)
        if rating is None
        else single_opponent_elo(rating, result.score, low, high)
    )
    return LadderRow(
        opponent=spec,
        games=result.total,
        wins=result.wins,
        draws=result.draws,
        losses=result.losses,
        win_rate=round(result.score, 4),
        ci95_low=round(low, 4),
        ci95_high=round(high, 4),
        opponent_elo=rating,
        elo=elo[0],
        elo_low=elo[1],
        elo_high=elo[2],
        folder=folder,
    )


def read_ladders(run_dir: str | Path) -> list[dict[str, Any]]:
    """Every ``RUN/ladder/*/ladder.json`` of a run, by generation (then file name)."""
    found = []
    for path in sorted(Path(run_dir, "ladder").glob("*/ladder.json")):
        try:
            found.append(json.loads(path.read_text()))
        except json.JSONDecodeError as exc:
            raise CorruptFileError(f"{path}: not a ladder result ({exc})") from None
    return sorted(found, key=lambda d: (d.get("generation") or 0, d.get("checkpoint", "")))


__all__ = [
    "LadderResult",
    "LadderRow",
    "LadderSettings",
    "anchor_elo",
    "anchor_text",
    "balanced_openings",
    "folder_name",
    "opening_points",
    "read_ladders",
    "run_ladder",
    "split_opponents",
    "win_rates_text",
]
