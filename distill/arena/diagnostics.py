"""Search diagnostics against an oracle: does the search improve the raw policy?

On solver-scored positions (`distill.arena.positions`), with the raw policy's move and
the search's move in each:

* policy improvement (Silver et al. 2017, "Mastering the game of Go without human
  knowledge": search acts as a policy-improvement operator): ``improve`` is the share of
  positions where the search's move scores higher by the oracle than the policy's,
  ``worse`` the share where it scores lower ("MCTS hurts"), ``net`` = improve - worse;
* value calibration: the value head's prediction v in [-1, 1] against the exact value
  sign(best score) in {-1, 0, +1}, as a reliability table over `CALIBRATION_BINS` equal
  bins of v (mean predicted, mean exact, count per bin), its expected calibration error
  ``ece`` = sum_b (n_b / n) |mean_pred_b - mean_exact_b| (Guo et al. 2017, "On
  Calibration of Modern Neural Networks", eq. 3) and ``value_mse``;
* terminal accuracy: among positions where some move wins at once, the share where the
  player takes such a win (``wins_taken``); among positions where some but not all moves
  let the opponent win at once, the share where the player avoids those moves
  (``losses_blocked``); for the policy and the search. None where no position qualifies.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from distill.arena.positions import ScoredPosition
from distill.domain import Domain, Position
from distill.errors import CorruptFileError
from distill.fileio import atomic_write

CALIBRATION_BINS = 10
#: The reliability tables of a run's arenas, per generation, in the arena directory.
CALIBRATION_FILE = "calibration.json"


@dataclass(frozen=True)
class Reliability:
    """One bin of the reliability table: predictions in [low, high)."""

    low: float
    high: float
    mean_predicted: float | None
    mean_exact: float | None
    count: int


@dataclass(frozen=True)
class SearchDiagnostics:
    """Diagnostics of one arena (module doc); rates are fractions of qualifying positions."""

    positions: int
    improve: float
    worse: float
    value_mse: float
    value_ece: float
    policy_wins_taken: float | None
    search_wins_taken: float | None
    policy_losses_blocked: float | None
    search_losses_blocked: float | None
    reliability: tuple[Reliability, ...]

    @property
    def net(self) -> float:
        """improve - worse: below 0 when the search makes the policy's choices worse."""
        return self.improve - self.worse


def _score(position: ScoredPosition, move: int) -> float:
    assert position.scores is not None
    score = position.scores[int(move)]
    return -np.inf if score is None else float(score)


def improvement(
    positions: Sequence[ScoredPosition], policy: np.ndarray, search: np.ndarray
) -> tuple[float, float]:
    """(improve, worse): shares where the search's move scores above / below the policy's."""
    diff = np.array(
        [
            _score(p, s) - _score(p, q) if _score(p, s) != _score(p, q) else 0.0
            for p, q, s in zip(positions, policy, search, strict=True)
        ]
    )
    n = max(len(positions), 1)
    return float(np.sum(diff > 0)) / n, float(np.sum(diff < 0)) / n


def reliability(predicted: np.ndarray, exact: np.ndarray) -> tuple[Reliability, ...]:
    """The reliability table of `predicted` float[N] in [-1, 1] against `exact` float[N]."""
    edges = np.linspace(-1.0, 1.0, CALIBRATION_BINS + 1)
    which = np.clip(np.digitize(predicted, edges) - 1, 0, CALIBRATION_BINS - 1)
    rows = []
    for b in range(CALIBRATION_BINS):
        m = which == b
        n = int(m.sum())
        mean_p = float(predicted[m].mean()) if n else None
        mean_e = float(exact[m].mean()) if n else None
        rows.append(Reliability(float(edges[b]), float(edges[b + 1]), mean_p, mean_e, n))
    return tuple(rows)


def expected_calibration_error(table: Sequence[Reliability]) -> float:
    """sum_b (n_b / n) |mean_pred_b - mean_exact_b| (0 for an empty table)."""
    n = sum(r.count for r in table)
    gaps = [
        r.count * abs(r.mean_predicted - r.mean_exact)
        for r in table
        if r.mean_predicted is not None and r.mean_exact is not None
    ]
    return float(sum(gaps) / n) if n else 0.0


def _after(domain: Domain, position: Position, move: int) -> Position:
    child = position.clone()
    child.play(move)
    return child


def _wins_at_once(domain: Domain, position: Position) -> set[int]:
    """Moves that end the game with a win for the player to move."""
    out = set()
    for a in position.legal_actions():
        child = _after(domain, position, int(a))
        if child.is_over and child.value * (1 if child.to_play == position.to_play else -1) > 0:
            out.add(int(a))
    return out


def _losing_moves(domain: Domain, position: Position) -> set[int]:
    """Moves after which the opponent (to move) can win at once."""
    out = set()
    for a in position.legal_actions():
        child = _after(domain, position, int(a))
        if not child.is_over and child.to_play != position.to_play and _wins_at_once(domain, child):
            out.add(int(a))
    return out


def terminal_accuracy(
    domain: Domain, positions: Sequence[ScoredPosition], moves: dict[str, np.ndarray]
) -> dict[str, float | None]:
    """``<player>_wins_taken`` and ``<player>_losses_blocked`` per player in `moves`."""
    taken = {k: [] for k in moves}  # type: dict[str, list[bool]]
    blocked = {k: [] for k in moves}  # type: dict[str, list[bool]]
    for i, scored in enumerate(positions):
        position = Position(domain).play_all(list(scored.moves))
        wins = _wins_at_once(domain, position)
        losing = set() if wins else _losing_moves(domain, position)
        avoidable = bool(losing) and len(losing) < len(position.legal_actions())
        for name, chosen in moves.items():
            if wins:
                taken[name].append(int(chosen[i]) in wins)
            elif avoidable:
                blocked[name].append(int(chosen[i]) not in losing)
    out: dict[str, float | None] = {}
    for name in moves:
        out[f"{name}_wins_taken"] = float(np.mean(taken[name])) if taken[name] else None
        out[f"{name}_losses_blocked"] = float(np.mean(blocked[name])) if blocked[name] else None
    return out


def value_predictions(
    domain: Domain, evaluator: Any, positions: Sequence[ScoredPosition]
) -> np.ndarray:
    """float64[N]: the value head's prediction for the side to move in each position."""
    from distill.arena.players import stack_positions

    store, idx = stack_positions(
        domain, [Position(domain).play_all(list(p.moves)) for p in positions]
    )
    _, values = evaluator(domain.encode(store, idx), domain.legal_mask(store, idx))
    return np.asarray(values, dtype=np.float64).reshape(-1)


def read_reliability(arena_dir: Path) -> dict[int, list[Reliability]]:
    """generation -> reliability table, from ``arena_dir/calibration.json`` ({} if absent)."""
    path = Path(arena_dir) / CALIBRATION_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
        return {int(g): [Reliability(*row) for row in rows] for g, rows in data.items()}
    except (ValueError, TypeError) as exc:
        raise CorruptFileError(f"{path}: not a calibration table: {exc}") from None


def record_reliability(arena_dir: Path, generation: int, table: Sequence[Reliability]) -> Path:
    """Store `table` as `generation`'s in ``arena_dir/calibration.json`` (atomic; a redone
    arena after a crash rewrites its own entry)."""
    tables = read_reliability(arena_dir)
    tables[generation] = list(table)
    data = {
        str(g): [list(dataclasses.astuple(r)) for r in rows] for g, rows in sorted(tables.items())
    }
    Path(arena_dir).mkdir(parents=True, exist_ok=True)
    return atomic_write(Path(arena_dir) / CALIBRATION_FILE, json.dumps(data) + "\n")


def diagnose(
    domain: Domain,
    evaluator: Any,
    positions: Sequence[ScoredPosition],
    policy: np.ndarray,
    search: np.ndarray,
) -> SearchDiagnostics:
    """All diagnostics on `positions` (scores needed) given both players' moves there."""
    improve, worse = improvement(positions, policy, search)
    exact = np.array([float(np.sign(p.value or 0)) for p in positions])
    predicted = value_predictions(domain, evaluator, positions)
    table = reliability(predicted, exact)
    term = terminal_accuracy(domain, positions, {"policy": policy, "search": search})
    return SearchDiagnostics(
        positions=len(positions),
        improve=improve,
        worse=worse,
        value_mse=float(np.mean((predicted - exact) ** 2)),
        value_ece=expected_calibration_error(table),
        policy_wins_taken=term["policy_wins_taken"],
        search_wins_taken=term["search_wins_taken"],
        policy_losses_blocked=term["policy_losses_blocked"],
        search_losses_blocked=term["search_losses_blocked"],
        reliability=table,
    )


__all__ = [
    "CALIBRATION_BINS",
    "Reliability",
    "SearchDiagnostics",
    "diagnose",
    "expected_calibration_error",
    "improvement",
    "read_reliability",
    "record_reliability",
    "reliability",
    "terminal_accuracy",
]
