"""Guards crash safety: `distill train` is SIGKILLed at random moments (in a subprocess),
resumed with `--resume`, and must end with exactly what an uninterrupted run of the same
seed produced: the same shards (byte for byte), checkpoints, game/position/step counts,
final weights and arena rating games. Nothing lost, nothing duplicated."""

from __future__ import annotations

import hashlib
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from distill.arena.gamelog import GameLog
from distill.flywheel.loop import train
from distill.flywheel.run_dir import RunDir
from distill.learn import read_checkpoint
from distill.progress import Progress
from distill.recipe import load_recipe, recipe_to_yaml

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "recipes" / "tictactoe-smoke.yaml"
OVERRIDES = [
    "search.num_simulations=6",
    "selfplay.cheap_simulations=2",
    "learner.batch_size=16",
    "arena.games=2",
    "arena.error_positions=4",
    "arena.references=[random]",
    "budget.generations=3",
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start(args: list[str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "distill.cli", "train", *args, "--quiet"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_after_progress(
    proc: subprocess.Popen[bytes], state: Path, changes: int, delay: float, timeout: float = 300.0
) -> bool:
    """SIGKILL `proc` `delay` s after state.json changed `changes` times; False if it ended."""
    seen = state.stat().st_mtime_ns if state.exists() else 0
    deadline = time.monotonic() + timeout
    while changes > 0 and time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        now = state.stat().st_mtime_ns if state.exists() else 0
        if now != seen:
            seen, changes = now, changes - 1
        time.sleep(0.02)
    time.sleep(delay)
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    run = RunDir.create(
        tmp_path_factory.mktemp("ref") / "run", recipe_to_yaml(load_recipe(SMOKE, OVERRIDES))
    )
    return run, train(run, Progress(io.StringIO(), quiet=True))


def test_kill_9_then_resume_equals_an_uninterrupted_run(tmp_path, reference):
    ref_run, ref_state = reference
    rng = np.random.default_rng(20)
    root = tmp_path / "run"
    args = [str(SMOKE), *(x for o in OVERRIDES for x in ("--set", o)), "--run-dir", str(root)]
    kills = 0
    for attempt in range(2):
        proc = start(args if attempt == 0 else ["--resume", str(root)])
        killed = kill_after_progress(
            proc, root / "state.json", int(rng.integers(1, 4)), float(rng.uniform(0.0, 0.8))
        )
        kills += killed
        if not killed:
            assert proc.returncode == 0, proc.stderr.read().decode() if proc.stderr else ""
            break
    assert kills >= 1, "the run finished before any kill; make it longer"
    run = RunDir.open(root)
    state = train(run, Progress(io.StringIO(), quiet=True))  # the final resume, in process
    assert state.finished
    for key in ("generation", "shards", "checkpoints", "games", "positions", "learner_steps"):
        assert getattr(state, key) == getattr(ref_state, key), key
    assert sorted(p.name for p in run.replay.iterdir()) == ref_state.shards
    assert sorted(p.name for p in run.checkpoints.iterdir()) == ref_state.checkpoints
    for name in ref_state.shards:
        assert digest(run.replay / name) == digest(ref_run.replay / name), name
    ours = read_checkpoint(run.checkpoints / state.checkpoints[-1])["net"]
    theirs = read_checkpoint(ref_run.checkpoints / ref_state.checkpoints[-1])["net"]
    for key, tensor in theirs.items():
        assert torch.equal(ours[key], tensor), key
    assert [r["generation"] for r in run.read_metrics()] == ["0", "1", "2"]
    # the rating games: each arena's once, the same as without the kills
    ours_games, their_games = (GameLog(r.root / "arena").read() for r in (run, ref_run))
    assert [(g.generation, g.players, g.outcome) for g in ours_games] == [
        (g.generation, g.players, g.outcome) for g in their_games
    ]
