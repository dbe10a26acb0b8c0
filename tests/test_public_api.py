"""Guards the public API: every name in `distill.__all__` resolves, and importing distill
stays light (torch, Lightning and PettingZoo load only when their names are used)."""

from __future__ import annotations

import subprocess
import sys

import distill


def test_every_public_name_resolves():
    for name in distill.__all__:
        assert getattr(distill, name) is not None, name


def test_import_does_not_load_heavy_dependencies():
    code = (
        "import sys, distill; "
        "print(sorted(m for m in ('torch', 'lightning', 'pettingzoo') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
