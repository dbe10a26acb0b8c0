"""`distill lab EXPERIMENT ...`: measurement labs that test the toolkit's claims.

``distill lab credit RUN_DIR --out DIR`` compares the value targets (z, q, λ-returns,
z/q mixes) along the run's recorded self-play games with the solver's exact values and
writes ``credit.json`` and ``credit.png`` into DIR (see `distill.lab.credit`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distill.commands._args import non_negative_int, positive_int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="experiment", metavar="EXPERIMENT", required=True)
    credit = sub.add_parser(
        "credit",
        help="value targets vs the solver's exact values along a run's self-play games",
        description="value targets vs the solver's exact values along a run's self-play games",
    )
    credit.add_argument("run_dir", type=Path, help="run directory (its domain needs a solver)")
    credit.add_argument("--out", type=Path, required=True, help="folder for credit.json/.png")
    credit.add_argument(
        "--lambdas", default="0,0.5,0.8,0.95,1", help="comma-separated λ values in [0, 1]"
    )
    credit.add_argument(
        "--mixes", default="0.25,0.5,0.75", help="comma-separated z weights of the z/q mixes"
    )
    credit.add_argument(
        "--min-ply",
        type=non_negative_int,
        default=0,
        help="solve only positions with at least this many plies played (solver cost)",
    )
    credit.add_argument(
        "--max-positions", type=positive_int, help="stop after this many solved positions"
    )


def _numbers(text: str, flag: str) -> list[float]:
    from distill.errors import ConfigError

    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{flag}: expected comma-separated numbers, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    from distill.errors import ConfigError
    from distill.flywheel.loop import load_run_recipe
    from distill.flywheel.run_dir import RunDir
    from distill.lab.credit import check_lambdas, credit_report, write_credit
    from distill.registry import make
    from distill.solve import require_solver

    lambdas = check_lambdas(_numbers(args.lambdas, "--lambdas"))
    mixes = _numbers(args.mixes, "--mixes")
    if any(not 0.0 <= m <= 1.0 for m in mixes):
        raise ConfigError(f"--mixes: every z weight must be in [0, 1], got {args.mixes}")
    recipe = load_run_recipe(RunDir.open(args.run_dir))
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    require_solver(domain)
    report = credit_report(
        args.run_dir,
        domain,
        lambdas=lambdas,
        mixes=mixes,
        min_ply=args.min_ply,
        max_positions=args.max_positions,
    )
    paths = write_credit(report, args.out)
    for name, phases in report.stats.items():
        row = "  ".join(
            f"{p}: mse {s.mse:.3f} bias {s.bias:+.3f}" for p, s in phases.items() if s.count
        )
        print(f"{name:12s} {row}")
    print(
        f"{report.positions} positions of {report.games} games; wrote {', '.join(map(str, paths))}"
    )
    return 0
