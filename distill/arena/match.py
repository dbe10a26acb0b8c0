"""Matches between batched players, and the exhaustive never-loses check.

`play_match` plays N games between two `ArenaPlayer`s at once (half with each
colour), asking each player to move in all the games where it is to move with
one batched call. `never_loses` walks every line of play in which the opponent
tries *every* legal move and the player answers with its own (deterministic)
choice, for both colours: if no line ends in a loss, the player does not lose
against minimax (nor anything else) from any opening. That is feasible for
tic-tac-toe-sized games only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from distill.arena.players import ArenaPlayer
from distill.domain import Domain


@dataclass
class MatchResult:
    """Results of player A against player B, from A's view.

    Attributes:
        wins, draws, losses: games A won, drew, lost.
        games: (a_first, moves) per game in game order, moves as action lists.
    """

    a: str
    b: str
    wins: int = 0
    draws: int = 0
    losses: int = 0
    games: list[tuple[bool, list[int]]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.wins + self.draws + self.losses

    @property
    def score(self) -> float:
        """A's mean score: 1 per win, 0.5 per draw."""
        return (self.wins + 0.5 * self.draws) / max(self.total, 1)


def play_match(
    domain: Domain,
    a: ArenaPlayer,
    b: ArenaPlayer,
    num_games: int,
    rng: np.random.Generator,
    *,
    max_moves: int | None = None,
    openings: list[list[int]] | None = None,
) -> MatchResult:
    """Play `num_games` games (A first in the even-numbered ones) and count A's results.

    openings: games 2k and 2k+1 start after the moves openings[k] (the same opening with
    colours swapped: deterministic players otherwise repeat one game pair); None = from
    the initial position. A game reaching `max_moves` plies (default: the domain's
    bound) counts as a draw.
    """
    result = MatchResult(a.name, b.name)
    if num_games == 0:
        return result
    cap = max_moves or domain.max_moves
    rows = np.arange(num_games, dtype=np.int64)
    moves: list[list[int]] = [list(openings[g // 2]) if openings else [] for g in rows]
    store = replay_lines(domain, moves)
    a_first = rows % 2 == 0
    active = np.ones(num_games, dtype=np.bool_)
    while active.any():
        live = rows[active]
        to_play = domain.to_play(store, live)
        a_moves = a_first[live] == (to_play == 0)
        actions = np.empty(live.shape[0], dtype=np.int64)
        for player, pick in ((a, a_moves), (b, ~a_moves)):
            if pick.any():
                actions[pick] = player.select(store, live[pick], rng)
        domain.step(store, live, store, live, actions)
        for g, action in zip(live, actions, strict=True):
            moves[g].append(int(action))
        done, value = domain.terminal(store, live)
        last_to_play = domain.to_play(store, live)
        for k, g in enumerate(live):
            if not done[k] and len(moves[g]) < cap:
                continue
            active[g] = False
            a_to_play = a_first[g] == (last_to_play[k] == 0)
            a_value = (value[k] if a_to_play else -value[k]) if done[k] else 0.0
            _count(result, a_value)
    result.games = [(bool(a_first[g]), moves[g]) for g in rows]
    return result


def random_openings(
    domain: Domain, count: int, plies: int, rng: np.random.Generator
) -> list[list[int]]:
    """`count` openings of `plies` uniformly random moves that do not end the game."""
    from distill.domain import Position

    openings: list[list[int]] = []
    while len(openings) < count:
        game = Position(domain)
        while len(game.history) < plies and not game.is_over:
            game.play(int(rng.choice(game.legal_actions())))
        if not game.is_over:
            openings.append(list(game.history))
    return openings


def _count(result: MatchResult, a_value: float) -> None:
    if a_value > 0:
        result.wins += 1
    elif a_value < 0:
        result.losses += 1
    else:
        result.draws += 1


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
    domain: Domain, player: ArenaPlayer, rng: np.random.Generator, *, max_lines: int = 100_000
) -> NeverLosesReport:
    """Walk all lines where the opponent tries every legal move, for both colours.

    The player answers each frontier position with one batched `select` call per
    ply. Returns the lines it lost (empty = it never loses from any opening, as
    either player). Raises ValueError if more than `max_lines` lines are open at once.
    """
    report = NeverLosesReport()
    for player_side in (0, 1):
        frontier: list[list[int]] = [[]]
        while frontier:
            if len(frontier) > max_lines:
                raise ValueError(f"never_loses: more than {max_lines} open lines; game too big")
            frontier = _advance(domain, player, player_side, frontier, rng, report)
    return report


def _advance(
    domain: Domain,
    player: ArenaPlayer,
    side: int,
    frontier: list[list[int]],
    rng: np.random.Generator,
    report: NeverLosesReport,
) -> list[list[int]]:
    """One ply for every open line: expand the opponent's moves or ask the player."""
    store = replay_lines(domain, frontier)
    rows = np.arange(len(frontier), dtype=np.int64)
    to_play = domain.to_play(store, rows)
    mine = rows[to_play == side]
    chosen = player.select(store, mine, rng) if mine.size else np.empty(0, dtype=np.int64)
    choice = dict(zip(mine.tolist(), chosen.tolist(), strict=True))
    masks = domain.legal_mask(store, rows)
    children: list[list[int]] = []
    for r, line in enumerate(frontier):
        options = [choice[r]] if r in choice else np.flatnonzero(masks[r]).tolist()
        children += [[*line, int(a)] for a in options]
    if not children:
        return []
    child_store = replay_lines(domain, children)
    child_rows = np.arange(len(children), dtype=np.int64)
    done, value = domain.terminal(child_store, child_rows)
    movers = domain.to_play(child_store, child_rows)
    open_lines = []
    for k, line in enumerate(children):
        if not done[k]:
            open_lines.append(line)
            continue
        report.lines += 1
        side_value = value[k] if movers[k] == side else -value[k]
        if side_value < 0:
            report.losses.append(line)
        elif side_value > 0:
            report.wins += 1
        else:
            report.draws += 1
    return open_lines


def replay_lines(domain: Domain, lines: list[list[int]]) -> Any:
    """A store whose row i holds the position after lines[i]."""
    store = domain.new_store(len(lines))
    rows = np.arange(len(lines), dtype=np.int64)
    domain.reset(store, rows)
    depth = max((len(line) for line in lines), default=0)
    for ply in range(depth):
        live = np.array([i for i, line in enumerate(lines) if len(line) > ply], dtype=np.int64)
        actions = np.array([lines[i][ply] for i in live], dtype=np.int64)
        domain.step(store, live, store, live, actions)
    return store


__all__ = [
    "MatchResult",
    "NeverLosesReport",
    "never_loses",
    "play_match",
    "random_openings",
    "replay_lines",
]
