"""Guards the recipe reference: docs/recipe-reference.md is exactly what the generator
(`distill.recipe_reference`, `distill recipes --reference`) writes from the configs,
and it documents every field of the recipe tree, walked here independently, with a
meaning, so the page cannot drift from the code."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import get_type_hints

from distill.cli import main
from distill.recipe import Recipe
from distill.recipe_reference import field_docs, reference_markdown

PAGE = Path(__file__).resolve().parents[1] / "docs" / "recipe-reference.md"


def _all_fields(cls: type, path: str = "") -> list[tuple[str, type, str]]:
    """(section path, class, field name) of every field of `cls`, nested configs too."""
    out = []
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        out.append((path, cls, f.name))
        if dataclasses.is_dataclass(hints[f.name]):
            out += _all_fields(hints[f.name], f"{path}.{f.name}" if path else f.name)
    return out


def _tables(text: str) -> dict[str, set[str]]:
    """Section path -> field names in its table ('' = the top level)."""
    tables: dict[str, set[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            current = "" if title == "Top level" else title.strip("`")
            tables[current] = set()
        elif current is not None and line.startswith("| `"):
            tables[current].add(line.split("`")[1])
    return tables


def test_the_page_is_the_generated_reference():
    assert PAGE.read_text() == reference_markdown(), (
        "docs/recipe-reference.md is stale: run  distill recipes --reference > "
        "docs/recipe-reference.md"
    )


def test_every_field_is_documented_with_a_meaning():
    fields = _all_fields(Recipe)
    assert len(fields) > 60  # the whole tree, nested sections included
    tables = _tables(PAGE.read_text())
    missing = [f"{p}.{n}" for p, _, n in fields if n not in tables.get(p, set())]
    assert missing == []
    undocumented = [f"{p}.{n}" for p, cls, n in fields if not field_docs(cls).get(n)]
    assert undocumented == []


def test_cli_prints_the_reference(capsys):
    assert main(["recipes", "--reference"]) == 0
    assert capsys.readouterr().out == reference_markdown()
