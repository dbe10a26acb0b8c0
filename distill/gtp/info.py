"""The ``info`` lines of Leela Zero's and KataGo's analysis commands, from a search.

One line lists the searched moves, most visited first::

    lz-analyze:   info move D4 visits 40 winrate 5625 prior 1235 lcb 5012 order 0 pv D4 ...
    kata-analyze: info move D4 visits 40 utility 0.125 winrate 0.5625 scoreMean 3.1
                  scoreLead 3.1 prior 0.1235 lcb 0.5012 order 0 pv D4 ... [ownership ...]

Everything is from the view of the side to move (Leela Zero's and KataGo's default).
Winrates come from the search's mean value q as (q + 1) / 2 (Leela Zero: integer
0..10000; KataGo: 0..1); ``utility`` is q itself. ``lcb`` is the normal-approximation
lower bound winrate - 1.96·sqrt(w(1-w)/visits) (Leela Zero's LCB uses a Student-t
quantile instead; with no per-move variance here the binomial one is the honest choice).

KataGo's score fields come from the network, where its evaluator offers auxiliary
outputs (``evaluator.auxiliary(obs) -> {"score": float32[B], "ownership":
float32[B, H, W]}``, both for the player to move): ``scoreMean`` = ``scoreLead`` of a
move is minus the score head's margin at the position after that move (the net's
estimate one ply deep, not a search average: the search backs up values only), and
``ownership`` (with ``ownership true``) is the ownership head at the analysed
position, row by row from the top left (A19 on 19x19) as KataGo lists it. Without
those outputs (rollout MCTS, a net without the heads) the fields are left out.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from distill.arena.players import Analysis, stack_positions
from distill.domain import Position
from distill.domains.go import action_to_vertex

LCB_Z = 1.96


class NetExtras:
    """The network's score and ownership around one analysed position, evaluated lazily
    and cached (analysis writes many updates of one position).

    Args:
        player: the analysing player; its ``evaluator.auxiliary`` is used if present.
        position: the analysed position (not changed).
    """

    def __init__(self, player: Any, position: Position) -> None:
        self.auxiliary = getattr(getattr(player, "evaluator", None), "auxiliary", None)
        self.position = position
        self._scores: dict[int, float | None] = {}
        self._ownership: np.ndarray | None = None
        self._root_done = False

    @property
    def available(self) -> bool:
        return self.auxiliary is not None

    def ownership(self) -> np.ndarray | None:
        """float32[H*W] ownership at the position for the player to move, or None."""
        self._root()
        return self._ownership

    def move_scores(self, actions: list[int]) -> dict[int, float | None]:
        """Score lead for the player to move after each action (None where unknown)."""
        todo = [a for a in actions if a not in self._scores]
        if todo and self.available:
            children = [self.position.clone().play(a) for a in todo]
            live = [c for c in children if not c.is_over]
            outputs = self._evaluate(live) if live else {}
            live_scores = iter(outputs.get("score", [None] * len(live)))
            for action, child in zip(todo, children, strict=True):
                if child.is_over:
                    self._scores[action] = _final_lead(child, self.position.to_play)
                else:
                    value = next(live_scores)
                    self._scores[action] = None if value is None else -float(value)
        return {a: self._scores.get(a) for a in actions}

    def _root(self) -> None:
        if self._root_done or not self.available:
            return
        self._root_done = True
        ownership = self._evaluate([self.position]).get("ownership")
        if ownership is not None:
            self._ownership = np.asarray(ownership[0], dtype=np.float32).reshape(-1)

    def _evaluate(self, positions: list[Position]) -> dict[str, np.ndarray]:
        assert self.auxiliary is not None
        domain = self.position.domain
        store, idx = stack_positions(domain, positions)
        outputs = dict(self.auxiliary(domain.encode(store, idx)))
        if not outputs:  # a net without score and ownership heads: stop asking
            self.auxiliary = None
        return outputs


def _final_lead(position: Position, player: int) -> float | None:
    """The final score of a finished game for `player` (None without a scorer)."""
    scorer = position.domain.final_score
    if scorer is None:
        return None
    black_lead = float(scorer(position.store[0]))
    return black_lead if player == 0 else -black_lead


def format_info(
    analysis: Analysis,
    size: int,
    *,
    kata: bool,
    max_moves: int | None,
    extras: NetExtras | None = None,
    ownership: bool = False,
) -> str:
    """One update line: ``info move ... pv ...`` for every visited move, most visited first,
    then ``ownership ...`` when asked for (kata) and the net offers it."""
    visited = np.flatnonzero(analysis.visits > 0)
    order = sorted(visited, key=lambda a: (-int(analysis.visits[a]), -float(analysis.q_values[a])))
    if max_moves:
        order = order[:max_moves]
    actions = [int(a) for a in order]
    scores = extras.move_scores(actions) if kata and extras is not None else {}
    parts = [
        _move_info(analysis, size, action, rank, kata=kata, score=scores.get(action))
        for rank, action in enumerate(actions)
    ]
    line = " ".join(parts)
    if kata and ownership and extras is not None:
        owned = extras.ownership()
        if owned is not None:
            line += " ownership " + " ".join(f"{v:.4f}" for v in owned)
    return line


def _move_info(
    analysis: Analysis, size: int, action: int, rank: int, *, kata: bool, score: float | None
) -> str:
    visits = int(analysis.visits[action])
    q = float(analysis.q_values[action])
    winrate = (q + 1.0) / 2.0
    lcb = max(0.0, winrate - LCB_Z * math.sqrt(winrate * (1.0 - winrate) / visits))
    prior = float(analysis.prior[action])
    pv = " ".join(action_to_vertex(a, size) for a in analysis.pv.get(action, [action]))
    move = action_to_vertex(action, size)
    if kata:
        score_text = "" if score is None else f"scoreMean {score:.3f} scoreLead {score:.3f} "
        stats = (
            f"visits {visits} utility {q:.6f} winrate {winrate:.6f} {score_text}"
            f"prior {prior:.6f} lcb {lcb:.6f}"
        )
    else:
        stats = (
            f"visits {visits} winrate {round(winrate * 10000)} "
            f"prior {round(prior * 10000)} lcb {round(lcb * 10000)}"
        )
    return f"info move {move} {stats} order {rank} pv {pv}"


__all__ = ["NetExtras", "format_info"]
