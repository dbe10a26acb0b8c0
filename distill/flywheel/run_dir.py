"""The run directory and its crash-safe progress record, ``state.json``.

Layout (``runs/<name>/``)::

    recipe.yaml     the resolved recipe (a resumed run reads this copy)
    state.json      progress: generation, phase, self-play round, shards, checkpoints,
                    counters (no rng state: every stream derives from the recipe seed)
    checkpoints/    gen-00001.ckpt ...   model + optimizer after each generation
    replay/         versioned shards, one per self-play round
    games/          sample games as move lists, one file per generation
    metrics.csv     one row per generation: losses, throughput, arena results
    tb/             TensorBoard logs of the learner, one folder per generation
    csv/            the learner's per-step CSV logs (Lightning), one folder per generation
    report/         plots written by ``distill report``

Crash safety (``kill -9`` at any moment). Every file is written to a temporary
name, fsynced, then renamed into place, so a file either exists complete or not
at all. ``state.json`` is the single source of truth and is rewritten (same
way) only *after* the files of a step are durable. A step's files that exist
but that ``state.json`` does not list were produced by a step that did not
finish; `RunDir.discard_unrecorded` deletes them on resume and the step is
redone. Every step is a deterministic function of the recipe seed, the step's
index and the recorded files, so the redone step writes the same content:
nothing is lost and nothing is counted twice.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import io
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from distill.errors import ConfigError, CorruptFileError, DistillError
from distill.fileio import atomic_write

STATE_VERSION = 1
"""Version of the state.json layout (bump with an upgrade step in `RunState.from_json`)."""

SUBDIRS = ("checkpoints", "replay", "games", "tb", "report")


@dataclass
class RunState:
    """Progress of a run, as recorded in state.json.

    Attributes:
        generation: generations fully finished (self-play, learning, arena).
        phase: what the current generation (index `generation`) has finished:
            ``"selfplay"`` (rounds in progress) or ``"learned"`` (checkpoint written).
        rounds_done: self-play rounds of the current generation already in replay.
        shards: replay shard file names, oldest first (relative to replay/).
        checkpoints: checkpoint file names, oldest first (relative to checkpoints/).
        learner_steps: optimizer steps taken so far, all generations.
        games: finished self-play games written to replay.
        positions: positions written to replay.
        elapsed_s: wall time spent in finished steps, summed over sessions.
        finished: the budget is spent (``train --resume`` has nothing to do).
        perfect: the arena's perfect-play check passed at some generation (or None).
        version: `STATE_VERSION` of the file.
    """

    generation: int = 0
    phase: str = "selfplay"
    rounds_done: int = 0
    shards: list[str] = field(default_factory=list)
    checkpoints: list[str] = field(default_factory=list)
    learner_steps: int = 0
    games: int = 0
    positions: int = 0
    elapsed_s: float = 0.0
    finished: bool = False
    perfect: int | None = None
    version: int = STATE_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str, where: str) -> RunState:
        try:
            data = json.loads(text)
            if data.get("version") != STATE_VERSION:
                raise CorruptFileError(
                    f"{where}: state version {data.get('version')!r}, expected {STATE_VERSION}"
                )
            return cls(**data)
        except (json.JSONDecodeError, TypeError, AttributeError) as exc:
            raise CorruptFileError(f"{where}: not a valid run state ({exc})") from None


class RunDir:
    """Paths and crash-safe bookkeeping of one run directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.recipe_path = self.root / "recipe.yaml"
        self.state_path = self.root / "state.json"
        self.checkpoints = self.root / "checkpoints"
        self.replay = self.root / "replay"
        self.games = self.root / "games"
        self.tb = self.root / "tb"
        self.report = self.root / "report"
        self.metrics_path = self.root / "metrics.csv"

    @classmethod
    def create(cls, root: str | Path, recipe_yaml: str) -> RunDir:
        """Make a fresh run directory; refuses to touch an existing, non-empty one."""
        run = cls(root)
        if run.root.exists() and any(run.root.iterdir()):
            raise DistillError(
                f"run directory {run.root} already exists and is not empty; use "
                f"'distill train --resume {run.root}' or pick another --run-dir"
            )
        for sub in SUBDIRS:
            (run.root / sub).mkdir(parents=True, exist_ok=True)
        atomic_write(run.recipe_path, recipe_yaml)
        run.write_state(RunState())  # last: a run without state.json is not a run
        return run

    @classmethod
    def open(cls, root: str | Path) -> RunDir:
        """An existing run directory (must hold recipe.yaml and state.json)."""
        run = cls(root)
        if not run.root.is_dir():
            problem = "is not a directory" if run.root.exists() else "does not exist"
            raise DistillError(f"run directory {run.root} {problem}")
        for needed in (run.recipe_path, run.state_path):
            if not needed.is_file():
                raise DistillError(f"{run.root} is not a run directory: {needed.name} is missing")
        return run

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the run (``.lock``, released by the OS even on kill -9).

        Raises DistillError when another process is training this run right now. The
        writer that holds the lock also (re)creates the subdirectories it writes into;
        readers (eval, report, play) open a run without changing it.
        """
        handle = (self.root / ".lock").open("a")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise DistillError(f"{self.root} is in use by another distill process") from None
        for sub in SUBDIRS:
            (self.root / sub).mkdir(exist_ok=True)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()

    # -- state -----------------------------------------------------------------------------

    def read_state(self) -> RunState:
        try:
            text = self.state_path.read_bytes().decode()
        except OSError as exc:
            raise CorruptFileError(f"{self.state_path}: cannot read ({exc.strerror})") from None
        except UnicodeDecodeError:
            raise CorruptFileError(
                f"{self.state_path}: not a valid run state (not UTF-8 text)"
            ) from None
        return RunState.from_json(text, str(self.state_path))

    def write_state(self, state: RunState) -> None:
        atomic_write(self.state_path, state.to_json())

    def read_recipe_text(self) -> str:
        try:
            return self.recipe_path.read_text()
        except OSError as exc:
            raise ConfigError(f"{self.recipe_path}: cannot read ({exc.strerror})") from None

    # -- resume ----------------------------------------------------------------------------

    def discard_unrecorded(self, state: RunState) -> list[Path]:
        """Delete shards/checkpoints/temp files that `state` does not list; returns them.

        Such files come from a step that was killed after writing its file but before
        state.json recorded it; the resumed run redoes that step deterministically.
        """
        removed: list[Path] = []
        for directory, keep in ((self.replay, state.shards), (self.checkpoints, state.checkpoints)):
            for path in sorted(directory.iterdir()):
                if path.is_file() and path.name not in keep:
                    path.unlink()
                    removed.append(path)
        for directory in (self.root, self.games, self.replay, self.checkpoints):
            for tmp in directory.glob(".*.tmp"):
                tmp.unlink()
                removed.append(tmp)
        for name in state.shards:
            if not (self.replay / name).is_file():
                raise CorruptFileError(f"{self.replay / name}: listed in state.json but missing")
        for name in state.checkpoints:
            if not (self.checkpoints / name).is_file():
                raise CorruptFileError(
                    f"{self.checkpoints / name}: listed in state.json but missing"
                )
        self.truncate_metrics(state.generation)
        return removed

    def checkpoint_path(self, state: RunState, name: str | None = None) -> Path:
        """The file of checkpoint `name` (a file name in checkpoints/, with or without its
        ``.ckpt`` suffix; None: the latest `state` lists).

        Raises DistillError when the run has no checkpoint yet or the file is missing
        (naming the checkpoints on disk).
        """
        if not state.checkpoints:
            raise DistillError(f"{self.root} has no checkpoint yet (train at least one generation)")
        path = self.checkpoints / (name or state.checkpoints[-1])
        if name and not path.is_file() and (self.checkpoints / f"{name}.ckpt").is_file():
            path = self.checkpoints / f"{name}.ckpt"  # gen-00005 names gen-00005.ckpt
        if not path.is_file():
            present = [c for c in state.checkpoints if (self.checkpoints / c).is_file()]
            what = (
                "the run's latest checkpoint is missing" if name is None else "no such checkpoint"
            )
            raise DistillError(f"{path}: {what}; {_listing(present)}")
        return path

    # -- metrics ---------------------------------------------------------------------------

    def read_metrics(self) -> list[dict[str, str]]:
        """All rows of metrics.csv (empty list when there is none yet)."""
        if not self.metrics_path.is_file():
            return []
        with self.metrics_path.open(newline="") as handle:
            return list(csv.DictReader(handle))

    def append_metrics(self, row: dict[str, Any]) -> None:
        """Add one generation's row (rewrites the file atomically; columns grow as needed)."""
        rows: list[dict[str, Any]] = list(self.read_metrics())
        rows.append({k: _fmt(v) for k, v in row.items()})
        self._write_metrics(rows)

    def truncate_metrics(self, generations: int) -> None:
        """Keep only rows of generations < `generations` (a resumed run redoes the rest)."""
        rows = self.read_metrics()
        kept = [r for r in rows if int(r.get("generation", 0) or 0) < generations]
        if len(kept) != len(rows):
            self._write_metrics(list(kept))

    def _write_metrics(self, rows: list[dict[str, Any]]) -> None:
        columns: list[str] = []
        for row in rows:
            columns += [k for k in row if k not in columns]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
        atomic_write(self.metrics_path, buffer.getvalue())


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


def _listing(names: list[str]) -> str:
    """'on disk: a, b, c' (first and last few only when there are many)."""
    if not names:
        return "none is on disk"
    shown = names if len(names) <= 6 else [*names[:3], "...", *names[-3:]]
    return f"on disk ({len(names)}): {', '.join(shown)}"


def checkpoint_name(generation: int) -> str:
    """File name of the checkpoint written at the end of 0-based `generation`."""
    return f"gen-{generation + 1:05d}.ckpt"


__all__ = ["RunDir", "RunState", "atomic_write", "checkpoint_name"]
