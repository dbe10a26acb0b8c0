"""Guards the documentation: every ```python block in README.md and docs/*.md runs
(blocks of one page share a namespace, in order), and every expected-output comment
holds, so examples cannot rot.

An expected-output comment follows an expression statement on its last line:

* ``expr  # -> TEXT``: ``repr(expr)`` is TEXT, where ``...`` in TEXT stands for
  anything (``# -> ['connect4', 'go', ...]``); for ``print(...)`` the printed text;
* ``expr  # -> DTYPE[D1, D2, ...]``: expr is a numpy array of that dtype and shape;
* ``expr  # [...]``: a comment that opens with ``[`` is the same as ``# -> [...]``.

Other comments are prose and are not checked."""

from __future__ import annotations

import ast
import contextlib
import io
import re
import tokenize
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
ARRAY = re.compile(r"(\w+)\[([0-9, ]+)\]")


def _blocks(page: Path) -> list[str]:
    # Snippet includes (--8<--) are executed by their own tests (e.g. test_tutorial.py).
    return [b for b in BLOCK.findall(page.read_text()) if "--8<--" not in b]


def _expected_outputs(source: str) -> dict[int, str]:
    """Line number -> expected output, from the ``# -> ...`` / ``# [...]`` comments."""
    found = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        text = token.string[1:].strip()
        if text.startswith("->"):
            found[token.start[0]] = text[2:].strip()
        elif text.startswith("["):
            found[token.start[0]] = text
    return found


def _matches(expected: str, got: object, printed: str) -> bool:
    shape = ARRAY.fullmatch(expected)
    if shape and isinstance(got, np.ndarray):
        dims = tuple(int(d) for d in shape.group(2).split(","))
        return got.dtype.name == shape.group(1) and got.shape == dims
    text = printed.rstrip("\n") if got is None and printed else repr(got)
    pattern = ".*".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, text, re.S) is not None


def run_block(source: str, name: str, namespace: dict[str, object]) -> int:
    """Run one block statement by statement, checking expected-output comments; returns
    how many it checked. AssertionError names the line, the expected and the actual."""
    expected = _expected_outputs(source)
    checked = 0
    for node in ast.parse(source).body:
        want = expected.get(node.end_lineno or node.lineno)
        if want is None or not isinstance(node, ast.Expr):
            exec(compile(ast.Module([node], []), name, "exec"), namespace)
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            got = eval(compile(ast.Expression(node.value), name, "eval"), namespace)
        shown = out.getvalue() if got is None else repr(got)
        assert _matches(want, got, out.getvalue()), (
            f"{name} line {node.lineno}: -> {want!r}, got {shown!r}"
        )
        checked += 1
    return checked


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
        run_block(block, f"{page.name}[block {number}]", namespace)


def test_expected_output_comments_are_checked():
    ns: dict[str, object] = {"np": np}
    good = (
        "x = [1, 2, 3]\n"
        "x  # -> [1, 2, ...]\n"
        "print('a b')  # -> a b\n"
        "np.zeros((2, 3))  # -> float64[2, 3]\n"
        "x[:1]  # [1]\n"
    )
    assert run_block(good, "good", ns) == 4
    for bad in (
        "x  # -> [1, 3, ...]",
        "print('a b')  # -> a c",
        "np.zeros(2)  # -> float64[3]",
        "x  # [2]",
    ):
        with pytest.raises(AssertionError, match="-> "):
            run_block(bad, "bad", ns)


def test_the_docs_state_outputs_that_are_checked():
    """The pages keep some expected outputs (so the check above has something to check)."""
    comments = [c for p in PAGES for b in _blocks(p) for c in _expected_outputs(b).values()]
    assert len(comments) >= 4, comments
