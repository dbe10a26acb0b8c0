"""Go on any board from 5x5 to 19x19: Tromp-Taylor area scoring, komi, superko, move cap.

``distill.make("go", size=9, komi=7.5, superko="positional", allow_suicide=False)``

Rules (Tromp & Taylor, "The Logical Rules of Go", 1996): black moves first; a
stone or group without liberties is removed, opponents' groups first; suicide is
illegal unless ``allow_suicide=True``; a move may not recreate an earlier board
(``superko="positional"``, the default), an earlier board with the same player to
move (``"situational"``), or, with ``"simple"``, just the board before the last
move (simple ko). Two passes in a row end the game, as does the move cap
(``max_moves``, default 2·N²). The score is black's area (stones plus empty
regions reaching only black) minus white's minus ``komi``; the value of a
finished game is its sign for the player to move (jigo 0).

Actions: ``row * N + col`` with row 0 the top row as displayed, ``N * N`` = pass.
Move strings are GTP vertices (``D4``, ``pass``; row 1 is the bottom row).
Observations: `features.NUM_PLANES` KataGo-style planes (see `features.py`).
A record's layout and size are documented in `layout.py`.

Setup stones (handicap, SGF ``AB``/``AW``): ``black_stones=("D4", "Q16")`` and
``first_player="white"``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from distill.domain import Domain, KernelDomain, Position, as_index_pair
from distill.errors import ConfigError, DistillError
from distill.symmetry import dihedral_perms

from . import engine
from .coords import action_to_vertex, render_board, vertex_to_action
from .features import KOMI_SCALE, NUM_PLANES
from .kernels import PARAM_HEADER
from .layout import (
    BOARD,
    COLOUR_MASK,
    KOMI2,
    LAST,
    MAX_SIZE,
    MIN_SIZE,
    SIZE,
    TO_PLAY,
    state_size,
)

__all__ = [
    "GoDomain",
    "GoRules",
    "action_to_vertex",
    "board_array",
    "komi_of",
    "make",
    "ownership",
    "replay",
    "size_of",
    "tromp_taylor_score",
    "vertex_to_action",
]

#: superko option -> ko-rule code stored in the record (see layout.RULES).
KO_RULES = {"simple": 0, "positional": 1, "situational": 2}
PLAYERS = {"black": 0, "white": 1}


@dataclass(frozen=True)
class GoRules:
    """The rules and initial position of one Go domain (validated by `make`)."""

    size: int
    """Board size N, 5..19."""
    komi: float
    """Points added to white's area; a multiple of 0.5."""
    superko: str
    """'simple' (ko only), 'positional' or 'situational' superko."""
    allow_suicide: bool
    """Whether a move may leave its own group without liberties (the group is removed)."""
    max_moves: int
    """Actions (passes included) after which the game is scored."""
    black_stones: tuple[int, ...] = ()
    """Setup black stones (actions), e.g. handicap."""
    white_stones: tuple[int, ...] = ()
    """Setup white stones (actions)."""
    first_player: str = "black"
    """Who moves first: 'black' or 'white' (white after handicap stones)."""

    def params(self) -> np.ndarray:
        """float64 reset parameters (layout in `kernels`)."""
        head = [
            self.size,
            self.komi,
            KO_RULES[self.superko],
            float(self.allow_suicide),
            self.max_moves,
            PLAYERS[self.first_player],
            len(self.black_stones),
            len(self.white_stones),
        ]
        assert len(head) == PARAM_HEADER
        return np.array([*head, *self.black_stones, *self.white_stones], dtype=np.float64)


@dataclass(eq=False, repr=False)
class GoDomain(KernelDomain):
    """A `KernelDomain` that also carries its `GoRules` (for SGF, GTP and rendering)."""

    rules: GoRules | None = None

    @property
    def size(self) -> int:
        assert self.rules is not None
        return self.rules.size

    def same_states(self, a: Any, a_idx: Any, b: Any, b_idx: Any) -> np.ndarray:
        """Equal records up to the end of the used history (`engine.same_record`): a step
        copies only that much, so the words after it hold whatever the row held before."""
        s, d = self._check_store(a, "a"), self._check_store(b, "b")
        s_idx, d_idx = as_index_pair(a_idx, len(s), b_idx, len(d))
        out = np.zeros(s_idx.shape[0], dtype=np.bool_)
        engine.same_records(s, s_idx, d, d_idx, out)
        return out


def make(
    size: int | None = None,
    komi: float = 7.5,
    superko: str = "positional",
    allow_suicide: bool = False,
    max_moves: int | None = None,
    black_stones: Sequence[str | int] = (),
    white_stones: Sequence[str | int] = (),
    first_player: str = "black",
    sizes: Sequence[int] | None = None,
) -> GoDomain:
    """The Go domain (kernel tier); arguments as in `GoRules` (size None: 9; max_moves
    None: 2·size²).

    Setup stones are GTP vertices or actions. ``sizes=[9, 13, 19]`` (instead of `size`)
    makes one padded frame for several board sizes (`distill.domains.go.sizes`): the
    first size's domain, with every size as its `variants`. Raises ConfigError naming
    the bad argument.
    """
    if sizes is not None:
        if size is not None or black_stones or white_stones or first_player != "black":
            raise ConfigError("go: sizes cannot be combined with size or setup stones")
        from .sizes import make_sizes

        return make_sizes(
            sizes, komi=komi, superko=superko, allow_suicide=allow_suicide, max_moves=max_moves
        )
    size = 9 if size is None else size
    rules = _validate(size, komi, superko, allow_suicide, max_moves, first_player)
    black = _points(black_stones, rules.size, "black_stones")
    white = _points(white_stones, rules.size, "white_stones")
    if set(black) & set(white):
        both = ", ".join(action_to_vertex(a, rules.size) for a in sorted(set(black) & set(white)))
        raise ConfigError(f"go: setup points {both} are in both black_stones and white_stones")
    rules = GoRules(**{**rules.__dict__, "black_stones": black, "white_stones": white})
    domain = _build(rules)
    domain.export_game = functools.partial(_export_sgf, domain)
    _check_setup(domain)
    return domain


def _validate(
    size: int,
    komi: float,
    superko: str,
    allow_suicide: bool,
    max_moves: int | None,
    first_player: str,
) -> GoRules:
    if isinstance(size, bool) or not isinstance(size, int | np.integer):
        raise ConfigError(f"go: size must be an integer {MIN_SIZE}..{MAX_SIZE}, got {size!r}")
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ConfigError(f"go: size must be in {MIN_SIZE}..{MAX_SIZE}, got {size}")
    try:
        komi_value = float(komi)
    except (TypeError, ValueError):
        raise ConfigError(f"go: komi must be a number, got {komi!r}") from None
    if (
        not math.isfinite(komi_value)
        or abs(komi_value) > 2 * size * size
        or komi_value * 2 != round(komi_value * 2)
    ):
        raise ConfigError(f"go: komi must be a multiple of 0.5 within ±2·size², got {komi!r}")
    if superko not in KO_RULES:
        raise ConfigError(f"go: superko must be one of {sorted(KO_RULES)}, got {superko!r}")
    if first_player not in PLAYERS:
        raise ConfigError(f"go: first_player must be 'black' or 'white', got {first_player!r}")
    cap = 2 * size * size if max_moves is None else max_moves
    if isinstance(cap, bool) or not isinstance(cap, int | np.integer) or not 1 <= cap <= 65_000:
        raise ConfigError(f"go: max_moves must be an integer in 1..65000, got {max_moves!r}")
    return GoRules(
        int(size), komi_value, superko, bool(allow_suicide), int(cap), (), (), first_player
    )


def _points(stones: Sequence[str | int], size: int, name: str) -> tuple[int, ...]:
    if isinstance(stones, str):
        raise ConfigError(f"go: {name} must be a list of vertices, got the string {stones!r}")
    points = []
    for stone in stones:
        a = vertex_to_action(stone, size) if isinstance(stone, str) else int(stone)
        if not 0 <= a < size * size:
            raise ConfigError(
                f"go: {name} entry {stone!r} is not a point of the {size}x{size} board"
            )
        if a in points:
            raise ConfigError(f"go: {name} lists {action_to_vertex(a, size)} twice")
        points.append(a)
    return tuple(sorted(points))  # canonical order: equal setups give equal rules


def _build(rules: GoRules) -> GoDomain:
    n = rules.size
    cell_perms = dihedral_perms(n, n)
    pass_column = np.full((cell_perms.shape[0], 1), n * n, dtype=np.int64)
    return GoDomain(
        name="go",
        kernel_module="distill.domains.go.kernels",
        num_actions=n * n + 1,
        state_size=state_size(n, rules.max_moves),
        obs_shape=(NUM_PLANES, n, n),
        board_shape=(n, n),
        max_moves=rules.max_moves,
        action_perms=np.concatenate([cell_perms, pass_column], axis=1),
        cell_perms=cell_perms,
        params=rules.params(),
        formatter=lambda a: action_to_vertex(a, n),
        parser=lambda text: vertex_to_action(text, n),
        renderer=_render,
        obs_bounds=_obs_bounds(rules.komi),
        rules=rules,
        default_rollout=_light_rollouts,
        ownership=ownership,
        final_score=tromp_taylor_score,
        player_names=("B", "W"),
        pass_action=n * n,
    )


def _light_rollouts(
    domain: Domain,
    *,
    num_rollouts: int = 1,
    prior: str = "amaf",
    tactics: str = "1",
    score: str | float = "0",
) -> Any:
    """Network-free players' evaluator: light playouts (`rollouts.LightRolloutEvaluator`).

    prior: ``amaf`` (default), ``heuristic`` or ``uniform``; tactics: ``1``
    (capture/escape around the last move, no self-atari) or ``0``; score: share of the
    score margin in a playout's value, in [0, 1). ConfigError on another value.
    """
    from .rollouts import LightRolloutEvaluator

    if tactics not in ("0", "1"):
        raise ConfigError(f"go light rollouts: tactics must be 0 or 1, got {tactics!r}")
    try:
        weight = float(score)
    except ValueError:
        raise ConfigError(f"go light rollouts: score must be a number, got {score!r}") from None
    return LightRolloutEvaluator(
        domain, num_rollouts, prior=prior, tactics=tactics == "1", score_weight=weight
    )


def _export_sgf(
    domain: GoDomain, moves: Sequence[int], result: str, players: tuple[str, str]
) -> tuple[str, str]:
    from .sgf import write_sgf

    return ".sgf", write_sgf(domain, moves, result=result, players=players).decode()


def _obs_bounds(komi: float) -> tuple[float, float]:
    """All planes are 0/1 except the komi plane, ±komi/20 as float32."""
    scaled = float(np.float32(abs(komi) / KOMI_SCALE))
    return min(0.0, -scaled), max(1.0, scaled)


def _check_setup(domain: GoDomain) -> None:
    """Setup stones must all stay on the board: none may capture or be left without liberties."""
    assert domain.rules is not None
    store = domain.new_store(1)
    domain.reset(store, [0])
    board = board_array(store[0]).reshape(-1)
    for colour, points in ((1, domain.rules.black_stones), (2, domain.rules.white_stones)):
        for p in points:
            if board[p] != colour:
                raise ConfigError(
                    f"go: setup stones leave a group without liberties "
                    f"(the stone at {action_to_vertex(p, domain.size)} would be captured)"
                )


def _render(state: np.ndarray) -> str:
    return render_board(board_array(state), int(state[TO_PLAY]), int(state[LAST]))


# --------------------------------------------------------------------------- state helpers


def size_of(state: np.ndarray) -> int:
    """Board size N of a Go record."""
    return int(state[SIZE])


def komi_of(state: np.ndarray) -> float:
    """Komi of a Go record."""
    return float(state[KOMI2]) / 2.0


def board_array(state: np.ndarray) -> np.ndarray:
    """int8[N, N]: 0 empty, 1 black, 2 white; row 0 is the top row."""
    n = size_of(state)
    cells = state[BOARD : BOARD + n * n] & COLOUR_MASK
    return cells.astype(np.int8).reshape(n, n)


def tromp_taylor_score(state: np.ndarray) -> float:
    """Black area minus white area minus komi (positive: black leads)."""
    return float(engine.score(state))


def ownership(state: np.ndarray) -> np.ndarray:
    """int8[N, N]: Tromp-Taylor owner of each point (+1 black, -1 white, 0 neither)."""
    n = size_of(state)
    out = np.zeros(n * n, dtype=np.int8)
    engine.ownership(state, out)
    return out.reshape(n, n)


def replay(domain: Domain, actions: Sequence[int | str]) -> Position:
    """A `Position` after playing `actions` (numbers or GTP vertices) from the start.

    Raises IllegalActionError naming the move number at the first illegal move.
    """
    if domain.name != "go":
        raise DistillError(f"go.replay needs a Go domain, got {domain.name!r}")
    return Position(domain).play_all(actions)
