"""Several runs' exact error rates against wall time, on one figure (``distill compare``).

Runs that differ in one setting (a policy loss, a value target, a backbone) and had the
same wall time are compared by what their arenas measured against the domain's solver:
the share of outcome-changing moves (`distill.metrics.ErrorRates.outcome_change`) per
position bucket, of the search player and of the raw policy, after each arena. The x
axis is the run's own wall time (``elapsed_s``: self-play, learning and arenas), so runs
that shared one CPU are compared at equal cost. Nothing is re-measured here: the numbers
are those of each run's ``metrics.csv``.

`write_comparison` writes ``compare.json`` (every point, per run, player and bucket) and
``compare.png`` (one panel per bucket; a colour per run, search solid, policy dashed).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from distill.errors import ConfigError, DistillError
from distill.fileio import atomic_write
from distill.flywheel.run_dir import RunDir
from distill.metrics import GenerationMetrics, parse_rows

PLAYER_STYLES = {"search": "-", "policy": "--"}


def run_points(run_dir: str | Path) -> list[dict[str, Any]]:
    """One dict per arena with error rates in the run's metrics.csv.

    Keys: generation (1-based: networks trained), minutes (run wall time), positions,
    learner_steps, policy_entropy (None where not logged) and errors[player][bucket] =
    {"not_optimal": float, "outcome_change": float}. DistillError when there is none.
    """
    run = RunDir.open(run_dir)
    try:
        rows = parse_rows(run.read_metrics())
    except ValueError as exc:
        raise DistillError(f"{run.metrics_path}: {exc}") from None
    points = [_point(m) for m in rows if m.arena is not None and m.arena.errors]
    if not points:
        raise DistillError(
            f"{run.metrics_path}: no exact error rates to compare (they need a domain with a "
            "solver and arena.error_positions > 0)"
        )
    return points


def _point(m: GenerationMetrics) -> dict[str, Any]:
    errors: dict[str, dict[str, dict[str, float]]] = {}
    assert m.arena is not None
    for e in m.arena.errors:
        rates = {"not_optimal": e.not_optimal, "outcome_change": e.outcome_change}
        errors.setdefault(e.player, {})[e.bucket] = rates
    return {
        "generation": m.generation + 1,
        "minutes": m.elapsed_s / 60.0,
        "positions": m.positions,
        "learner_steps": m.learner_steps,
        "policy_entropy": m.fit.policy_entropy if m.fit else None,
        "errors": errors,
    }


def compare_runs(run_dirs: Sequence[str | Path], labels: Sequence[str] | None = None) -> dict:
    """{"runs": [{"label", "run_dir", "points": `run_points`}, ...]} in the given order.

    labels: one per run (default: each run directory's name); ConfigError if the counts
    differ or a label repeats.
    """
    names = list(labels) if labels else [Path(r).name for r in run_dirs]
    if len(names) != len(run_dirs):
        raise ConfigError(f"--labels: {len(names)} labels for {len(run_dirs)} runs")
    if len(set(names)) != len(names):
        raise ConfigError(f"--labels: each run needs its own label, got {', '.join(names)}")
    runs = [
        {"label": name, "run_dir": str(run), "points": run_points(run)}
        for name, run in zip(names, run_dirs, strict=True)
    ]
    return {"runs": runs}


def write_comparison(
    run_dirs: Sequence[str | Path], out: str | Path, labels: Sequence[str] | None = None
) -> list[Path]:
    """Write ``compare.json`` and ``compare.png`` into `out` (created); returns the paths."""
    data = compare_runs(run_dirs, labels)
    out = Path(out)
    json_path = atomic_write(out / "compare.json", json.dumps(data, indent=1) + "\n")
    return [json_path, atomic_write(out / "compare.png", _figure(data))]


def _buckets(data: dict) -> list[str]:
    """The buckets in the order the runs' arenas report them."""
    found: list[str] = []
    for run in data["runs"]:
        for point in run["points"]:
            for per_bucket in point["errors"].values():
                found.extend(b for b in per_bucket if b not in found)
    return found


def _figure(data: dict) -> bytes:
    """PNG bytes: one panel per bucket, outcome-changing error rate against minutes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    buckets = _buckets(data)
    fig, axes = plt.subplots(1, len(buckets), figsize=(4.2 * len(buckets), 4), sharey=True)
    for ax, bucket in zip(list(getattr(axes, "flat", [axes])), buckets, strict=True):
        for k, run in enumerate(data["runs"]):
            for player, style in PLAYER_STYLES.items():
                pts = [p for p in run["points"] if bucket in p["errors"].get(player, {})]
                if pts:
                    ys = [100 * p["errors"][player][bucket]["outcome_change"] for p in pts]
                    xs = [p["minutes"] for p in pts]
                    ax.plot(xs, ys, f"C{k % 10}{style}o", ms=3, label=f"{run['label']} {player}")
        ax.set_title(f"{bucket} positions")
        ax.set_xlabel("wall-clock minutes of the run")
        ax.grid(alpha=0.3)
    axes_list = list(getattr(axes, "flat", [axes]))
    axes_list[0].set_ylabel("outcome-changing moves (%)")
    axes_list[-1].legend(fontsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()


__all__ = ["compare_runs", "run_points", "write_comparison"]
