"""The recipe reference, generated from the typed configs so that it cannot drift.

Every recipe field is a field of a frozen dataclass (`distill.recipe.Recipe` and the
configs it nests: `distill.nets.NetConfig`, `distill.search.SearchConfig`,
`distill.credit.ValueTargetConfig`, ...), documented by the string literal under it.
`reference_markdown` walks that tree and writes one table per section: every field
with its YAML type, default and meaning. ``distill recipes --reference`` prints it;
``docs/recipe-reference.md`` is its output (a test keeps the two identical).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

HEADER = """# Recipe reference

Every field a recipe may set, with its type, its default and what it does. A recipe
is a YAML file (or a built-in one by name: `distill recipes` lists them); a field left
out keeps its default; `--set section.field=value` overrides one on the command line.
Unknown keys and wrong types are errors naming the field.

This page is generated from the configs' own docstrings (`distill recipes --reference`
prints it); `tests/test_recipe_reference.py` keeps the two identical.
"""


def field_docs(cls: type) -> dict[str, str]:
    """name -> the docstring under each field of dataclass `cls` (read from its source)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    docs = {}
    for node, after in zip(body, [*body[1:], None], strict=True):
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            docs[node.target.id] = inspect.cleandoc(str(after.value.value))
    return docs


def sections(cls: type, path: str = "") -> list[tuple[str, type]]:
    """(dotted path, config class) of `cls` and every config nested in it, depth first."""
    found = [(path, cls)]
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        if dataclasses.is_dataclass(hints[f.name]):
            found += sections(hints[f.name], f"{path}.{f.name}" if path else f.name)
    return found


def type_name(tp: Any) -> str:
    """A config type as a recipe writer reads it (``integer``, ``one of: a, b``, ...)."""
    origin = get_origin(tp)
    if origin is Literal:
        return "one of: " + ", ".join(f"`{v}`" for v in get_args(tp))
    if origin in (Union, types.UnionType):
        named = [type_name(a) for a in get_args(tp) if a is not type(None)]
        return " or ".join(named) + (" or `null`" if type(None) in get_args(tp) else "")
    if origin is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"list of ({type_name(args[0])})"
        return "list [" + ", ".join(type_name(a) for a in args) + "]"
    if origin is dict:
        return "mapping"
    if dataclasses.is_dataclass(tp):
        return "section"
    names = {int: "integer", float: "number", bool: "`true` / `false`", str: "string"}
    return names.get(tp, "any" if tp is Any else getattr(tp, "__name__", str(tp)))


def default_text(f: dataclasses.Field[Any]) -> str:
    """The field's default as YAML would write it."""
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
    else:
        return "(required)"
    if dataclasses.is_dataclass(value):
        return "(see below)"
    import yaml

    from distill.config import to_dict

    text = yaml.safe_dump(to_dict(value), default_flow_style=True, width=1000).strip()
    return f"`{text.removesuffix('...').strip()}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def section_markdown(path: str, cls: type) -> str:
    """One section: a heading, the class's own docstring, a table of its fields."""
    hints, docs = get_type_hints(cls), field_docs(cls)
    title = f"`{path}`" if path else "Top level"
    intro = inspect.cleandoc(cls.__doc__ or "").split("\n\n")[0]
    lines = [f"## {title}", "", _cell(intro), "", "| field | type | default | meaning |"]
    lines.append("|---|---|---|---|")
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        meaning = docs.get(f.name, "")
        lines.append(
            f"| `{f.name}` | {_cell(type_name(hints[f.name]))} | {_cell(default_text(f))} "
            f"| {_cell(meaning)} |"
        )
    return "\n".join(lines) + "\n"


def reference_markdown() -> str:
    """The whole reference page (Markdown), for `distill.recipe.Recipe`."""
    from distill.recipe import Recipe

    parts = [HEADER] + [section_markdown(p, c) for p, c in sections(Recipe)]
    return "\n".join(parts)


__all__ = ["field_docs", "reference_markdown", "sections"]
