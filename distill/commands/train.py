"""`distill train RECIPE [--set a.b=c ...] [--run-dir DIR]` or `distill train --resume RUN_DIR`.

A new run validates the recipe (strictly, overrides included) before it
creates anything, then makes the run directory (default ``runs/<name>``) with
the resolved recipe inside. If that directory already holds a run of exactly
the same resolved recipe, the command continues it (so ``make run`` twice
resumes); any other existing, non-empty directory is refused, never
overwritten. ``--resume`` continues a run from its ``state.json`` after a
crash or ``kill -9``; it reads the run's own resolved recipe.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distill.errors import DistillError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recipe", nargs="?", type=Path, help="recipe YAML file (recipes/*.yaml)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe field, e.g. selfplay.games_per_generation=32 (repeatable)",
    )
    parser.add_argument("--run-dir", type=Path, help="run directory (default runs/<name>)")
    parser.add_argument(
        "--resume",
        type=Path,
        metavar="RUN_DIR",
        help="continue the run in RUN_DIR where it stopped",
    )
    parser.add_argument("--quiet", action="store_true", help="print only the final summary")


def run(args: argparse.Namespace) -> int:
    from distill.flywheel.run_dir import RunDir
    from distill.progress import Progress
    from distill.recipe import load_recipe, recipe_to_yaml

    if args.resume is not None:
        if args.recipe is not None or args.overrides or args.run_dir is not None:
            raise DistillError(
                "--resume RUN_DIR takes no recipe, --set or --run-dir "
                "(a run keeps its own resolved recipe)"
            )
        run_dir = RunDir.open(args.resume)
    else:
        if args.recipe is None:
            raise DistillError(
                "give a recipe file (e.g. recipes/tictactoe.yaml) or --resume RUN_DIR"
            )
        recipe = load_recipe(args.recipe, args.overrides)
        root, text = args.run_dir or Path("runs") / recipe.name, recipe_to_yaml(recipe)
        if (root / "state.json").is_file() and (root / "recipe.yaml").is_file():
            if (root / "recipe.yaml").read_text() != text:
                raise DistillError(
                    f"run directory {root} holds a run of a different recipe; use "
                    f"'distill train --resume {root}' or pick another --run-dir"
                )
            run_dir = RunDir.open(root)  # the same resolved recipe: continue that run
            print(f"resuming the run in {root} (same recipe)")
        else:
            run_dir = RunDir.create(root, text)
            print(f"run directory: {run_dir.root}")
    from distill.flywheel.loop import train

    with run_dir.locked():
        state = train(run_dir, Progress(quiet=args.quiet))
    return 0 if state.finished else 1
