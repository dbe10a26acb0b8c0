"""Helpers of the kill -9 tests: a training subprocess killed at a named write, the
uninterrupted reference run, and file digests to compare a resumed run with it.

`DISTILL_TEST_KILL_AT` is the write hook's spec (`distill.fileio`): the subprocess
SIGKILLs itself at that write.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def digest(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_until_killed(args: list[str], kill_at: str) -> subprocess.CompletedProcess[str]:
    """`distill train ARGS` in a subprocess; `kill_at` is the write hook's spec."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DISTILL_TEST_KILL_AT": kill_at}
    command = [sys.executable, "-m", "distill.cli", "train", *args, "--quiet"]
    return subprocess.run(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, timeout=900,
    )  # fmt: skip


def uninterrupted_run(folder: Path, recipe: Path, overrides: list[str]) -> tuple[Any, Any]:
    """(RunDir, final RunState) of `recipe` with `overrides` trained in this process,
    uninterrupted, into folder/run: the reference a killed and resumed run must equal."""
    import io

    from distill.flywheel.loop import train
    from distill.flywheel.run_dir import RunDir
    from distill.progress import Progress
    from distill.recipe import load_recipe, recipe_to_yaml

    run = RunDir.create(folder / "run", recipe_to_yaml(load_recipe(recipe, overrides)))
    return run, train(run, Progress(io.StringIO(), quiet=True))
