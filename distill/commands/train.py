"""`distill train RECIPE [--set a.b=c ...] [--run-dir DIR]` or `distill train --resume RUN_DIR`.

RECIPE is a YAML file or the name of a built-in recipe (``distill train
tictactoe``; ``distill recipes`` lists them). A new run validates the recipe
(strictly, overrides included) and, for a domain that is not built in (a plugin
or a PettingZoo game), runs a short `distill.testing.check_domain` before it
creates anything, then makes the run directory (default ``runs/<name>``) with
the resolved recipe inside. If that directory already holds a run of exactly
the same resolved recipe, the command continues it (so ``make run`` twice
resumes); any other existing, non-empty directory is refused, never
overwritten. ``--resume`` continues a run from its ``state.json`` after a
crash or ``kill -9``; it reads the run's own resolved recipe. ``--resume RUN_DIR --set
budget.generations=70`` (budget fields only) changes the run's budget first, so a
finished run whose curve still rose can go on.

``--ray auto|ADDRESS`` plays the self-play rounds on Ray actors
(`distill.scale.ray_selfplay`); Ray missing or an address where no cluster answers is
one error line, before anything is written. A recipe this machine cannot run
(``device: cuda`` without a GPU, more ``selfplay.actors`` than cores) is refused with
one line before anything is written (`distill.devices.check_machine`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from distill.errors import DistillError
from distill.fileio import atomic_write

if TYPE_CHECKING:
    from distill.flywheel.run_dir import RunDir, RunState
    from distill.progress import Progress
    from distill.recipe import Recipe


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "recipe",
        nargs="?",
        type=Path,
        help="a recipe YAML file, or a built-in recipe's name (distill recipes lists them)",
    )
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
    parser.add_argument(
        "--ray",
        metavar="auto|ADDRESS",
        help="play self-play rounds on Ray actors (selfplay.ray_actors of them): 'auto' "
        "starts a local cluster, HOST:PORT joins a running one (pip install 'distill[ray]')",
    )
    parser.add_argument(
        "--ray-object-store-mb",
        type=int,
        default=512,
        metavar="MB",
        help="object store cap of the local cluster that --ray auto starts (default 512)",
    )


def run(args: argparse.Namespace) -> int:
    from distill.devices import check_machine
    from distill.flywheel.loop import load_run_recipe
    from distill.flywheel.run_dir import RunDir
    from distill.progress import Progress
    from distill.recipe import load_recipe, recipe_to_yaml

    progress = Progress(quiet=args.quiet)
    rebudget = None
    if args.resume is not None:
        if args.recipe is not None or args.run_dir is not None:
            raise DistillError(
                "--resume RUN_DIR takes no recipe or --run-dir (a run keeps its own "
                "resolved recipe; --set budget.FIELD=VALUE may change its budget)"
            )
        run_dir = RunDir.open(args.resume)
        recipe = load_run_recipe(run_dir)
        if args.overrides:
            recipe = rebudget = _rebudgeted(run_dir, recipe, args.overrides)
        check_machine(recipe)
        _check_plugin(recipe)
        ray = _connect_ray(args, recipe)
    else:
        if args.recipe is None:
            raise DistillError(
                "give a recipe (a YAML file, or a built-in name such as tictactoe: "
                "distill recipes lists them) or --resume RUN_DIR"
            )
        recipe = load_recipe(args.recipe, args.overrides)
        check_machine(recipe)  # device: cuda without a GPU, too many actors: nothing written
        _check_plugin(recipe)
        ray = _connect_ray(args, recipe)
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
    for note in capability_notes(recipe):
        if not args.quiet:
            print(note)  # plain print: one line, never wrapped to the terminal's width
    from distill.flywheel.loop import train

    with run_dir.locked():
        if rebudget is not None:  # all checks passed: only now does the run change
            atomic_write(run_dir.recipe_path, recipe_to_yaml(rebudget))
            if not args.quiet:
                print(f"budget of the run in {run_dir.root} is now: {_budget_text(rebudget)}")
        if ray is None:
            state = train(run_dir, progress)
        else:
            state = _train_on_ray(ray, run_dir, recipe, progress, local=args.ray == "auto")
    return 0 if state.finished else 1


def _rebudgeted(run_dir: RunDir, recipe: Recipe, overrides: list[str]) -> Recipe:
    """The run's recipe with `overrides` applied, which may set ``budget.*`` fields only
    (DistillError otherwise). A finished run whose new budget is not spent goes on
    (`distill.flywheel.loop.train`); with a cosine schedule, more generations stretch it,
    so the coming steps' learning rate follows the new length."""
    import dataclasses

    from distill.recipe import load_recipe

    other = [o for o in overrides if not o.strip().startswith("budget.")]
    if other:
        raise DistillError(
            f"--resume RUN_DIR takes --set for budget fields only, not {other[0]!r}: the rest "
            "of a run's recipe is fixed when the run starts"
        )
    changed = load_recipe(run_dir.recipe_path, overrides)
    assert dataclasses.replace(changed, budget=recipe.budget) == recipe, "only the budget moves"
    return changed


def _budget_text(recipe: Recipe) -> str:
    budget = recipe.budget
    minutes = "none" if budget.max_minutes is None else f"{budget.max_minutes:g}"
    return f"{budget.generations} generations, at most {minutes} minutes"


def _connect_ray(args: argparse.Namespace, recipe: Recipe) -> Any:
    """The connected `ray` module for --ray, else None. Before anything is written: Ray
    missing, an address where nothing answers or too few CPUs is one error line; so is a
    decoupled recipe with neither actor processes nor --ray."""
    from distill.flywheel.decoupled import check_decoupled

    check_decoupled(recipe, on_ray=args.ray is not None)
    if args.ray is None:
        return None
    from distill.scale.ray_selfplay import RayOptions, connect

    return connect(RayOptions(args.ray, args.ray_object_store_mb, recipe.selfplay.ray_actors))


def _train_on_ray(
    ray: Any, run_dir: RunDir, recipe: Recipe, progress: Progress, *, local: bool
) -> RunState:
    """`train` with self-play on Ray units; stops the units (and a local cluster) after."""
    from distill.flywheel.loop import train
    from distill.recipe import derive
    from distill.scale.ray_selfplay import RaySelfPlay, default_actors

    actors = recipe.selfplay.ray_actors or default_actors(ray)
    units = RaySelfPlay(ray, run_dir.read_recipe_text(), derive(recipe).games_per_round, actors)
    if not progress.quiet:
        placed, alive = len(set(units.nodes())), sum(1 for n in ray.nodes() if n.get("Alive"))
        print(f"Ray: {actors} self-play unit(s) on {placed} of the cluster's {alive} node(s)")
    try:
        return train(run_dir, progress, units)
    finally:
        units.close()
        if local:
            ray.shutdown()


def _check_plugin(recipe: Recipe) -> None:
    """A short conformance check of a domain that is not built in, before anything is
    written: a plugin's kernel bug must stop here with one line, not crash the run."""
    from distill.registry import BUILTIN_DOMAINS, make
    from distill.testing import DomainCheckError, check_domain

    if recipe.domain.id in BUILTIN_DOMAINS:
        return  # the project's own tests run check_domain on every built-in domain
    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    try:
        check_domain(domain, games=2, seed=recipe.seed)
    except DomainCheckError as exc:
        first, *rest = str(exc).splitlines()
        where = f" ({rest[0].strip()})" if rest and rest[0].startswith("  at ") else ""
        problem = first.split(": ", 1)[-1]
        raise DistillError(
            f"domain {recipe.domain.id!r} fails distill.testing.check_domain, nothing was "
            f"written: {problem}{where}"
        ) from None


def capability_notes(recipe: Recipe) -> list[str]:
    """One-line notes on what the run skips because the domain does not offer it."""
    from distill.registry import make

    domain = make(recipe.domain.id, **recipe.domain.kwargs)
    if not recipe.arena.error_positions or (domain.solver and domain.eval_buckets):
        return []
    lacks = "exact solver" if domain.solver is None else "evaluation buckets"
    return [
        f"note: domain {recipe.domain.id!r} offers no {lacks}, so the arena skips exact "
        "error rates (arena.error_positions); Elo and match results are still measured"
    ]
