"""Guards crash safety: `distill train` is SIGKILLed (in a subprocess) at known steps,
resumed with `--resume` each time, and must end with exactly what an uninterrupted run
of the same seed produced: the same shards (byte for byte), checkpoints,
game/position/step counts, final weights and arena rating games. Nothing lost, nothing
duplicated.

The kills come from the write hook of `distill.fileio` (``DISTILL_TEST_KILL_AT``), not
from a timer, so the test neither passes nor fails by machine speed: each process is
killed at one named point of the flywheel, and the test checks that it got there."""

from __future__ import annotations

import io
import signal
from pathlib import Path

import pytest
import torch
from killing import digest, run_until_killed, uninterrupted_run

from distill.arena.gamelog import GameLog
from distill.flywheel.loop import train
from distill.flywheel.run_dir import RunDir
from distill.learn import read_checkpoint
from distill.progress import Progress

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


#: (kill point, the step it interrupts), one process each, in order. Every random stream
#: derives from the recipe seed and the step, so a killed step redone after --resume
#: writes the same bytes.
KILLS = [
    ("unnamed:*.shard:2", "mid self-play: a round's games played, its shard not yet named"),
    ("written:*.shard:2", "after a shard: named on disk, not yet in state.json"),
    ("written:*.ckpt:1", "after a fit: the checkpoint on disk, not yet in state.json"),
    ("unnamed:metrics.csv:1", "between fit and arena: the arena's row not yet recorded"),
    ("written:ratings.json:1", "after an arena: its rating games on disk, not yet recorded"),
]


def left_behind(run: RunDir) -> tuple[str, ...]:
    """What the killed process left that state.json does not record, as kinds of file."""
    state = run.read_state()
    found = [p.suffix for p in run.root.rglob("*.tmp")]
    named = [p for p in [*run.replay.iterdir(), *run.checkpoints.iterdir()] if p.suffix != ".tmp"]
    found += [p.suffix for p in named if p.name not in [*state.shards, *state.checkpoints]]
    return (*sorted(found), state.phase)


#: `left_behind` after each kill of `KILLS`.
LEFT_BEHIND = [
    (".tmp", "selfplay"),
    (".shard", "selfplay"),
    (".ckpt", "selfplay"),
    (".tmp", "learned"),
    ("learned",),
]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return uninterrupted_run(tmp_path_factory.mktemp("ref"), SMOKE, OVERRIDES)


def test_kill_9_at_each_step_then_resume_equals_an_uninterrupted_run(tmp_path, reference):
    ref_run, ref_state = reference
    root = tmp_path / "run"
    args = [str(SMOKE), *(x for o in OVERRIDES for x in ("--set", o)), "--run-dir", str(root)]
    for number, (kill_at, step) in enumerate(KILLS):
        result = run_until_killed(args if number == 0 else ["--resume", str(root)], kill_at)
        assert result.returncode == -signal.SIGKILL, f"not killed at {kill_at} ({step}): " + (
            result.stderr
        )
        assert left_behind(RunDir(root)) == LEFT_BEHIND[number], step
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
