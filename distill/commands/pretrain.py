"""`distill pretrain RECIPE --sgf DIR [--out RUN_DIR] [--epochs E] [--holdout N] [--init RUN]
[--set ...]`.

Trains the recipe's network on a collection of SGF games (policy = the move played,
value = the result, ownership and score from games that ended by two passes) and
writes a run directory whose first checkpoint is the pretrained net, so

    distill pretrain go9-warmstart --sgf data/gnugo9 --out runs/go9-ws
    distill train --resume runs/go9-ws

continues with self-play from it. With ``--init RUN_DIR`` (or a checkpoint file) the
training starts from that trained net instead of a fresh one: fine-tuning, whose
network must be the recipe's (pass the run's own ``recipe.yaml``). Every file is
checked before anything is written (board size, komi, handicap or setup stones,
ruleset, corrupt files, an --init that does not fit: one line naming the file, exit
2). See `distill.warmstart.pretrain`.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", help="recipe file or built-in name (e.g. go9-warmstart)")
    parser.add_argument("--sgf", type=Path, required=True, help="directory of *.sgf games")
    parser.add_argument("--out", type=Path, help="run directory to create (default runs/<name>)")
    parser.add_argument("--epochs", type=int, default=2, help="passes over the games (default 2)")
    parser.add_argument(
        "--holdout",
        type=int,
        default=0,
        metavar="N",
        help="keep N games (drawn with the recipe's seed) out of training and score the net "
        "on them after every epoch: policy cross-entropy and top-1, value error (default 0)",
    )
    parser.add_argument(
        "--init",
        type=Path,
        metavar="RUN",
        help="start from this run's latest checkpoint (or this checkpoint file) instead of "
        "a fresh net; its network must be the recipe's (default: a fresh net)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe field (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import Progress

    from distill.recipe import load_recipe
    from distill.warmstart.pretrain import (
        check_inputs,
        init_weights,
        pretrain_games,
        split_holdout,
    )

    recipe = load_recipe(args.recipe, args.overrides)
    out = args.out or Path("runs") / recipe.name
    # On a terminal only, and gone again if a file is refused: bad input gets one line.
    with Progress(transient=True, disable=not Console().is_terminal) as bar:
        reading = bar.add_task("reading SGF files", total=None)

        def read(done: int, total: int) -> None:
            bar.update(reading, completed=done, total=total)

        # every check before any output
        domain, games = check_inputs(recipe, args.sgf, out, args.epochs, on_file=read)
        split_holdout(games, args.holdout, recipe.seed)
        init = init_weights(recipe, domain, args.init) if args.init is not None else None
    with Progress(transient=False) as bar:
        encoding = bar.add_task(f"encoding {len(games)} games", total=len(games))
        training = bar.add_task("pretraining", total=args.epochs, start=False)

        def encode(done: int, total: int) -> None:
            bar.update(encoding, completed=done)
            if done == total:
                bar.start_task(training)

        def advance(epoch: int, epochs: int, metrics: dict[str, float]) -> None:
            losses = "  ".join(
                f"{k.removeprefix('mean/').replace('heldout/', 'held-out ')} {v:.3f}"
                for k, v in sorted(metrics.items())
            )
            bar.update(training, completed=epoch, description=f"epoch {epoch}/{epochs}  {losses}")

        summary = pretrain_games(
            recipe,
            domain,
            games,
            out,
            epochs=args.epochs,
            holdout=args.holdout,
            init=init,
            progress=advance,
            on_games=encode,
        )
    verb = "pretrained" if init is None else "fine-tuned"
    print(
        f"{verb} on {summary['games']} games ({summary['positions']} positions, "
        f"{int(summary['steps'])} steps); run directory {out}: "
        f"continue with 'distill train --resume {out}'"
    )
    if summary["heldout_games"]:
        print(
            f"held out {summary['heldout_games']} games: policy cross-entropy "
            f"{summary['heldout/policy_ce']:.3f}, top-1 {summary['heldout/policy_top1']:.3f}, "
            f"value squared error {summary['heldout/value_mse']:.3f} (per epoch: "
            f"{out / 'pretrain.csv'})"
        )
    return 0
