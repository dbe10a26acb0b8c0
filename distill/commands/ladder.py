"""`distill ladder RUN_DIR`: a Go run's agent against a ladder of opponents.

    distill ladder runs/go9 --opponents random,gnugo:level=0,gnugo:level=5,gnugo:level=10 \\
        --games 20 --seconds-per-move 1

Every opponent gets ``--games`` games from balanced openings with alternating colours
(`distill.gtp.ladder`). SGFs and results land in ``RUN/ladder/<checkpoint>/`` (or
``--out``); the table shows the win rate with its Wilson 95% interval per opponent and
the Elo estimate on the scale where GNU Go level 10 is 0 (`distill.gtp.elo`).
``--jobs N`` plays N games at once, each in its own process
(`distill.arena.parallel`): a timed ladder then uses N cores, one a game.
``--opponents`` is a comma list of player specs; an item ``key=value`` continues the
spec before it (``gnugo:level=0,capture=0``). An opponent that cannot start is one
error, before any game.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from distill.commands._args import non_negative_int

if TYPE_CHECKING:
    from rich.table import Table

    from distill.gtp.ladder import LadderResult

DEFAULT_OPPONENTS = "random,gnugo:level=0,gnugo:level=5,gnugo:level=10"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", type=Path, help="the run directory (a Go run)")
    parser.add_argument(
        "--opponents",
        default=DEFAULT_OPPONENTS,
        help=f"comma list of opponent specs (default {DEFAULT_OPPONENTS})",
    )
    parser.add_argument("--games", type=int, default=10, help="games per opponent (default 10)")
    parser.add_argument(
        "--seconds-per-move",
        type=float,
        default=None,
        help="the agent's time per move (default: a fixed number of simulations)",
    )
    parser.add_argument(
        "--simulations", type=int, default=None, help="the agent's simulations per move"
    )
    parser.add_argument("--checkpoint", default=None, help="checkpoint file (default: latest)")
    parser.add_argument(
        "--opening-plies", type=int, default=2, help="moves of each opening, 0..2 (default 2)"
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="openings and search rng")
    parser.add_argument(
        "--resign",
        type=float,
        default=None,
        help="the agent resigns below this root value, in (-1, 0) (default: never)",
    )
    for term in ("static", "dynamic"):
        parser.add_argument(
            f"--score-{term}",
            type=float,
            default=None,
            metavar="W",
            help=f"the agent's {term} score utility weight (default: the run's recipe)",
        )
    parser.add_argument(
        "--leaves",
        type=int,
        default=None,
        metavar="L",
        help="leaves per network call in the agent's search, >= 1 (default: the recipe's, "
        "and 8 in timed searches where the recipe has 1)",
    )
    parser.add_argument(
        "--algorithm",
        choices=("puct", "gumbel"),
        default=None,
        help="the agent's search algorithm (default: the run's recipe)",
    )
    parser.add_argument(
        "--no-reuse",
        action="store_true",
        help="search every timed move afresh instead of from the subtree the last move left",
    )
    parser.add_argument(
        "--symmetries",
        type=int,
        default=None,
        metavar="N",
        help="evaluate each position under N board symmetries: 1 = one at random, N > 1 = "
        "the mean of N (8 = all on a square board; default: the net as it is)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="games at once, a process each (at most the cores; default 1)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output directory (default RUN/ladder/<ckpt>)"
    )


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from distill.arena.match import GameRecord
    from distill.errors import ConfigError
    from distill.gtp.ladder import LadderSettings, run_ladder, split_opponents

    if args.simulations is not None and args.simulations < 1:
        raise ConfigError(f"--simulations must be >= 1, got {args.simulations}")
    settings = LadderSettings(
        games=args.games,
        seconds_per_move=args.seconds_per_move,
        simulations=args.simulations,
        checkpoint=args.checkpoint,
        opening_plies=args.opening_plies,
        seed=args.seed,
        resign=args.resign,
        jobs=args.jobs,
        score_static=args.score_static,
        score_dynamic=args.score_dynamic,
        leaves=args.leaves,
        algorithm=args.algorithm,
        reuse=not args.no_reuse,
        symmetries=args.symmetries,
    )
    console = Console(stderr=True, highlight=False)

    def report(opponent: str, record: GameRecord) -> None:
        note = f" ({record.note})" if record.note else ""
        console.print(
            f"{opponent} game {record.number}/{args.games}: {record.players[0]} (B) vs "
            f"{record.players[1]} (W): {record.result} after {len(record.moves)} moves, "
            f"{record.seconds:.1f} s{note}"
        )

    result = run_ladder(
        args.run_dir, split_opponents(args.opponents), settings, out=args.out, on_game=report
    )
    out = Console(highlight=False)
    if not out.is_terminal:  # piped: rich would assume 80 columns and fold the specs
        out = Console(width=140, highlight=False)
    out.print(ladder_table(result))
    out.print(f"Elo (GNU Go level 10 = 0), 95% interval: {result.elo.text()}")
    return 0


def ladder_table(result: LadderResult) -> Table:
    """One row per opponent: results, win rate with its Wilson 95% interval, the
    opponent's rating and the agent's rating implied by that opponent alone."""
    from rich.table import Table

    from distill.gtp.elo import EloEstimate

    table = Table(title=f"ladder of {result.agent} ({result.games_per_opponent} games each)")
    table.add_column("opponent", overflow="fold", min_width=16)
    for header in ("games", "won", "drawn", "lost", "win rate", "95% CI", "its Elo", "Elo"):
        table.add_column(header, justify="right", no_wrap=True)
    for row in result.rows:
        alone = EloEstimate(row.elo, row.elo_low, row.elo_high)  # "> x" when all won
        table.add_row(
            row.opponent,
            str(row.games),
            str(row.wins),
            str(row.draws),
            str(row.losses),
            f"{row.win_rate:.2f}",
            f"{row.ci95_low:.2f}-{row.ci95_high:.2f}",
            "-" if row.opponent_elo is None else f"{row.opponent_elo:.0f}",
            "-" if row.opponent_elo is None else alone.text(),
        )
    return table
