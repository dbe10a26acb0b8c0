"""`distill gtp`: a Go engine speaking GTP version 2 on stdin/stdout.

For GUIs (Sabaki, Lizzie) and referees (``distill match``, gogui-twogtp)::

    distill gtp --size 9 --komi 7.5 --player mcts --simulations 1600
    distill gtp --size 9 --player run:runs/go9,sims=400 --lizzie

``--player`` takes any player spec of `distill.arena.specs.make_player` (``random``,
``mcts:sims=800``, ``run:RUN_DIR`` for a trained network, even ``gnugo:level=3`` to
relay GNU Go). ``--version-reply`` sets what ``version`` answers; ``--lizzie`` is
``--version-reply 0.17`` because Lizzie wants a Leela Zero version of 0.15 or later
(``--name KataGo`` makes Lizzie use ``kata-analyze`` instead). Diagnostics go to
stderr; stdout carries only GTP replies. A bad ``--player`` exits 2 before GTP starts.
"""

from __future__ import annotations

import argparse
import sys

from distill.commands._args import non_negative_int

#: A Leela Zero version Lizzie accepts (it parses the minor number and wants >= 15).
LIZZIE_VERSION = "0.17"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, default=9, help="initial board size 5..19 (default 9)")
    parser.add_argument("--komi", type=float, default=7.5, help="initial komi (default 7.5)")
    parser.add_argument(
        "--player",
        default="mcts",
        help="player spec: random | mcts[:sims=N,...] | run:RUN_DIR[,sims=N] | "
        "gnugo[:level=N] | gtp:COMMAND (default mcts)",
    )
    parser.add_argument(
        "--simulations",
        type=int,
        default=None,
        help="simulations per move of an mcts player (shortcut for mcts:sims=N)",
    )
    parser.add_argument("--seed", type=non_negative_int, default=0, help="the session's rng seed")
    parser.add_argument(
        "--superko",
        default="positional",
        choices=("positional", "situational", "simple"),
        help="repetition rule (default positional)",
    )
    parser.add_argument(
        "--max-moves",
        type=int,
        default=None,
        help="move cap after which the game is scored (default 2*size^2)",
    )
    parser.add_argument("--name", default="distill", help="what the GTP 'name' command answers")
    parser.add_argument(
        "--version-reply",
        default=None,
        help="what the GTP 'version' command answers (default: distill's version)",
    )
    parser.add_argument(
        "--lizzie",
        action="store_true",
        help=f"answer 'version' with {LIZZIE_VERSION} (Lizzie wants Leela Zero 0.15 or later)",
    )


def player_spec(player: str, simulations: int | None) -> str:
    """The --player spec with --simulations folded in (only meaningful for mcts)."""
    from distill.errors import ConfigError

    if simulations is None:
        return player
    kind, _, rest = player.partition(":")
    if kind != "mcts":
        raise ConfigError(f"--simulations applies to the mcts player, not {player!r}")
    if "sims=" in rest:
        raise ConfigError(f"--simulations given twice: in --player {player!r} and as an option")
    return f"mcts:{rest + ',' if rest else ''}sims={simulations}"


def run(args: argparse.Namespace) -> int:
    from distill.arena.players import Player
    from distill.arena.specs import make_player
    from distill.domains.go import GoDomain
    from distill.errors import ConfigError
    from distill.gtp.analysis import serve
    from distill.gtp.engine import GtpEngine
    from distill.gtp.protocol import read_chunks, read_lines

    spec = player_spec(args.player, args.simulations)
    if args.lizzie and args.version_reply is not None:
        raise ConfigError("give --lizzie or --version-reply, not both")
    version = LIZZIE_VERSION if args.lizzie else args.version_reply

    def factory(domain: GoDomain) -> Player:
        return make_player(spec, domain)

    engine = GtpEngine(
        factory,
        size=args.size,
        komi=args.komi,
        superko=args.superko,
        max_moves=args.max_moves,
        name=args.name,
        version=version,
        seed=args.seed,
    )
    engine.player  # noqa: B018 -- build it now, so a bad --player spec fails before GTP starts
    return serve(engine, read_lines(read_chunks(sys.stdin.fileno())), sys.stdout)
