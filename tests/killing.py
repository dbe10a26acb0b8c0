"""Helpers of the kill -9 tests: a training subprocess killed at a named write, and
file digests to compare a resumed run with an uninterrupted one.

`DISTILL_TEST_KILL_AT` is the write hook's spec (`distill.fileio`): the subprocess
SIGKILLs itself at that write.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

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
