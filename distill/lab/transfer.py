"""Size transfer: does a Go net trained on small boards read a 19x19 board?

A fully convolutional net with masked pooling (`distill.nets`) runs on any board size
with the same weights. This lab scores a run's network, without search, on solver-free
19x19 checks built in code (`distill.domains.go.checks`):

* **capture-or-die**: the policy's top legal move is one of the moves that capture the
  one opponent group in atari, or save the mover's group the last move put in atari.
  A uniformly random legal move is right with probability |answers| / legal moves.
* **settled groups**: on the stones and eyes of groups with two real eyes, the sign of
  the ownership head (+1 = the player to move owns the point) agrees with the group's
  colour. A random sign agrees half the time. Stones and eyes are scored apart: "a stone
  belongs to its colour" already gets the stones right, while an eye is an empty point
  whose owner the net must read from its surroundings.

Each rate comes with its Wilson 95% interval over positions (tactics) or points
(ownership); the ownership rate per group (its points' majority) is given too.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from distill.arena.results import wilson_interval
from distill.fileio import atomic_write


@dataclass(frozen=True)
class Rate:
    """hits out of n, the rate, its Wilson 95% interval and what a random guess scores."""

    hits: int
    n: int
    rate: float
    low: float
    high: float
    random: float


def rate(hits: int, n: int, random: float) -> Rate:
    value = hits / n if n else 0.0
    low, high = wilson_interval(value, n)
    return Rate(int(hits), int(n), value, low, high, float(random))


def tactics_rates(evaluator: Any, cases: list[Any]) -> dict[str, Rate]:
    """Top-1 hit rates of the policy on capture-or-die cases, per kind and all together."""
    obs = np.concatenate([c.domain.encode(c.position().store, [0]) for c in cases])
    masks = np.stack([c.position().legal_mask() for c in cases])
    logits, _ = evaluator(obs, masks)
    top = logits.argmax(axis=1)
    hit = np.array([int(t) in c.answers for t, c in zip(top, cases, strict=True)])
    odds = np.array([len(c.answers) / c.legal_count for c in cases])
    out = {}
    for kind in ("capture", "save"):
        pick = np.array([c.kind == kind for c in cases])
        out[kind] = rate(int(hit[pick].sum()), int(pick.sum()), float(odds[pick].mean()))
    out["all"] = rate(int(hit.sum()), len(cases), float(odds.mean()))
    return out


def ownership_rates(evaluator: Any, cases: list[Any]) -> dict[str, Rate] | None:
    """Sign agreement of the ownership head on settled groups (None: the net has no head)."""
    obs = np.concatenate([c.domain.encode(c.position().store, [0]) for c in cases])
    owned = evaluator.auxiliary(obs).get("ownership")
    if owned is None:
        return None
    agree_all, eyes, majority = [], [], []
    for case, own in zip(cases, owned, strict=True):
        mover_sign = 1 if case.position().to_play == 0 else -1  # ownership: mover's view
        agree = np.sign(own.reshape(-1)[case.points] * mover_sign) == case.owner
        agree_all.append(agree)
        eyes.append(case.eyes)
        majority += [agree[case.groups == g].mean() > 0.5 for g in np.unique(case.groups)]
    agree, eye = np.concatenate(agree_all), np.concatenate(eyes)
    return {
        "points": rate(int(agree.sum()), len(agree), 0.5),
        "stones": rate(int(agree[~eye].sum()), int((~eye).sum()), 0.5),
        "eyes": rate(int(agree[eye].sum()), int(eye.sum()), 0.5),
        "groups": rate(int(np.sum(majority)), len(majority), 0.5),
    }


def measure(evaluator: Any, *, size: int, positions: int, seed: int) -> dict[str, Any]:
    """Both checks on `positions` tactics and positions // 2 settled-group boards."""
    from distill.domains.go.checks import settled_cases, tactics_cases

    tactics = tactics_rates(evaluator, tactics_cases(size, positions, seed))
    owner = ownership_rates(evaluator, settled_cases(size, max(1, positions // 2), seed))
    return {
        "tactics": {k: asdict(v) for k, v in tactics.items()},
        "ownership": None if owner is None else {k: asdict(v) for k, v in owner.items()},
    }


def write_transfer(result: dict[str, Any], meta: dict[str, Any], out: Path) -> Path:
    """Write ``transfer.json`` (meta + result) atomically into `out`; returns its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "transfer.json"
    atomic_write(path, json.dumps({**meta, **result}, indent=1).encode())
    return path


def summary_lines(result: dict[str, Any]) -> list[str]:
    """One line per rate: name, hits/n, rate, interval, random's rate."""
    rows = [(f"tactics {k}", v) for k, v in result["tactics"].items()]
    if result["ownership"] is not None:
        rows += [(f"ownership {k}", v) for k, v in result["ownership"].items()]
    return [
        f"{name:18s} {r['hits']:>4}/{r['n']:<4} {r['rate']:.3f} "
        f"({r['low']:.3f}-{r['high']:.3f})  random {r['random']:.3f}"
        for name, r in rows
    ]
