"""Plots and the rating table of a run (matplotlib, Agg backend: no display needed).

`write_report(run_dir)` reads ``metrics.csv`` (through the typed record,
`distill.metrics.GenerationMetrics`) and the arena's ratings table
(``arena/ratings.json``, `distill.arena.gamelog`), and writes into ``<run>/report/``:

* ``elo.png``: the Elo of every rated network against the generations trained into
  it, with its 95% interval, from the latest fit over all games of the run (anchor:
  the first reference, random, at 0): its search player, and its raw policy where
  ``arena.rate_policy`` rated it; the references as horizontal lines. Runs from
  before the rating pool plot the ``elo`` column of metrics.csv instead;
* ``elo_time.png``: the same ratings against wall-clock minutes of the run;
* ``pool.md``: the pool as a markdown table (`pool_table`), which ``distill
  report`` also prints;
* ``errors.png``: exact error rates per generation, player and position bucket
  (non-optimal moves solid, outcome-changing moves dashed);
* ``learning_curve.png``: outcome-changing error rates against wall-clock minutes;
* ``search_diagnostics.png``: per generation, the share of scored positions where the
  search's move beats / is worse than the raw policy's, and immediate wins taken and
  losses blocked by each (`distill.arena.diagnostics`);
* ``calibration.png``: the value head's reliability diagram (first and latest arena);
* ``losses.png``: mean policy / value / total loss per generation;
* ``throughput.png``: self-play positions/s and learner samples/s;
* ``ladder.png`` (`write_ladder_plot`): where ``distill ladder`` ran on the run's
  checkpoints, the ladder Elo (GNU Go level 10 = 0) against wall-clock minutes of
  training, and the win rate against each opponent per generation.

Plots without data (no arena yet, no solver) are skipped. Returns the paths written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distill.arena.gamelog import RatingRow, read_ratings
from distill.arena.pool import POLICY, SEARCH, parse_checkpoint
from distill.errors import DistillError
from distill.fileio import atomic_write
from distill.flywheel.run_dir import RunDir
from distill.metrics import GenerationMetrics, parse_rows


@dataclass
class Series:
    """One line of a plot: x and y values, label, matplotlib style, optional ±band."""

    xs: list[float]
    ys: list[float]
    label: str
    style: str = "-"
    band: list[float] | None = None


def write_report(run_dir: str | Path) -> list[Path]:
    """Write the plots and the pool table of `run_dir` (see module docstring)."""
    run = RunDir.open(run_dir)
    try:
        rows = parse_rows(run.read_metrics())
    except ValueError as exc:
        raise DistillError(f"{run.metrics_path}: {exc}") from None
    if not rows:
        raise DistillError(f"{run.metrics_path}: no finished generation to plot yet")
    run.report.mkdir(exist_ok=True)
    ratings = read_ratings(run.root / "arena")
    minutes = {0: 0.0, **{m.generation + 1: m.elapsed_s / 60.0 for m in rows}}  # 0: start
    plots: dict[str, tuple[str, str, list[Series]]] = {}
    if ratings is not None:
        anchor, table = ratings
        title = f"Elo, 95% intervals relative to the anchor ({anchor} = 0)"
        plots["elo.png"] = (title, "generation", _elo_series(table, None))
        plots["elo_time.png"] = (title, "wall-clock minutes", _elo_series(table, minutes))
    else:  # a run from before the rating pool: the elo column of metrics.csv
        plots["elo.png"] = ("Elo vs random (anchor 0)", "generation", _legacy_elo(rows))
    plots.update(_metric_plots(rows))
    plots["calibration.png"] = (
        "value head reliability vs exact values (arena positions)",
        "predicted value (bin mean)",
        _reliability_series(run.root / "arena"),
    )
    written = [
        _plot(run.report / name, f"{run.root.name}: {title}", xlabel, series)
        for name, (title, xlabel, series) in plots.items()
        if any(s.xs for s in series)
    ]
    if ratings is not None:
        path = run.report / "pool.md"
        atomic_write(path, pool_table(ratings[1]) + "\n")
        written.append(path)
    ladder = write_ladder_plot(run, minutes)
    return written + ([ladder] if ladder is not None else [])


def pool_table(rows: Sequence[RatingRow]) -> str:
    """The rating pool as a markdown table, strongest first."""
    lines = [
        "| player | kind | Elo | ±95% | games | score |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in sorted(rows, key=lambda r: -r.elo):
        lines.append(
            f"| {r.name} | {r.kind} | {r.elo:.0f} | {r.ci95:.0f} | {r.games} | {r.score:.2f} |"
        )
    return "\n".join(lines)


def _elo_series(table: Sequence[RatingRow], minutes: dict[int, float] | None) -> list[Series]:
    """The networks' ratings, one line per variant (search, raw policy), against the
    generation or the minutes where known; the references as horizontal lines."""
    out: list[Series] = []
    span: list[float] = []
    for variant, label in ((SEARCH, "network (search)"), (POLICY, "network (raw policy)")):
        nets = [r for r in table if (parse_checkpoint(r.name) or (0, None))[1] == variant]
        nets.sort(key=lambda r: r.generation or 0)
        if minutes is not None:
            nets = [r for r in nets if r.generation in minutes]
        xs = [minutes[r.generation or 0] if minutes else float(r.generation or 0) for r in nets]
        if xs:
            out.append(Series(xs, [r.elo for r in nets], label, "-o", [r.ci95 for r in nets]))
            span = [min(span + xs), max(span + xs)]
    for k, ref in enumerate(r for r in table if r.generation is None):
        out.append(Series(span, [ref.elo] * len(span), ref.name, f"C{k + 2}:"))
    return out


def _legacy_elo(rows: Sequence[GenerationMetrics]) -> list[Series]:
    rated = [m for m in rows if m.arena is not None and m.arena.elo is not None]
    return [
        Series(
            [float(m.generation + 1) for m in rated],
            [m.arena.elo or 0.0 for m in rated if m.arena],
            "search",
            "-o",
            [m.arena.elo_ci95 or 0.0 for m in rated if m.arena],
        )
    ]


def _metric_plots(rows: Sequence[GenerationMetrics]) -> dict[str, tuple[str, str, list[Series]]]:
    """The plots of metrics.csv columns (losses, throughput, error rates)."""
    gen: Callable[[GenerationMetrics], float] = lambda m: float(m.generation + 1)  # noqa: E731
    mins: Callable[[GenerationMetrics], float] = lambda m: m.elapsed_s / 60.0  # noqa: E731
    fit = [(m, m.fit) for m in rows if m.fit is not None]
    sp = [(m, m.selfplay) for m in rows if m.selfplay is not None]
    losses = [
        _series(fit, gen, name, label)
        for name, label in (("loss", "total"), ("loss_policy", "policy"), ("loss_value", "value"))
    ]
    throughput = [
        _series(sp, gen, "positions_per_s", "self-play positions/s"),
        _series(fit, gen, "samples_per_s", "learner samples/s"),
    ]
    return {
        "errors.png": ("error rate vs exact oracle", "generation", _error_series(rows, gen, True)),
        "learning_curve.png": (
            "outcome-changing error rate vs wall time",
            "wall-clock minutes",
            _error_series(rows, mins, False),
        ),
        "search_diagnostics.png": (
            "search vs raw policy by the oracle",
            "generation",
            _diagnostic_series(rows, gen),
        ),
        "losses.png": ("training loss", "generation", losses),
        "throughput.png": ("throughput", "generation", throughput),
    }


def _diagnostic_series(
    rows: Sequence[GenerationMetrics], x: Callable[[GenerationMetrics], float]
) -> list[Series]:
    """Policy improvement (search better / worse) and terminal accuracy per generation."""
    arena = [(m, m.arena) for m in rows if m.arena is not None]
    fields = (
        ("improve", "search better than policy", "C0-o"),
        ("worse", "search worse than policy (MCTS hurts)", "C3-o"),
        ("policy_wins_taken", "policy takes immediate wins", "C1--"),
        ("search_wins_taken", "search takes immediate wins", "C1-"),
        ("policy_losses_blocked", "policy blocks immediate losses", "C2--"),
        ("search_losses_blocked", "search blocks immediate losses", "C2-"),
    )
    return [
        dataclasses.replace(_series(arena, x, name, label), style=style)
        for name, label, style in fields
    ]


def _reliability_series(arena_dir: Path) -> list[Series]:
    """Reliability diagram: mean exact value per bin of the value head's prediction, for
    the first and the latest arena, against the diagonal of perfect calibration."""
    from distill.arena.diagnostics import read_reliability

    tables = read_reliability(arena_dir)
    if not tables:
        return []
    out = [Series([-1.0, 1.0], [-1.0, 1.0], "perfectly calibrated", "k:")]
    for k, generation in enumerate(sorted({min(tables), max(tables)})):
        rows = [r for r in tables[generation] if r.count]
        out.append(
            Series(
                [float(r.mean_predicted or 0.0) for r in rows],
                [float(r.mean_exact or 0.0) for r in rows],
                f"network {generation + 1} ({sum(r.count for r in rows)} positions)",
                f"C{k}-o",
            )
        )
    return out


def _series(
    pairs: Sequence[tuple[GenerationMetrics, Any]],
    x: Callable[[GenerationMetrics], float],
    field: str,
    label: str,
) -> Series:
    """A series of one field of a typed part, over the rows where it is set."""
    points = [(x(m), getattr(part, field)) for m, part in pairs]
    points = [(a, b) for a, b in points if b is not None]
    return Series([a for a, _ in points], [float(b) for _, b in points], label)


def _error_series(
    rows: Sequence[GenerationMetrics], x: Callable[[GenerationMetrics], float], both: bool
) -> list[Series]:
    """Error rates per (player, bucket): outcome-changing dashed, non-optimal solid."""
    keys: list[tuple[str, str]] = []
    for m in rows:
        for e in m.arena.errors if m.arena else ():
            if (e.player, e.bucket) not in keys:
                keys.append((e.player, e.bucket))
    out = []
    for k, (player, bucket) in enumerate(keys):
        pairs = [
            (m, e)
            for m in rows
            for e in (m.arena.errors if m.arena else ())
            if (e.player, e.bucket) == (player, bucket)
        ]
        kinds = [("not_optimal", "not optimal", "-")] if both else []
        kinds.append(("outcome_change", "outcome" if both else "", "--"))
        for field, what, style in kinds:
            s = _series(pairs, x, field, f"{player} {bucket} {what}".strip())
            out.append(dataclasses.replace(s, style=f"C{k % 10}{style}"))
    return out


def _plot(path: Path, title: str, xlabel: str, series: Sequence[Series]) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for s in series:
        if not s.xs:
            continue
        (line,) = ax.plot(s.xs, s.ys, s.style, markersize=3, label=s.label)
        if s.band is not None:
            low = [y - c for y, c in zip(s.ys, s.band, strict=True)]
            high = [y + c for y, c in zip(s.ys, s.band, strict=True)]
            ax.fill_between(s.xs, low, high, alpha=0.2, color=line.get_color())
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, ncol=2 if len(series) > 4 else 1)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def write_ladder_plot(run: RunDir, minutes: dict[int, float]) -> Path | None:
    """``report/ladder.png`` from the run's ``ladder/*/ladder.json`` (`distill.gtp.ladder`);
    None when no ladder was played. `minutes`: wall-clock minutes of the run at the end of
    each generation (1-based); the Elo is placed there (at the generation number when one
    is missing). An Elo unbounded on one side (every anchored game won or lost) shows as
    its one bound: a triangle pointing the way the rating may lie."""
    import matplotlib.pyplot as plt

    from distill.gtp.ladder import read_ladders

    ladders = [d for d in read_ladders(run.root) if d.get("generation")]
    if not ladders:
        return None
    use_minutes = all(d["generation"] in minutes for d in ladders)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    points = [(d["generation"], d["elo"]) for d in ladders if d["elo"]["elo"] is not None]
    xs = [minutes[g] if use_minutes else g for g, _ in points]
    ys = [e["elo"] for _, e in points]
    below = [e["elo"] - (e["low"] if e["low"] is not None else e["elo"]) for _, e in points]
    above = [(e["high"] if e["high"] is not None else e["elo"]) - e["elo"] for _, e in points]
    left.errorbar(xs, ys, yerr=[below, above], marker="o", capsize=3)
    _one_sided_bounds(left, ladders, minutes if use_minutes else None)
    left.axhline(0.0, color="grey", lw=0.8, ls=":")
    left.set_xlabel("wall-clock minutes" if use_minutes else "generation")
    left.set_title("ladder Elo (GNU Go level 10 = 0), 95% interval")
    for opponent in sorted({row["opponent"] for d in ladders for row in d["rows"]}):
        found = [
            (d["generation"], r["win_rate"])
            for d in ladders
            for r in d["rows"]
            if r["opponent"] == opponent
        ]
        right.plot(*zip(*found, strict=True), marker="o", label=opponent)
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


def _one_sided_bounds(
    ax: Any, ladders: list[dict[str, Any]], minutes: dict[int, float] | None
) -> None:
    """Mark the ladders whose Elo has only an upper ("v", all lost) or a lower ("^", all
    won) 95% bound at that bound."""
    for key, marker, label in (
        ("high", "v", "upper bound (all lost)"),
        ("low", "^", "lower bound (all won)"),
    ):
        found = [
            (minutes[d["generation"]] if minutes else d["generation"], d["elo"][key])
            for d in ladders
            if d["elo"]["elo"] is None and d["elo"][key] is not None
        ]
        if found:
            ax.plot(*zip(*found, strict=True), marker, color="tab:red", ls="none", label=label)
            ax.legend(fontsize=7)


__all__ = ["Series", "pool_table", "write_ladder_plot", "write_report"]
