"""Guards the documentation: every ```python block in README.md and docs/*.md runs
(blocks of one page share a namespace, in order), so examples cannot rot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks(page: Path) -> list[str]:
    # Snippet includes (--8<--) are executed by their own tests (e.g. test_tutorial.py).
    return [b for b in BLOCK.findall(page.read_text()) if "--8<--" not in b]


@pytest.mark.parametrize("page", [p for p in PAGES if _blocks(p)], ids=lambda p: p.name)
def test_python_blocks_run(page, tmp_path, monkeypatch):
    # The tutorial's plugin, installed the way its page says (an entry point), for its blocks.
    dist = tmp_path / "nim_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: nim-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[distill.domains]\nnim = nim:make\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(ROOT / "docs" / "tutorial"))
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for number, block in enumerate(_blocks(page), start=1):
        exec(compile(block, f"{page.name}[block {number}]", "exec"), namespace)
