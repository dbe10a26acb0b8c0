"""`distill recipes`: list the built-in recipes, one line each.

Built-in recipes ship with the package (``distill.recipes``), so ``distill train
<name>`` runs one from any directory; ``--show NAME`` prints a recipe's YAML, a
starting point for your own file (``distill recipes --show tictactoe > mine.yaml``);
``--reference`` prints every recipe field with its type, default and meaning (the
docs' recipe reference page, `distill.recipe_reference`).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--show", metavar="NAME", help="print the YAML of one built-in recipe")
    what.add_argument(
        "--reference",
        action="store_true",
        help="print every recipe field with its type, default and meaning (Markdown)",
    )


def run(args: argparse.Namespace) -> int:
    from distill.errors import ConfigError
    from distill.recipe import builtin_recipes

    if args.reference:
        from distill.recipe_reference import reference_markdown

        print(reference_markdown(), end="")
        return 0
    recipes = builtin_recipes()
    if args.show is not None:
        if args.show not in recipes:
            raise ConfigError(f"no built-in recipe {args.show!r}; built-in: {', '.join(recipes)}")
        print(recipes[args.show].read_text(), end="")
        return 0
    width = max(map(len, recipes), default=0)
    for name, path in recipes.items():
        print(f"{name:<{width}}  {summary(path)}")
    print(
        "\nrun one: distill train NAME; its YAML: distill recipes --show NAME; "
        "every field: distill recipes --reference"
    )
    return 0


def summary(path: Path) -> str:
    """The recipe's one-line description: its first comment line."""
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
        if line.strip():
            break
    return ""
