"""False resignations: would a run's network resign a position the solver says is not lost?

Self-play resigns when a full search's root value for the side to move falls below
``selfplay.resign_threshold`` (`distill.flywheel.selfplay`). A resignation is *false*
when the exact game-theoretic value of that position is a draw or a win: the game was
given up too early, and its positions get a wrong outcome as their value target.
AlphaGo Zero (Silver et al. 2017, Methods, "Self-play") plays 10% of self-play games to
the end to measure that rate and keeps it below 5% by adjusting the threshold.

`measure` replays the domain's solver-scored position buckets (`Domain.eval_buckets`;
positions the run never trained on), searches each with the run's network at the
recipe's self-play budget (``search.num_simulations``, no root noise, fresh trees) and
also reads the raw value head. Per phase and for ``all`` it counts:

* ``lost``: positions whose exact value is a loss for the side to move;
* ``would_resign``: positions whose value is below the threshold;
* ``false_resign``: those of them whose exact value is a draw or a win;
* ``false_rate`` = false_resign / would_resign (None when nothing would resign), and
  ``false_share`` = false_resign / positions;
* ``missed`` = lost positions that would not resign (resigning saves no time there).

`selfplay_counts` sums the run's own ``false_resign`` and ``would_resign`` metrics
(counted on the no-resign games, `selfplay.no_resign_fraction` of them, which are played
to the end).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from distill.fileio import atomic_write


@dataclass(frozen=True)
class ResignRow:
    """Resignation counts of one value source ("search" or "net") on one phase."""

    source: str
    phase: str
    positions: int
    lost: int
    would_resign: int
    false_resign: int
    missed: int
    false_rate: float | None
    false_share: float


def resign_row(
    source: str, phase: str, values: np.ndarray, exact: np.ndarray, threshold: float
) -> ResignRow:
    """The `ResignRow` of values float[N] (side to move) against exact values int[N] in
    {-1, 0, +1} (side to move) at `threshold` (resign when value < threshold)."""
    resign = values < threshold
    lost = exact < 0
    false = int(np.sum(resign & ~lost))
    would = int(resign.sum())
    return ResignRow(
        source,
        phase,
        int(values.size),
        int(lost.sum()),
        would,
        false,
        int(np.sum(lost & ~resign)),
        false / would if would else None,
        false / max(int(values.size), 1),
    )


def _values(agent: Any, positions: list[Any], simulations: int) -> tuple[np.ndarray, np.ndarray]:
    """(search root values, raw net values), float32[N] each, for the side to move."""
    from distill.arena.match import replay_lines
    from distill.arena.players import SearchPlayer, stack_positions

    domain = agent.domain
    games = replay_lines(domain, [p.moves for p in positions])
    store, idx = stack_positions(domain, games)
    _, net = agent.evaluator(domain.encode(store, idx), domain.legal_mask(store, idx))
    player = SearchPlayer(domain, agent.evaluator, agent.recipe.search, simulations)
    result = player.search(games, np.random.default_rng(0))
    return np.asarray(result.root_value, np.float32), np.asarray(net, np.float32)


def measure(
    agent: Any, threshold: float, positions_per_bucket: int, simulations: int
) -> list[ResignRow]:
    """Rows for "search" and "net", each phase of the domain's buckets and ``all``."""
    from distill.arena.positions import buckets_for, position_set

    parts: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for bucket in buckets_for(agent.domain):
        positions = position_set(agent.domain, bucket, positions_per_bucket, 0)
        exact = np.sign(np.array([p.value for p in positions], dtype=np.int64))
        search, net = _values(agent, positions, simulations)
        parts[bucket] = (search, net, exact)
    parts["all"] = tuple(np.concatenate(x) for x in zip(*parts.values(), strict=True))  # type: ignore[assignment]
    rows = []
    for k, source in enumerate(("search", "net")):
        for phase, arrays in parts.items():
            rows.append(resign_row(source, phase, arrays[k], arrays[2], threshold))
    return rows


def selfplay_counts(metrics: list[dict[str, str]]) -> dict[str, int | None]:
    """The run's self-play ``would_resign`` and ``false_resign`` games, summed over its
    generations (None when no generation recorded them)."""
    out: dict[str, int | None] = {}
    for name in ("would_resign", "false_resign"):
        cells = [row.get(name) for row in metrics]
        numbers = [int(float(c)) for c in cells if c not in (None, "")]
        out[name] = sum(numbers) if numbers else None
    return out


def write_resign(rows: list[ResignRow], meta: dict[str, Any], out: str | Path) -> list[Path]:
    """``resign.json`` (meta + rows) and ``resign.png`` (false resignations by phase)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps({**meta, "rows": [asdict(r) for r in rows]}, indent=2, allow_nan=False)
    json_path = atomic_write(folder / "resign.json", text + "\n")
    phases = [r.phase for r in rows if r.source == "search"]
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(phases))
    for k, (source, colour) in enumerate((("search", "C0"), ("net", "C1"))):
        mine = [r for r in rows if r.source == source]
        would = [r.would_resign / max(r.positions, 1) for r in mine]
        at = x - 0.3 + 0.4 * k
        ax.bar(at, would, 0.2, color=colour, alpha=0.35, label=f"{source}: would resign")
        ax.bar(at + 0.2, [r.false_share for r in mine], 0.2, color=colour, label=f"{source}: false")
    ax.set_xticks(x, phases)
    ax.set_ylabel("share of scored positions")
    ax.set_title(f"{meta['domain']}: resign below {meta['threshold']:g}, {meta['run_dir']}")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8)
    fig.tight_layout()
    tmp = folder / ".resign.tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    plot_path = folder / "resign.png"
    tmp.replace(plot_path)
    return [json_path, plot_path]
