"""Guards the layout: `domains/` is installed as `distill.domains` and `recipes/` as
`distill.recipes` through the setuptools package-dir mapping (no symbolic link),
pyproject lists every package, the domain package is a plain module (no callable-module
trick), and no domain imports a layer above the domain contract (read from the source,
not from what happens to be imported)."""

from __future__ import annotations

import ast
import tomllib
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Layers a domain must never import (it knows only the domain contract).
UPPER = (
    "distill.arena",
    "distill.flywheel",
    "distill.gtp",
    "distill.learn",
    "distill.replay",
    "distill.commands",
    "distill.inference",
    "distill.nets",
    "distill.recipe",
)


def test_no_symlinks_in_the_source_tree():
    links = [p for p in (ROOT / "distill").rglob("*") if p.is_symlink()]
    links += [p for p in (ROOT / "domains").rglob("*") if p.is_symlink()]
    assert links == []


def test_pyproject_maps_domains_and_lists_every_package():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"] == {
        "distill": "distill",
        "distill.domains": "domains",
        "distill.recipes": "recipes",
    }
    found = {
        ".".join(("distill", *p.parent.relative_to(ROOT).parts))
        if p.parts[len(ROOT.parts)] in ("domains", "recipes")
        else ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("distill", "domains", "recipes")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert sorted(found) == sorted(config["packages"])


def test_distill_domains_is_the_domains_folder_and_a_plain_package():
    import distill.domains.tictactoe

    assert Path(distill.domains.__file__).resolve() == ROOT / "domains" / "__init__.py"
    assert type(distill.domains) is types.ModuleType and not callable(distill.domains)


def _imports(path: Path) -> list[str]:
    """Absolute module names a file imports (relative imports stay inside the domain)."""
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_domains_import_nothing_above_the_domain_contract():
    offenders = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / "domains").rglob("*.py"))
        for name in _imports(path)
        if name.startswith(UPPER)
    ]
    assert offenders == []
