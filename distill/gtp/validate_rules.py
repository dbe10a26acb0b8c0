"""Check the Go engine against independent implementations, move by move.

Random legal games (uniform over the engine's legal actions, pass included) are
played into a reference and compared after every move:

* GNU Go over GTP (``--chinese-rules --positional-superko``): the legal points of
  the player to move (``all_legal``), the acceptance of each ``play``, and the
  stones of both colours (``list_stones``).
* PettingZoo ``go_v5`` (minigo's rules: simple ko only, suicide illegal): the
  action mask and the board, with the engine under positional superko.

GNU Go with ``--positional-superko`` applies the same rules, superko included
(its ``all_legal`` consults the game's board history), so every difference from
it is a disagreement. go_v5 knows only simple ko: a point that only superko
forbids is legal there; such points are counted apart (``superko_only``) after
the engine's own classifier confirms each is a superko ban (`engine.try_point`
= -1 and not the simple-ko point). Every other difference is a disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from distill.domain import Position
from distill.domains.go import action_to_vertex, board_array, engine, make, vertex_to_action
from distill.domains.go.layout import KO
from distill.gtp.client import GtpClient, GtpError, gnugo_argv

#: Keep at most this many disagreement descriptions per run.
MAX_DETAILS = 20


@dataclass
class Report:
    """Counts of one validation run; `disagreements` must be 0 for the engine to pass."""

    reference: str
    size: int
    games: int = 0
    moves: int = 0
    points_compared: int = 0
    superko_only: int = 0
    """Differences that are superko bans (go_v5 only: it has no superko)."""
    superko_bans: int = 0
    """(position, point) pairs the engine banned by superko alone, whether or not they differ."""
    disagreements: int = 0
    details: list[str] = field(default_factory=list)

    def disagree(self, text: str) -> None:
        self.disagreements += 1
        if len(self.details) < MAX_DETAILS:
            self.details.append(text)

    def summary(self) -> str:
        return (
            f"{self.reference:>10} {self.size:>2}x{self.size:<2} games={self.games} "
            f"moves={self.moves} points={self.points_compared} "
            f"superko-bans={self.superko_bans} superko-only={self.superko_only} "
            f"disagreements={self.disagreements}"
        )


def _superko_only(position: Position, point: int) -> bool:
    """True if `point` is illegal for the mover only because of superko (not simple ko)."""
    state = position.store[0]
    return engine.try_point(state, point, True) == -1 and point != state[KO]


def _compare_masks(
    report: Report,
    position: Position,
    ours: np.ndarray,
    theirs: np.ndarray,
    where: str,
    *,
    superko_exempt: bool,
) -> None:
    """Compare bool[N*N] legal points; with `superko_exempt`, superko bans are counted apart."""
    report.points_compared += ours.shape[0]
    report.superko_bans += sum(_superko_only(position, int(p)) for p in np.flatnonzero(~ours))
    for point in np.flatnonzero(ours != theirs):
        if superko_exempt and not ours[point] and _superko_only(position, int(point)):
            report.superko_only += 1
            continue
        size = report.size
        report.disagree(
            f"{where}: {action_to_vertex(int(point), size)} legal for distill={bool(ours[point])}"
            f" {report.reference}={bool(theirs[point])}"
        )


def _vertices_to_mask(text: str, size: int) -> np.ndarray:
    mask = np.zeros(size * size, dtype=np.bool_)
    for vertex in text.split():
        if vertex.lower() != "pass":
            mask[vertex_to_action(vertex, size)] = True
    return mask


def _compare_gnugo_board(report: Report, position: Position, client: GtpClient, where: str) -> None:
    board = board_array(position.store[0]).reshape(-1)
    for colour, name in ((1, "black"), (2, "white")):
        theirs = _vertices_to_mask(client.send(f"list_stones {name}"), report.size)
        if not np.array_equal(board == colour, theirs):
            report.disagree(f"{where}: {name} stones differ from GNU Go")


def _random_action(mask: np.ndarray, rng: np.random.Generator) -> int:
    """A uniformly random legal action (pass included)."""
    return int(rng.choice(np.flatnonzero(mask)))


def validate_gnugo(size: int, games: int, seed: int = 0, komi: float = 7.5) -> Report:
    """Play `games` random games into GNU Go on a size x size board and compare every move."""
    domain = make(size=size, komi=komi, superko="positional")
    report = Report("gnugo", size)
    rng = np.random.default_rng(seed)
    nn = size * size
    with GtpClient(gnugo_argv(size, komi)) as client:
        for game in range(games):
            client.send("clear_board")
            position = Position(domain)
            while not position.is_over:
                where = f"game {game} move {len(position.history) + 1}"
                colour = "black" if position.to_play == 0 else "white"
                mask = position.legal_mask()
                theirs = _vertices_to_mask(client.send(f"all_legal {colour}"), size)
                _compare_masks(report, position, mask[:nn], theirs, where, superko_exempt=False)
                action = _random_action(mask, rng)
                try:
                    client.send(f"play {colour} {action_to_vertex(action, size)}")
                except GtpError as exc:  # GNU Go refused a move distill allows
                    report.disagree(
                        f"{where}: GNU Go refused {action_to_vertex(action, size)}: {exc}"
                    )
                    break
                position.play(action)
                report.moves += 1
                _compare_gnugo_board(report, position, client, where)
            report.games += 1
    return report


def validate_pettingzoo(size: int, games: int, seed: int = 0, komi: float = 7.5) -> Report:
    """Play `games` random games into PettingZoo go_v5 and compare masks and boards.

    Run one board size per process: go_v5 keeps the board size in module globals.
    """
    from pettingzoo.classic import go_v5

    domain = make(size=size, komi=komi, superko="positional")
    report = Report("go_v5", size)
    rng = np.random.default_rng(seed)
    env = go_v5.env(board_size=size, komi=komi)
    for game in range(games):
        env.reset(seed=game)
        position = Position(domain)
        while not position.is_over:
            where = f"game {game} move {len(position.history) + 1}"
            observation, _, done, _, _ = env.last()
            if done:
                report.disagree(f"{where}: go_v5 says the game is over, distill does not")
                break
            mask = position.legal_mask()
            theirs = observation["action_mask"].astype(np.bool_)
            nn = size * size
            _compare_masks(report, position, mask[:nn], theirs[:nn], where, superko_exempt=True)
            action = _random_action(mask, rng)
            env.step(action)
            position.play(action)
            report.moves += 1
            _compare_pettingzoo_board(report, position, env, where)
        report.games += 1
    env.close()
    return report


def _compare_pettingzoo_board(report: Report, position: Position, env: object, where: str) -> None:
    theirs = np.asarray(env.unwrapped._go.board)  # type: ignore[attr-defined]
    # minigo colours: 1 black, -1 white, 0 empty; rows from the top as here.
    ours = board_array(position.store[0]).astype(np.int64)
    expected = np.where(ours == 2, -1, ours)
    if not np.array_equal(expected, theirs):
        report.disagree(f"{where}: board differs from go_v5")
