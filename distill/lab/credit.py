"""Value targets against exact values, along a run's real self-play games.

For every position of every game in a run's replay shards (replayed from the shards'
``action`` field), the exact game-theoretic value from the side to move is
``sign(max score)`` over the domain solver's move scores (Pons' convention: +1 win,
0 draw, -1 loss). Each value target the learner could regress (`distill.credit`) is
compared with it:

* ``z``: the outcome; ``q``: the search root value;
* ``lambda=L``: λ-returns over the search values (Sutton & Barto 2018, Sec. 12.1);
* ``mix=A``: A·z + (1 - A)·q.

Per target and game phase (the domain's ``eval_buckets``, plus ``all``), with the error
e = target - exact over n positions: ``bias`` = mean(e), ``variance`` = var(e) (the
population variance), ``mse`` = mean(e²) = bias² + variance, and ``count`` = n.

Cost bound: positions with fewer than ``min_ply`` plies played are not solved (early
Connect Four positions take the solver long); at most ``max_positions`` positions are
solved (whole games, oldest shards first, until the cap). Both limits are written into
the report. Solves are cached by position.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from distill.credit.targets import lambda_returns, mix_targets, outcome_targets
from distill.domain import Domain, Position
from distill.errors import ConfigError, CorruptFileError, DistillError
from distill.fileio import atomic_write
from distill.replay.shards import Shard, read_shard

DEFAULT_LAMBDAS = (0.0, 0.5, 0.8, 0.95, 1.0)
DEFAULT_MIXES = (0.25, 0.5, 0.75)


@dataclass
class TargetStats:
    """Error statistics of one target in one phase (module doc for definitions)."""

    bias: float
    variance: float
    mse: float
    count: int


@dataclass
class CreditReport:
    """What ``credit.json`` holds.

    stats: target name -> phase name (``all`` and each eval bucket) -> statistics.
    phases: phase name -> [min, max] plies played (inclusive).
    """

    run_dir: str
    domain: str
    games: int
    positions: int
    min_ply: int
    max_positions: int | None
    lambdas: list[float]
    mixes: list[float]
    phases: dict[str, list[int]]
    stats: dict[str, dict[str, TargetStats]] = field(default_factory=dict)


def check_lambdas(lambdas: list[float]) -> list[float]:
    """The λ values, each checked to lie in [0, 1] (ConfigError naming the bad one)."""
    for lam in lambdas:
        if not 0.0 <= lam <= 1.0:
            raise ConfigError(f"--lambdas: every λ must be in [0, 1], got {lam}")
    return list(lambdas)


def _exact_value(domain: Domain, position: Position, cache: dict[bytes, int]) -> int:
    """+1 / 0 / -1: the solver's value of `position` for the side to move (cached)."""
    key = position.observe().tobytes() + bytes([position.to_play])
    if key not in cache:
        assert domain.solver is not None
        scores = [s for s in domain.solver(position.store[0]) if s is not None]
        cache[key] = int(np.sign(max(scores)))
    return cache[key]


def _game_exact(
    domain: Domain, actions: np.ndarray, players: np.ndarray, min_ply: int, cache: dict[bytes, int]
) -> np.ndarray:
    """float64[T]: exact value at each of a game's positions (NaN below `min_ply`).

    Replays `actions` from the start; CorruptFileError if the recorded player to move
    disagrees with the replay (the shard does not describe a game of this domain)."""
    position = Position(domain)
    exact = np.full(actions.shape[0], np.nan)
    for t, action in enumerate(actions):
        if position.to_play != int(players[t]):
            raise CorruptFileError(f"replayed player to move {position.to_play} != shard's")
        if t >= min_ply:
            exact[t] = _exact_value(domain, position, cache)
        position.play(int(action))
    return exact


def _game_targets(
    shard: Shard, start: int, length: int, g: int, lambdas: list[float], mixes: list[float]
) -> dict[str, np.ndarray]:
    """Every compared target for the game at rows start..start+length of `shard`."""
    a = shard.arrays
    values = a["root_value"][start : start + length]
    players = a["player"][start : start + length]
    final, final_player = float(a["game_final_value"][g]), int(a["game_final_player"][g])
    z = outcome_targets(players, final, final_player)
    out = {"z": z, "q": values.astype(np.float32)}
    for lam in lambdas:
        out[f"lambda={lam:g}"] = lambda_returns(values, players, final, final_player, lam)
    for alpha in mixes:
        out[f"mix={alpha:g}"] = mix_targets(z, values, alpha)
    return out


def _stats(errors: np.ndarray) -> TargetStats:
    if errors.size == 0:
        return TargetStats(float("nan"), float("nan"), float("nan"), 0)
    return TargetStats(
        float(errors.mean()), float(errors.var()), float(np.mean(errors**2)), int(errors.size)
    )


def _shard_paths(run_dir: Path) -> list[Path]:
    from distill.flywheel.run_dir import RunDir

    run = RunDir.open(run_dir)
    return [run.replay / name for name in run.read_state().shards]


def credit_report(
    run_dir: str | Path,
    domain: Domain,
    *,
    lambdas: Sequence[float] = DEFAULT_LAMBDAS,
    mixes: Sequence[float] = DEFAULT_MIXES,
    min_ply: int = 0,
    max_positions: int | None = None,
) -> CreditReport:
    """Compare the value targets of every recorded game of `run_dir` with exact values.

    Raises DistillError when the domain has no solver or no eval buckets, or a shard
    lacks the ``action`` field (written before it existed); CorruptFileError for a
    shard whose games do not replay.
    """
    from distill.solve import require_solver

    require_solver(domain)
    lambdas, mixes = check_lambdas(list(lambdas)), list(mixes)
    phases = {k: [int(v[0]), int(v[1])] for k, v in (domain.eval_buckets or {}).items()}
    errors: dict[str, list[np.ndarray]] = {}
    plies: list[np.ndarray] = []
    cache: dict[bytes, int] = {}
    games = solved = 0
    for path in _shard_paths(Path(run_dir)):
        shard = read_shard(path)
        if "action" not in shard.arrays:
            raise DistillError(
                f"{path}: shard has no 'action' field (written by an older distill), so its "
                "games cannot be replayed; run self-play with this version to get shards with it"
            )
        starts = np.concatenate([[0], np.cumsum(shard.arrays["game_length"])[:-1]])
        for g, (start, length) in enumerate(zip(starts, shard.arrays["game_length"], strict=True)):
            if max_positions is not None and solved >= max_positions:
                break
            start, length = int(start), int(length)
            rows = slice(start, start + length)
            if length == 0 or int(shard.arrays["move_index"][start]) != 0:
                continue  # a game that does not start at the initial position
            try:
                exact = _game_exact(
                    domain,
                    shard.arrays["action"][rows],
                    shard.arrays["player"][rows],
                    min_ply,
                    cache,
                )
            except (CorruptFileError, DistillError) as exc:
                raise CorruptFileError(f"{path}: game {g} does not replay: {exc}") from None
            keep = ~np.isnan(exact)
            targets = _game_targets(shard, start, length, g, lambdas, mixes)
            for name, target in targets.items():
                errors.setdefault(name, []).append(target[keep].astype(np.float64) - exact[keep])
            plies.append(shard.arrays["move_index"][rows][keep])
            games += 1
            solved += int(keep.sum())
    report = CreditReport(
        str(run_dir),
        domain.name,
        games,
        solved,
        min_ply,
        max_positions,
        list(lambdas),
        list(mixes),
        phases,
    )
    if not plies:
        raise DistillError(f"{run_dir}: no replay positions to compare (min ply {min_ply})")
    ply = np.concatenate(plies)
    masks = {"all": np.ones(ply.shape[0], dtype=bool)}
    masks.update({k: (ply >= lo) & (ply <= hi) for k, (lo, hi) in phases.items()})
    for name, parts in errors.items():
        e = np.concatenate(parts)
        report.stats[name] = {phase: _stats(e[m]) for phase, m in masks.items()}
    return report


def _plot(report: CreditReport, path: Path) -> None:
    """Two panels: MSE and bias of each target, one bar group per phase."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report.stats)
    phases = ["all", *report.phases]
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    width = 0.8 / len(phases)
    x = np.arange(len(names))
    for k, phase in enumerate(phases):
        mse = [report.stats[n][phase].mse for n in names]
        bias = [report.stats[n][phase].bias for n in names]
        axes[0].bar(x + k * width, mse, width, label=phase)
        axes[1].bar(x + k * width, bias, width, label=phase)
    for ax, title in zip(
        axes, ("MSE against the exact value", "bias (target - exact)"), strict=True
    ):
        ax.set_xticks(x + 0.4 - width / 2, names, rotation=45, ha="right")
        ax.set_title(title)
        ax.axhline(0.0, color="black", linewidth=0.6)
        ax.legend(title="phase")
    fig.suptitle(f"value targets vs exact values: {report.domain}, {report.positions} positions")
    fig.tight_layout()
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)


def write_credit(report: CreditReport, out: str | Path) -> list[Path]:
    """Write ``credit.json`` and ``credit.png`` into `out` (created); returns the paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = asdict(report)
    for phases in data["stats"].values():  # an empty phase has no statistics: null, not NaN
        for stats in phases.values():
            stats.update({k: None for k, v in stats.items() if v != v})
    json_path = folder / "credit.json"
    atomic_write(json_path, json.dumps(data, indent=2, allow_nan=False) + "\n")
    plot_path = folder / "credit.png"
    _plot(report, plot_path)
    return [json_path, plot_path]
