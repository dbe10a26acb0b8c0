"""The `distill` command line: a literal table of verbs, each in its own module.

Every verb lives in ``distill/commands/<module>.py`` with two functions::

    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace) -> int: ...          # the exit code

Modules are imported only when their verb runs, so ``distill --help`` is fast.
A `DistillError` (a user error) prints one line, ``distill <verb>: error: ...``,
and exits 2; so do operating-system errors (a directory where a file was expected,
permissions, a full disk) and input files that are not text, which are the user's
to fix too. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from distill.errors import DistillError

#: verb -> (module under distill.commands, one-line help). Keep sorted.
VERBS: dict[str, tuple[str, str]] = {
    "bench": ("bench", "measure speed: search, selfplay, go-engine, solver"),
    "compare": ("compare", "plot several runs' exact error rates against wall time together"),
    "domains": ("domains", "list the known domains"),
    "eval": ("eval", "evaluate a run's agent on solver-scored positions"),
    "export": ("export", "one checkpoint of a run as a small run directory to play or share"),
    "gtp": ("gtp", "speak GTP v2 on stdin/stdout (Go), for GUIs and referees"),
    "lab": ("lab", "measure claims against exact answers: lab credit RUN_DIR --out DIR"),
    "ladder": ("ladder", "play a Go run's agent against GNU Go levels etc.; win rates and Elo"),
    "match": ("match", "play N games between two players (distill or GTP engines)"),
    "paired": ("paired", "compare two matches or ladders on the same openings: sign test"),
    "play": ("play", "play against an agent in the terminal"),
    "pretrain": ("pretrain", "train a recipe's net on SGF games, then hand it to the flywheel"),
    "recipes": ("recipes", "list the built-in recipes (distill train NAME runs one)"),
    "report": ("report", "write plots (Elo, error rates, losses, throughput) for a run"),
    "search": ("search", "run a search from a position and print its statistics"),
    "solve": ("solve", "exact scores of every move of a position (tictactoe, connect4)"),
    "teacher": ("teacher", "SGF games of a teacher program (GNU Go) to warm-start a net"),
    "train": ("train", "run a recipe: a built-in name or a YAML file (or --resume a run)"),
}


def _build_parser(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, str | None]:
    parser = argparse.ArgumentParser(
        prog="distill", description="Search distillation: MCTS -> targets -> network -> MCTS."
    )
    from distill import __version__

    parser.add_argument("--version", action="version", version=f"distill {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="VERB")
    verb = next((a for a in argv if not a.startswith("-")), None)
    for name, (module, help_text) in VERBS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == verb:  # import only the module of the verb being run
            importlib.import_module(f"distill.commands.{module}").add_arguments(sub_parser)
    return parser, verb if verb in VERBS else None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `distill` console script; returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, verb = _build_parser(args_list)
    args = parser.parse_args(args_list)
    if verb is None:
        parser.print_help()
        return 0 if not args_list else 2
    module = importlib.import_module(f"distill.commands.{VERBS[verb][0]}")
    try:
        return int(module.run(args) or 0)
    except DistillError as exc:
        print(f"distill {verb}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a path of the wrong kind, permissions, a full disk: the user's
        print(f"distill {verb}: error: {exc}", file=sys.stderr)
        return 2
    except UnicodeDecodeError as exc:  # an input file that is not text
        print(f"distill {verb}: error: an input file is not UTF-8 text: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"distill {verb}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
