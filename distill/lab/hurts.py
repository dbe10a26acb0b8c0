"""When MCTS hurts: the search's policy improvement as the value head is corrupted.

A run's network is wrapped in `CorruptedValues`, which replaces each value it returns, with
probability p, by its negation (``flip``) or by a uniform draw from [-1, 1] (``noise``);
the priors are left alone, so the raw policy's moves do not change. On the domain's
solver-scored position buckets, the search at the arena's simulations then plays each
position, and its moves are compared with the raw policy's by the oracle
(`distill.arena.diagnostics.improvement`): ``net`` = improve - worse falls below zero
when bad values make the search choose worse moves than the policy it starts from.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from distill.errors import ConfigError
from distill.fileio import atomic_write

Mode = Literal["flip", "noise"]


class CorruptedValues:
    """An evaluator whose values are corrupted at `rate` (module doc); priors unchanged.

    Deliberately no ``jit_kind``: the search calls it from Python, batch by batch.
    """

    def __init__(self, evaluator: Any, rate: float, mode: Mode, seed: int = 0) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ConfigError(f"corruption rate must be in [0, 1], got {rate}")
        if mode not in ("flip", "noise"):
            raise ConfigError(f"corruption mode must be flip or noise, got {mode!r}")
        self.evaluator, self.rate, self.mode = evaluator, float(rate), mode
        self.rng = np.random.default_rng(seed)

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(logits float32[B, A], values float32[B]) of the wrapped evaluator, corrupted."""
        logits, values = self.evaluator(obs, mask)
        out = np.array(values, dtype=np.float32, copy=True)
        hit = np.asarray(self.rng.random(out.shape[0]) < self.rate, dtype=np.bool_)
        if self.mode == "flip":
            out[hit] = -out[hit]
        else:
            out[hit] = self.rng.uniform(-1.0, 1.0, int(hit.sum())).astype(np.float32)
        return logits, out


@dataclass(frozen=True)
class HurtsRow:
    """The search against the raw policy at one corruption rate."""

    rate: float
    improve: float
    worse: float
    net: float
    search_outcome_change: float


def measure(
    agent: Any, rates: list[float], mode: Mode, positions_per_bucket: int, seed: int = 0
) -> tuple[list[HurtsRow], int, int]:
    """One `HurtsRow` per rate, the number of scored positions, and the simulations."""
    from distill.arena.diagnostics import improvement
    from distill.arena.evaluate import choose_on_positions, error_rates
    from distill.arena.players import PolicyPlayer, SearchPlayer
    from distill.arena.positions import position_set
    from distill.recipe import derive

    domain = agent.domain
    positions = [
        p
        for bucket in domain.eval_buckets or {}
        for p in position_set(domain, bucket, positions_per_bucket, seed)
    ]
    rng = np.random.default_rng(seed)
    policy = choose_on_positions(domain, PolicyPlayer(domain, agent.evaluator), positions, rng)
    sims = derive(agent.recipe).arena_simulations
    rows = []
    for rate in rates:
        evaluator = CorruptedValues(agent.evaluator, rate, mode, seed)
        player = SearchPlayer(domain, evaluator, agent.recipe.search, sims)
        search = choose_on_positions(domain, player, positions, rng)
        better, worse = improvement(positions, policy, search)
        changed = error_rates(positions, search)["outcome_change"]
        rows.append(HurtsRow(rate, better, worse, better - worse, changed))
    return rows, len(positions), sims


def write_hurts(rows: list[HurtsRow], meta: dict[str, Any], out: str | Path) -> list[Path]:
    """``hurts.json`` (meta + rows) and ``hurts.png`` (rates against p) into `out`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    json_path = atomic_write(
        folder / "hurts.json", json.dumps({**meta, "rows": [asdict(r) for r in rows]}, indent=2)
    )
    fig, ax = plt.subplots(figsize=(7, 4))
    xs = [r.rate for r in rows]
    ax.plot(xs, [r.improve for r in rows], "C0-o", label="search better than policy")
    ax.plot(xs, [r.worse for r in rows], "C3-o", label="search worse (MCTS hurts)")
    ax.plot(xs, [r.net for r in rows], "k-s", label="net improvement")
    ax.axhline(0.0, color="grey", linewidth=0.6)
    ax.set_xlabel(f"value corruption rate p ({meta['mode']})")
    ax.set_ylabel("share of scored positions")
    ax.set_title(f"{meta['domain']}: search vs raw policy, {meta['positions']} positions")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    plot_path = folder / "hurts.png"
    tmp = folder / ".hurts.tmp.png"
    fig.savefig(tmp, dpi=100)
    plt.close(fig)
    tmp.replace(plot_path)
    return [json_path, plot_path]
