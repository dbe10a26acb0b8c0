"""`distill bench TARGET [options]`: run a speed benchmark from `distill.bench`.

Each target is a module ``distill/bench/<module>.py`` with ``main(argv) -> int``
that parses its own options (``distill bench search --help``); this verb is the one
entry point, so every benchmark works from an installed package.
"""

from __future__ import annotations

import argparse
import importlib

from distill.errors import DistillError

#: target -> module under distill.bench. Keep sorted.
TARGETS: dict[str, str] = {
    "go-engine": "go_engine",
    "go-rules": "go_rules",
    "gpu": "gpu",
    "inference": "inference",
    "learner": "learner",
    "search": "search",
    "search-leaves": "search_leaves",
    "selfplay": "selfplay",
    "solver": "solver",
    "symmetries": "symmetries",
    "timed-reuse": "timed_reuse",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target", nargs="?", choices=sorted(TARGETS), help="what to measure (required)"
    )
    parser.add_argument("options", nargs=argparse.REMAINDER, help="options of the target")


def run(args: argparse.Namespace) -> int:
    if args.target is None:
        raise DistillError(
            f"name what to measure: distill bench {{{','.join(sorted(TARGETS))}}} [options]"
            " (distill bench TARGET --help lists a target's options)"
        )
    try:
        module = importlib.import_module(f"distill.bench.{TARGETS[args.target]}")
    except ModuleNotFoundError as exc:
        raise DistillError(f"benchmark {args.target!r} is not available: {exc}") from exc
    return int(module.main(list(args.options)) or 0)
