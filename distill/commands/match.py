"""`distill match`: N games of Go between two players, scored by our engine.

    distill match --black mcts:sims=2000 --white gnugo:level=0 --games 10 --out runs/m1

Player A (``--black``) takes black in games 1, 3, 5, ... and white in the others.
Specs are those of `distill.players.make_player`: ``random``, ``mcts:sims=N``,
``gnugo:level=N``, ``gtp:/path/to/engine args``. The output directory gets one
SGF per game, ``results.csv`` and ``results.json``; the summary is printed as a table.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from distill.commands._args import non_negative_int

if TYPE_CHECKING:
    from rich.table import Table

    from distill.domains.go.match import GameRecord


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--black", required=True, help="player A (black in odd games)")
    parser.add_argument("--white", required=True, help="player B (white in odd games)")
    parser.add_argument("--games", type=int, default=2, help="number of games (default 2)")
    parser.add_argument("--size", type=int, default=9, help="board size 5..19 (default 9)")
    parser.add_argument("--komi", type=float, default=7.5, help="komi (default 7.5)")
    parser.add_argument(
        "--max-moves",
        type=int,
        default=None,
        help="move cap after which a game is scored (default 2*size^2)",
    )
    parser.add_argument(
        "--seed", type=non_negative_int, default=0, help="player seed (B gets seed+1)"
    )
    parser.add_argument("--out", type=Path, required=True, help="directory for SGFs and results")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from distill import make
    from distill.domains.go import GoDomain
    from distill.domains.go.match import play_match
    from distill.errors import ConfigError
    from distill.players import make_player

    if args.games < 1:
        raise ConfigError(f"--games must be >= 1, got {args.games}")
    domain = make("go", size=args.size, komi=args.komi, max_moves=args.max_moves)
    assert isinstance(domain, GoDomain)
    console = Console(stderr=True)
    labels = (args.black, args.white)
    if labels[0] == labels[1]:
        labels = (f"A:{args.black}", f"B:{args.white}")
    players = []
    try:
        for spec, seed in ((args.black, args.seed), (args.white, args.seed + 1)):
            players.append(make_player(spec, domain, seed=seed))
            if hasattr(players[-1], "check_ready"):  # an engine that cannot start: fail now
                players[-1].check_ready()
    except BaseException:
        for player in players:
            player.close()
        raise
    player_a, player_b = players

    def report(record: GameRecord) -> None:
        note = f" ({record.note})" if record.note else ""
        console.print(
            f"game {record.number}/{args.games}: {record.black} (B) vs {record.white} "
            f"(W): {record.result} after {record.moves} moves, "
            f"{record.seconds:.1f} s{note}"
        )

    try:
        records = play_match(
            domain,
            player_a,
            player_b,
            games=args.games,
            out_dir=args.out,
            labels=labels,
            on_game=report,
        )
    finally:
        player_a.close()
        player_b.close()
    out = Console()
    if not out.is_terminal:  # piped: rich would assume 80 columns and fold the specs
        out = Console(width=140)
    out.print(results_table(records, labels, f"{args.size}x{args.size}, komi {args.komi:g}"))
    console.print(f"SGF files and results.csv / results.json in {args.out}")
    return 0


def results_table(records: list[GameRecord], labels: tuple[str, str], board: str) -> Table:
    """The rich summary table: one row per player (its spec), Wilson 95% interval."""
    from rich.table import Table

    from distill.domains.go.match import summary

    table = Table(title=f"{board}, {len(records)} games, Tromp-Taylor scoring by distill")
    table.add_column("player", overflow="fold", min_width=20)
    for header in ("games", "won", "drawn", "lost", "as B", "as W", "win rate"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("95% CI", justify="right", no_wrap=True)
    for row in summary(records, labels):
        counts = ("games", "wins", "draws", "losses", "wins_as_black", "wins_as_white")
        table.add_row(
            str(row["player"]),
            *(str(row[key]) for key in counts),
            f"{row['win_rate']:.2f}",
            f"{row['ci95_low']:.2f}-{row['ci95_high']:.2f}",
        )
    return table
