"""Plots of a run's metrics.csv (matplotlib, Agg backend: no display needed).

`write_report(run_dir)` writes into ``<run>/report/``:

* ``elo.png``: Bradley–Terry Elo of the search player per generation (anchor:
  random = 0) with its 95% interval;
* ``errors.png``: exact error rates per generation and stone bucket (one colour
  per player and bucket; non-optimal moves solid, outcome-changing moves dashed);
* ``losses.png``: mean policy / value / total loss per generation;
* ``throughput.png``: self-play positions/s and learner samples/s;
* ``results.png``: win/draw/loss shares against each opponent;
* ``learning_curve.png``: outcome-changing error rates of the raw policy and of
  search per stone bucket against wall-clock minutes of the run;
* ``ladder.png`` (`write_ladder_plot`): where ``distill ladder`` ran on the run's
  checkpoints, the ladder Elo (GNU Go level 10 = 0) against wall-clock minutes of
  training, and the win rate against each opponent per generation.

Plots whose columns are absent (e.g. no oracle, arena every k generations)
are skipped. Returns the paths written.
"""

from __future__ import annotations

import math
from pathlib import Path

from distill.errors import DistillError
from distill.flywheel.run_dir import RunDir

#: x axes: label and how to read x from a metrics row.
_X_AXES = {
    "generation": ("generation", lambda row: int(row["generation"]) + 1),
    "minutes": ("wall-clock minutes", lambda row: float(row["elapsed_s"]) / 60.0),
}


def _series(
    rows: list[dict[str, str]], key: str, x: str = "generation"
) -> tuple[list[float], list[float]]:
    """(x values, values) of the rows where `key` has a number; x per `_X_AXES`.

    Raises DistillError naming the row and column of a cell that is not a number.
    """
    read_x = _X_AXES[x][1]
    xs, ys = [], []
    for number, row in enumerate(rows, start=2):  # line 1 is the header
        text = row.get(key, "")
        if text in ("", None):
            continue
        try:
            value, at = float(text), read_x(row)
        except (TypeError, ValueError):
            raise DistillError(
                f"metrics.csv line {number}: column {key!r} or {x!r} is not a number: {text!r}"
            ) from None
        if not math.isnan(value):
            xs.append(at)
            ys.append(value)
    return xs, ys


def write_report(run_dir: str | Path) -> list[Path]:
    """Write the PNG plots of `run_dir` (see module docstring); returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    run = RunDir.open(run_dir)
    rows = run.read_metrics()
    if not rows:
        raise DistillError(f"{run.metrics_path}: no finished generation to plot yet")
    run.report.mkdir(exist_ok=True)
    columns = set(rows[0])
    written = []
    blunders = [
        (f"{player}_blunder_{bucket}", f"{player} {bucket}", f"C{b}{style}")
        for player, style in (("policy", "--"), ("search", "-"))
        for b, bucket in enumerate(("begin", "middle", "end"))
    ]
    plots = {
        "elo.png": ("Elo vs random (anchor 0)", [("elo", "search", "-")]),
        "learning_curve.png": ("outcome-changing error rate vs wall time", blunders),
        "losses.png": (
            "training loss",
            [("loss", "total", "-"), ("loss_policy", "policy", "-"), ("loss_value", "value", "-")],
        ),
        "throughput.png": (
            "throughput",
            [
                ("selfplay_positions_per_s", "self-play positions/s", "-"),
                ("learn_samples_per_s", "learner samples/s", "-"),
            ],
        ),
        "errors.png": (
            "error rate vs exact oracle",
            [
                (f"{player}_{kind}_{bucket}", f"{player} {bucket} {label}", f"C{3 * p + b}{style}")
                for p, player in enumerate(("policy", "search"))
                for b, bucket in enumerate(("begin", "middle", "end"))
                for kind, label, style in (
                    ("err", "not optimal", "-"),
                    ("blunder", "outcome", "--"),
                )
            ],
        ),
        "results.png": (
            "results of the search player",
            [
                (f"vs_{opp}_{res}", f"vs {opp}: {res}", f"C{o}{style}")
                for o, opp in enumerate(("random", "oracle", "previous"))
                for res, style in (("win", "-"), ("draw", ":"), ("loss", "--"))
            ],
        ),
    }
    for name, (title, lines) in plots.items():
        present = [line for line in lines if line[0] in columns]
        if not present:
            continue
        x = "minutes" if name == "learning_curve.png" else "generation"
        fig, ax = plt.subplots(figsize=(7, 4))
        for key, label, style in present:
            xs, ys = _series(rows, key, x)
            if key == "elo":
                _, ci = _series(rows, "elo_ci95")
                if len(ci) == len(ys):
                    ax.fill_between(
                        xs,
                        [y - c for y, c in zip(ys, ci, strict=True)],
                        [y + c for y, c in zip(ys, ci, strict=True)],
                        alpha=0.25,
                    )
            ax.plot(xs, ys, style, marker="o", markersize=3, label=label)
        ax.set_title(f"{run.root.name}: {title}")
        ax.set_xlabel(_X_AXES[x][0])
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2 if len(present) > 4 else 1)
        fig.tight_layout()
        path = run.report / name
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    ladder = write_ladder_plot(run, rows)
    return written + ([ladder] if ladder is not None else [])


def write_ladder_plot(run: RunDir, rows: list[dict[str, str]]) -> Path | None:
    """``report/ladder.png`` from the run's ``ladder/*/ladder.json`` (`distill.gtp.ladder`);
    None when no ladder was played. The Elo is placed at the wall-clock minutes of its
    generation's metrics row (generation number on the x axis when that row is missing);
    unbounded Elo (every game won or lost) is left out of the left panel."""
    import matplotlib.pyplot as plt

    from distill.gtp.ladder import read_ladders

    ladders = [d for d in read_ladders(run.root) if d.get("generation")]
    if not ladders:
        return None
    minutes = {
        int(r["generation"]) + 1: float(r["elapsed_s"]) / 60 for r in rows if r.get("elapsed_s")
    }
    use_minutes = all(d["generation"] in minutes for d in ladders)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    points = [(d["generation"], d["elo"]) for d in ladders if d["elo"]["elo"] is not None]
    xs = [minutes[g] if use_minutes else g for g, _ in points]
    ys = [e["elo"] for _, e in points]
    below = [e["elo"] - (e["low"] if e["low"] is not None else e["elo"]) for _, e in points]
    above = [(e["high"] if e["high"] is not None else e["elo"]) - e["elo"] for _, e in points]
    left.errorbar(xs, ys, yerr=[below, above], marker="o", capsize=3)
    left.axhline(0.0, color="grey", lw=0.8, ls=":")
    left.set_xlabel("wall-clock minutes" if use_minutes else "generation")
    left.set_title("ladder Elo (GNU Go level 10 = 0), 95% interval")
    opponents = sorted({row["opponent"] for d in ladders for row in d["rows"]})
    for opponent in opponents:
        found = [
            (d["generation"], r) for d in ladders for r in d["rows"] if r["opponent"] == opponent
        ]
        right.plot(
            [g for g, _ in found], [r["win_rate"] for _, r in found], marker="o", label=opponent
        )
    right.set_ylim(-0.02, 1.02)
    right.set_xlabel("generation")
    right.set_title("win rate per opponent")
    right.legend(fontsize=7)
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle(run.root.name)
    fig.tight_layout()
    path = run.report / "ladder.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


__all__ = ["write_ladder_plot", "write_report"]
