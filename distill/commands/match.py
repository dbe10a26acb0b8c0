"""`distill match`: N games between two players, refereed by our rules.

    distill match --a mcts:sims=2000 --b gnugo:level=0 --games 10 --out runs/m1
    distill match --a run:runs/go9 --b gnugo:level=5 --seconds-per-move 1 --opening-plies 2 \
        --games 20 --out runs/m2
    distill match --domain connect4 --a oracle --b mcts:sims=200 --games 20 --out runs/m3

Player A takes colour 0 (Go: black) in games 1, 3, 5, ... and colour 1 in the others
(``--black``/``--white`` are aliases of ``--a``/``--b``). Specs are those of
`distill.arena.specs.make_player`: ``random``, ``mcts:sims=N``, ``oracle``,
``gnugo:level=N``, ``gtp:/path/to/engine args``, ``run:RUN_DIR``. ``--seconds-per-move``
gives every player that can search for a time budget (``mcts``, ``run:``) that much
time per move. ``--opening-plies K`` starts each pair of games (colours swapped) from
a K-move opening: for Go the ladder's balanced openings (`distill.gtp.ladder`), else
uniformly random moves. The output directory gets one game record per game (SGF for
Go), ``results.csv`` and ``results.json``; the summary is printed as a table.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distill.commands._args import non_negative_int

if TYPE_CHECKING:
    from rich.table import Table

    from distill.arena.match import GameRecord
    from distill.domain import Domain


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--a", "--black", dest="a", required=True, help="player A's spec")
    parser.add_argument("--b", "--white", dest="b", required=True, help="player B's spec")
    parser.add_argument("--games", type=int, default=2, help="number of games (default 2)")
    parser.add_argument("--domain", default="go", help="domain id (default go)")
    parser.add_argument("--size", type=int, default=None, help="Go board size (default 9)")
    parser.add_argument("--komi", type=float, default=None, help="Go komi (default 7.5)")
    parser.add_argument(
        "--max-moves", type=int, default=None, help="move cap (default: the domain's)"
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="the match's rng seed")
    parser.add_argument(
        "--seconds-per-move",
        type=float,
        default=None,
        help="time per move of players that search for a time budget (mcts, run:)",
    )
    parser.add_argument(
        "--opening-plies",
        type=non_negative_int,
        default=0,
        help="start each pair of games from a K-move opening (Go: balanced, 0..2)",
    )
    parser.add_argument("--out", type=Path, required=True, help="directory for records/results")


def run(args: argparse.Namespace) -> int:
    import numpy as np
    from rich.console import Console

    from distill import make
    from distill.arena.match import play_match
    from distill.arena.results import MatchWriter
    from distill.arena.specs import start_players
    from distill.errors import ConfigError

    if args.games < 1:
        raise ConfigError(f"--games must be >= 1, got {args.games}")
    kwargs: dict[str, Any] = {k: getattr(args, k) for k in ("size", "komi")}
    domain = make(args.domain, **{k: v for k, v in kwargs.items() if v is not None})
    console = Console(stderr=True)
    labels = (args.a, args.b) if args.a != args.b else (f"A:{args.a}", f"B:{args.b}")
    openings = match_openings(domain, args.opening_plies, args.games, args.seed)
    if args.seconds_per_move is not None and not args.seconds_per_move > 0:
        raise ConfigError(f"--seconds-per-move must be > 0, got {args.seconds_per_move}")
    player_a, player_b = start_players(domain, (args.a, args.b))
    for player in (player_a, player_b):
        if args.seconds_per_move is not None and hasattr(player, "seconds_per_move"):
            player.seconds_per_move = args.seconds_per_move
    settings = {
        key: getattr(args, key)
        for key in ("domain", "size", "komi", "games", "seed", "opening_plies")
    }
    settings.update(seconds_per_move=args.seconds_per_move, max_moves=args.max_moves)
    writer = MatchWriter(domain, args.out, labels, settings)

    def report(record: GameRecord) -> None:
        writer(record)
        note = f" ({record.note})" if record.note else ""
        console.print(
            f"game {record.number}/{args.games}: {record.players[0]} "
            f"({domain.player_names[0]}) vs {record.players[1]} ({domain.player_names[1]}): "
            f"{record.result} after {len(record.moves)} moves, {record.seconds:.1f} s{note}"
        )

    try:
        play_match(
            domain,
            player_a,
            player_b,
            args.games,
            np.random.default_rng(args.seed),
            max_moves=args.max_moves,
            openings=openings,
            labels=labels,
            on_game=report,
        )
    finally:
        player_a.close()
        player_b.close()
    out = Console()
    if not out.is_terminal:  # piped: rich would assume 80 columns and fold the specs
        out = Console(width=140)
    out.print(results_table(writer.records, labels, domain))
    console.print(f"game records and results.csv / results.json in {args.out}")
    return 0


def match_openings(domain: Domain, plies: int, games: int, seed: int) -> list[list[int]] | None:
    """Openings for each pair of games: Go's balanced ones, else random (None for 0 plies)."""
    import numpy as np

    from distill.arena.match import random_openings
    from distill.domains.go import GoDomain
    from distill.gtp.ladder import balanced_openings

    if plies == 0:
        return None
    rng = np.random.default_rng([seed, plies])
    if isinstance(domain, GoDomain):  # Go's openings need its board geometry
        return balanced_openings(domain, (games + 1) // 2, rng, plies)
    return random_openings(domain, (games + 1) // 2, plies, rng)


def results_table(records: list[GameRecord], labels: tuple[str, str], domain: Domain) -> Table:
    """The rich summary table: one row per player (its spec), Wilson 95% interval."""
    from rich.table import Table

    from distill.arena.results import summary

    table = Table(title=f"{domain!r}: {len(records)} games, refereed by distill")
    table.add_column("player", overflow="fold", min_width=20)
    names = domain.player_names
    for header in ("games", "won", "drawn", "lost", f"as {names[0]}", f"as {names[1]}"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("win rate", justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    for row in summary(records, labels):
        counts = ("games", "wins", "draws", "losses", "wins_as_0", "wins_as_1")
        table.add_row(
            str(row["player"]),
            *(str(row[key]) for key in counts),
            f"{row['win_rate']:.2f}",
            f"{row['ci95_low']:.2f}-{row['ci95_high']:.2f}",
        )
    return table
