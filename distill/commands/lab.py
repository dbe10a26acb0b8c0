"""`distill lab EXPERIMENT ...`: measurement labs that test the toolkit's claims.

``distill lab credit RUN_DIR --out DIR`` compares the value targets (z, q, λ-returns,
z/q mixes) along the run's recorded self-play games with the solver's exact values and
writes ``credit.json`` and ``credit.png`` into DIR (see `distill.lab.credit`).

``distill lab hurts RUN_DIR --out DIR`` corrupts the network's values at rates p and
measures the search's improvement over the raw policy by the oracle; writes
``hurts.json`` and ``hurts.png`` (see `distill.lab.hurts`).

``distill lab resign RUN_DIR --out DIR`` counts the solver-scored positions where the
run's network (searching at the self-play budget, and the raw value head) would resign
though the position is not lost; writes ``resign.json`` and ``resign.png`` (see
`distill.lab.resign`).

``distill lab transfer RUN_DIR --out DIR`` scores a Go run's network, without search, on
solver-free 19x19 checks (capture-or-die tactics, ownership of settled groups) against
random guessing, whatever board it was trained on; writes ``transfer.json`` (see
`distill.lab.transfer`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

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
    _add_hurts(sub)
    _add_resign(sub)
    _add_transfer(sub)


def _add_hurts(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    text = "search vs raw policy by the oracle as the value head is corrupted at rate p"
    hurts = sub.add_parser("hurts", help=text, description=text)
    hurts.add_argument("run_dir", type=Path, help="run directory (its domain needs a solver)")
    hurts.add_argument("--out", type=Path, required=True, help="folder for hurts.json/.png")
    hurts.add_argument("--rates", default="0,0.25,0.5,0.75,1", help="comma-separated p in [0, 1]")
    hurts.add_argument("--mode", choices=("flip", "noise"), default="flip", help="corruption")
    hurts.add_argument(
        "--positions", type=positive_int, default=64, help="scored positions per bucket"
    )
    hurts.add_argument("--checkpoint", help="checkpoint file name (default: latest)")
    hurts.add_argument("--seed", type=non_negative_int, default=0, help="rng seed")


def _add_resign(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    text = "false resignations of a run's network on solver-scored positions"
    resign = sub.add_parser("resign", help=text, description=text)
    resign.add_argument("run_dir", type=Path, help="run directory (its domain needs a solver)")
    resign.add_argument("--out", type=Path, required=True, help="folder for resign.json/.png")
    resign.add_argument(
        "--threshold", type=float, help="resign below this value (default: the recipe's)"
    )
    resign.add_argument(
        "--simulations", type=positive_int, help="search budget (default: the recipe's)"
    )
    resign.add_argument(
        "--positions", type=positive_int, default=200, help="scored positions per bucket"
    )
    resign.add_argument("--checkpoint", help="checkpoint file name (default: latest)")


def _add_transfer(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    text = "a Go net on solver-free checks of another board size: tactics and ownership"
    transfer = sub.add_parser("transfer", help=text, description=text)
    transfer.add_argument("run_dir", type=Path, help="run directory of a Go recipe")
    transfer.add_argument("--out", type=Path, required=True, help="folder for transfer.json")
    transfer.add_argument("--size", type=positive_int, default=19, help="board size (13..19)")
    transfer.add_argument(
        "--positions",
        type=positive_int,
        default=200,
        help="tactics positions (half as many settled-group boards)",
    )
    transfer.add_argument("--checkpoint", help="checkpoint file name (default: latest)")
    transfer.add_argument(
        "--untrained",
        action="store_true",
        help="a control: the run's network at its initial weights (generation 0)",
    )
    transfer.add_argument("--seed", type=non_negative_int, default=0, help="positions' seed")


def _numbers(text: str, flag: str) -> list[float]:
    from distill.errors import ConfigError

    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ConfigError(f"{flag}: expected comma-separated numbers, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    runners = {
        "credit": _run_credit,
        "hurts": _run_hurts,
        "resign": _run_resign,
        "transfer": _run_transfer,
    }
    return runners[args.experiment](args)


def _resign_threshold(args: argparse.Namespace) -> float:
    """The threshold of `distill lab resign`: --threshold, else the run's recipe's; checks
    first that the run's domain has a solver (nothing is loaded for a run without one)."""
    from distill.errors import ConfigError
    from distill.flywheel.loop import load_run_recipe
    from distill.flywheel.run_dir import RunDir
    from distill.registry import make
    from distill.solve import require_solver

    if args.threshold is not None and not -1.0 < args.threshold < 0.0:
        raise ConfigError(f"--threshold must be in (-1, 0), got {args.threshold}")
    recipe = load_run_recipe(RunDir.open(args.run_dir))
    require_solver(make(recipe.domain.id, **recipe.domain.kwargs))
    threshold = args.threshold if args.threshold is not None else recipe.selfplay.resign_threshold
    if threshold is None:
        raise ConfigError(
            f"{args.run_dir}: the recipe never resigns (selfplay.resign_threshold: null); "
            "give --threshold"
        )
    return float(threshold)


def _run_resign(args: argparse.Namespace) -> int:
    from distill.arena.agent import load_agent
    from distill.flywheel.run_dir import RunDir
    from distill.lab.resign import measure, selfplay_counts, write_resign

    threshold = _resign_threshold(args)
    agent = load_agent(args.run_dir, args.checkpoint)
    sims = args.simulations or agent.recipe.search.num_simulations
    rows = measure(agent, threshold, args.positions, sims)
    meta = {
        "run_dir": str(args.run_dir),
        "checkpoint": agent.checkpoint.name,
        "domain": agent.domain.name,
        "threshold": threshold,
        "simulations": sims,
        "no_resign_fraction": agent.recipe.selfplay.no_resign_fraction,
        "selfplay": selfplay_counts(RunDir.open(args.run_dir).read_metrics()),
    }
    paths = write_resign(rows, meta, args.out)
    for r in rows:
        rate = "-" if r.false_rate is None else f"{r.false_rate:.3f}"
        print(
            f"{r.source:6s} {r.phase:7s} would resign {r.would_resign:4d}/{r.positions:<4d} "
            f"false {r.false_resign:4d} (rate {rate})  lost {r.lost:4d} missed {r.missed:4d}"
        )
    print(f"self-play: {meta['selfplay']}; wrote {', '.join(map(str, paths))}")
    return 0


def _run_transfer(args: argparse.Namespace) -> int:
    from distill.arena.agent import load_agent
    from distill.domains.go import GoDomain
    from distill.errors import ConfigError
    from distill.lab.transfer import measure, summary_lines, write_transfer
    from distill.nets.model import resolve_policy_head

    if not 13 <= args.size <= 19:
        raise ConfigError(f"--size must be in 13..19, got {args.size}")
    agent = (
        _untrained_agent(args.run_dir)
        if args.untrained
        else load_agent(args.run_dir, args.checkpoint)
    )
    if not isinstance(agent.domain, GoDomain):
        raise ConfigError(
            f"{args.run_dir}: lab transfer needs a Go run, it plays {agent.domain.name!r}"
        )
    net = agent.recipe.network
    kind = resolve_policy_head(net.heads.policy, agent.domain.board_shape, agent.domain.num_actions)
    if kind != "spatial" or (
        net.backbone == "transformer" and min(net.transformer.max_board) < args.size
    ):
        raise ConfigError(
            f"{args.run_dir}: its network only plays the board it was built for "
            f"(policy head {kind!r}, backbone {net.backbone!r}); transfer needs a fully "
            "convolutional one"
        )
    result = measure(agent.evaluator, size=args.size, positions=args.positions, seed=args.seed)
    meta = {
        "run_dir": str(args.run_dir),
        "checkpoint": agent.checkpoint.name,
        "trained_sizes": [v.rules.size for v in agent.domain.variants or (agent.domain,)],
        "size": args.size,
        "seed": args.seed,
    }
    path = write_transfer(result, meta, args.out)
    for line in summary_lines(result):
        print(line)
    print(f"wrote {path}")
    return 0


def _run_hurts(args: argparse.Namespace) -> int:
    from distill.arena.agent import load_agent
    from distill.errors import ConfigError
    from distill.lab.hurts import measure, write_hurts
    from distill.solve import require_solver

    rates = _numbers(args.rates, "--rates")
    if not rates or any(not 0.0 <= p <= 1.0 for p in rates):
        raise ConfigError(f"--rates: every p must be in [0, 1], got {args.rates!r}")
    agent = load_agent(args.run_dir, args.checkpoint)
    require_solver(agent.domain)
    rows, positions, sims = measure(agent, rates, args.mode, args.positions, args.seed)
    meta = {
        "run_dir": str(args.run_dir),
        "checkpoint": agent.checkpoint.name,
        "domain": agent.domain.name,
        "mode": args.mode,
        "positions": positions,
        "simulations": sims,
    }
    paths = write_hurts(rows, meta, args.out)
    for r in rows:
        print(f"p={r.rate:<5g} better {r.improve:.3f}  worse {r.worse:.3f}  net {r.net:+.3f}")
    print(f"wrote {', '.join(map(str, paths))}")
    return 0


def _untrained_agent(run_dir: Path) -> Any:
    """The run's recipe and network at its initial weights (seeded as the run's were)."""
    from distill.arena.agent import Agent
    from distill.flywheel.generation import Learner
    from distill.flywheel.loop import load_run_recipe
    from distill.flywheel.run_dir import RunDir
    from distill.registry import make

    recipe = load_run_recipe(RunDir.open(run_dir))
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    return Agent(recipe, domain, Learner.create(recipe, domain).evaluator(), Path("untrained"))


def _run_credit(args: argparse.Namespace) -> int:
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
