"""The exhaustive never-loses check (tic-tac-toe-sized games only).

`never_loses` walks every line of play in which the opponent tries *every* legal
move and the player answers with its own (deterministic) choice, for both colours:
if no line ends in a loss, the player does not lose against minimax (nor anything
else) from any opening.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from distill.arena.players import Player
from distill.domain import Domain, Position


@dataclass
class NeverLosesReport:
    """Outcome of `never_loses`: lines walked and the ones the player lost (as move lists)."""

    lines: int = 0
    losses: list[list[int]] = field(default_factory=list)
    draws: int = 0
    wins: int = 0

    @property
    def perfect(self) -> bool:
        return not self.losses


def never_loses(
    domain: Domain, player: Player, rng: np.random.Generator, *, max_lines: int = 100_000
) -> NeverLosesReport:
    """Walk all lines where the opponent tries every legal move, for both colours.

    The player answers each frontier position with one batched `Player.select` call
    per ply. Returns the lines it lost (empty = it never loses from any opening, as
    either player). Raises ValueError if more than `max_lines` lines are open at once.
    """
    report = NeverLosesReport()
    for side in (0, 1):
        frontier = [Position(domain)]
        while frontier:
            if len(frontier) > max_lines:
                raise ValueError(f"never_loses: more than {max_lines} open lines; game too big")
            frontier = _advance(player, side, frontier, rng, report)
    return report


def _advance(
    player: Player,
    side: int,
    frontier: list[Position],
    rng: np.random.Generator,
    report: NeverLosesReport,
) -> list[Position]:
    """One ply for every open line: expand the opponent's moves or ask the player."""
    mine = [p for p in frontier if p.to_play == side]
    chosen = player.select(mine, rng) if mine else np.empty(0, dtype=np.int64)
    choice = {id(p): int(a) for p, a in zip(mine, chosen, strict=True)}
    open_lines = []
    for position in frontier:
        options = [choice[id(position)]] if id(position) in choice else position.legal_actions()
        for action in options:
            child = position.clone().play(int(action))
            if not child.is_over:
                open_lines.append(child)
                continue
            report.lines += 1
            side_value = child.value if child.to_play == side else -child.value
            if side_value < 0:
                report.losses.append(list(child.history))
            elif side_value > 0:
                report.wins += 1
            else:
                report.draws += 1
    return open_lines


__all__ = ["NeverLosesReport", "never_loses"]
