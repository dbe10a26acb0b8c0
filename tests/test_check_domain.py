"""Guards the shipped conformance checker `distill.testing.check_domain`.

It passes on every built-in domain that imports (and on a small correct
Python-tier game), and it fails, naming the domain, the invariant and the
state, on deliberately broken domains: one per invariant, so each check is
shown to be able to fail.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

import distill
from distill import registry
from distill.domain import KernelDomain, PythonDomain, identity_symmetry
from distill.errors import DistillError, MoveParseError
from distill.testing import CheckReport, DomainCheckError, check_domain

# -- every built-in domain passes ------------------------------------------------------


@pytest.mark.parametrize("domain_id", registry.list_domains())
def test_builtin_domains_pass(domain_id):
    domain = distill.make(domain_id)
    games = int(np.clip(600 // domain.max_moves, 2, 20))  # keeps long games (Go) quick
    report = check_domain(domain, games=games, seed=0)
    assert isinstance(report, CheckReport) and report.games == games
    assert report.states > games and 0 < report.longest_game <= domain.max_moves
    assert report.first_player_wins + report.second_player_wins + report.draws == games


def test_same_seed_same_games_other_seed_other_games():
    domain = distill.make("tictactoe")
    assert check_domain(domain, games=8, seed=5) == check_domain(domain, games=8, seed=5)
    assert check_domain(domain, games=8, seed=5) != check_domain(domain, games=8, seed=6)


# -- a correct Python-tier game, and a broken clone of it --------------------------------


class PyTicTacToe:
    """Tic-tac-toe as a Python-tier `Game` (row-major cells, 1 = first player)."""

    LINES = ((0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6))

    def __init__(self, cells: list[int] | None = None) -> None:
        self.cells = cells if cells is not None else [0] * 9

    def clone(self) -> PyTicTacToe:
        return PyTicTacToe(list(self.cells))

    def step(self, action: int) -> None:
        self.cells[action] = self.to_play() + 1

    def to_play(self) -> int:
        return sum(c != 0 for c in self.cells) % 2

    def terminal(self) -> tuple[bool, float]:
        if any(
            self.cells[a] != 0 and self.cells[a] == self.cells[b] == self.cells[c]
            for a, b, c in self.LINES
        ):
            return True, -1.0
        return all(self.cells), 0.0

    def legal_mask(self) -> np.ndarray:
        over = self.terminal()[0]
        return np.array([not over and c == 0 for c in self.cells], dtype=np.bool_)

    def observe(self) -> np.ndarray:
        me = self.to_play() + 1
        cells = np.array(self.cells).reshape(3, 3)
        return np.stack([cells == me, (cells != me) & (cells != 0)]).astype(np.float32)


class SharedBoardTicTacToe(PyTicTacToe):
    def clone(self) -> PyTicTacToe:
        return SharedBoardTicTacToe(self.cells)  # BUG: the twin shares the board list


def _python_domain(game_type: type[PyTicTacToe]) -> PythonDomain:
    actions, cells = identity_symmetry(9, (3, 3))
    return PythonDomain(
        name="py-ttt",
        factory=game_type,
        num_actions=9,
        obs_shape=(2, 3, 3),
        board_shape=(3, 3),
        max_moves=9,
        action_perms=actions,
        cell_perms=cells,
    )


def test_a_correct_python_tier_game_passes():
    report = check_domain(_python_domain(PyTicTacToe), games=10)
    assert report.longest_game <= 9 and report.states > 10


def test_clone_sharing_state_is_caught():
    with pytest.raises(DomainCheckError, match="step does not mutate its source"):
        check_domain(_python_domain(SharedBoardTicTacToe), games=2)


# -- broken kernel-tier domains: tic-tac-toe with one bug each ---------------------------

TO_PLAY, COUNT = 9, 10  # fields of the tic-tac-toe record (distill.domains.tictactoe.kernels)


def _broken(cls: type[KernelDomain], **changes: Any) -> KernelDomain:
    base = distill.make("tictactoe")
    assert isinstance(base, KernelDomain)
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    return cls(**{**fields, "name": "broken", **changes})


@dataclasses.dataclass(eq=False, repr=False)
class EmptyMaskMidGame(KernelDomain):
    def legal_mask(self, store, idx):
        masks = super().legal_mask(store, idx)
        masks[store[np.asarray(idx), COUNT] == 2] = False  # BUG: no move after two stones
        return masks


@dataclasses.dataclass(eq=False, repr=False)
class MaskAfterTheEnd(KernelDomain):
    def legal_mask(self, store, idx):
        return store[np.asarray(idx), :9] == 0  # BUG: ignores whether the game is over


@dataclasses.dataclass(eq=False, repr=False)
class MutatingStep(KernelDomain):
    def step(self, src, src_idx, dst, dst_idx, actions):
        super().step(src, src_idx, dst, dst_idx, actions)
        s_idx, d_idx = np.asarray(src_idx), np.asarray(dst_idx)
        scribbled = s_idx if src is not dst else s_idx[s_idx != d_idx]
        src[scribbled, COUNT] += 100  # BUG: scribbles on the source


@dataclasses.dataclass(eq=False, repr=False)
class StepOnlyWithinAStore(KernelDomain):
    def step(self, src, src_idx, dst, dst_idx, actions):
        super().step(src, src_idx, dst, dst_idx, actions)
        if src is not dst:
            dst[np.asarray(dst_idx), COUNT] = 0  # BUG: forgets the stone count across stores


@dataclasses.dataclass(eq=False, repr=False)
class AlternatingReset(KernelDomain):
    calls: int = 0

    def reset(self, store, idx):
        super().reset(store, idx)
        self.calls += 1
        store[np.asarray(idx), TO_PLAY] = self.calls % 2  # BUG: depends on the call count


@dataclasses.dataclass(eq=False, repr=False)
class FlakyStep(KernelDomain):
    calls: int = 0

    def step(self, src, src_idx, dst, dst_idx, actions):
        super().step(src, src_idx, dst, dst_idx, actions)
        self.calls += 1
        if self.calls % 2 == 0:
            dst[np.asarray(dst_idx), COUNT] += 50  # BUG: every other call differs


@dataclasses.dataclass(eq=False, repr=False)
class InPlaceStepForgetsTurn(KernelDomain):
    def step(self, src, src_idx, dst, dst_idx, actions):
        super().step(src, src_idx, dst, dst_idx, actions)
        s_idx, d_idx = np.asarray(src_idx), np.asarray(dst_idx)
        if src is dst:
            dst[d_idx[s_idx == d_idx], TO_PLAY] ^= 1  # BUG: in place, the turn flips back


@dataclasses.dataclass(eq=False, repr=False)
class DoubledValue(KernelDomain):
    def terminal(self, store, idx):
        done, value = super().terminal(store, idx)
        return done, value * 2  # BUG: out of [-1, 1]


@dataclasses.dataclass(eq=False, repr=False)
class ValueWhileRunning(KernelDomain):
    def terminal(self, store, idx):
        done, value = super().terminal(store, idx)
        return done, np.where(done, value, np.float32(0.5)).astype(np.float32)


@dataclasses.dataclass(eq=False, repr=False)
class ThirdPlayer(KernelDomain):
    def to_play(self, store, idx):
        return super().to_play(store, idx) + 1  # BUG: players 1 and 2


@dataclasses.dataclass(eq=False, repr=False)
class Float64Planes(KernelDomain):
    def encode(self, store, idx):
        return super().encode(store, idx).astype(np.float64)


@dataclasses.dataclass(eq=False, repr=False)
class NanPlanes(KernelDomain):
    def encode(self, store, idx):
        obs = super().encode(store, idx)
        obs[:, 0, 0, 0] = np.nan
        return obs


@dataclasses.dataclass(eq=False, repr=False)
class CrashesMidGame(KernelDomain):
    def encode(self, store, idx):
        if (store[np.asarray(idx), COUNT] == 3).any():
            raise IndexError("plane 7 out of range")  # BUG: a crash on some states
        return super().encode(store, idx)


@dataclasses.dataclass(eq=False, repr=False)
class FirstRowOnly(KernelDomain):
    def legal_mask(self, store, idx):
        index = np.asarray(idx)
        return np.repeat(super().legal_mask(store, index[:1]), len(index), axis=0)


@dataclasses.dataclass(eq=False, repr=False)
class BatchStepFirstAction(KernelDomain):
    def step(self, src, src_idx, dst, dst_idx, actions):
        acts = np.asarray(actions)
        super().step(src, src_idx, dst, dst_idx, np.full_like(acts, acts[0]))


def _swap_rows(perms: np.ndarray) -> np.ndarray:
    return perms[[1, 0, *range(2, len(perms))]]


def _parser_accepting_anything(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def _parser_raising_value_error(text: str) -> int:
    return int(text)


BROKEN: dict[str, tuple[type[KernelDomain], dict[str, Any], str]] = {
    "empty mask mid-game": (EmptyMaskMidGame, {}, "legal mask is non-empty while the game runs"),
    "mask after the end": (MaskAfterTheEnd, {}, "legal mask is empty once the game is over"),
    "step mutates source": (MutatingStep, {}, "step does not mutate its source"),
    "step across stores": (StepOnlyWithinAStore, {}, "step into another store matches"),
    "reset not deterministic": (AlternatingReset, {}, "reset is deterministic"),
    "step not deterministic": (FlakyStep, {}, "step is deterministic"),
    "in-place step differs": (InPlaceStepForgetsTurn, {}, "step with src is dst matches"),
    "value out of range": (DoubledValue, {}, r"terminal value in \[-1, 1\]"),
    "value while running": (ValueWhileRunning, {}, "terminal value is 0 while the game runs"),
    "third player": (ThirdPlayer, {}, "to_play is 0 or 1"),
    "float64 planes": (Float64Planes, {}, r"encode returns float32\[1, 2, 3, 3\]"),
    "nan planes": (NanPlanes, {}, "encode is finite"),
    # BUG: the planes are 0/1
    "planes beyond obs_bounds": (
        KernelDomain,
        {"obs_bounds": (0.0, 0.5)},
        r"encode lies within obs_bounds \(0.0, 0.5\)",
    ),
    "crash": (CrashesMidGame, {}, "domain calls do not raise: IndexError: plane 7 out of range"),
    "batch uses row 0": (FirstRowOnly, {}, "batched calls agree with single calls"),
    "batch step": (BatchStepFirstAction, {}, "batched step agrees"),
    "game too long": (KernelDomain, {"max_moves": 4}, "the game ends within max_moves=4"),
    "symmetry row 0": (
        KernelDomain,
        {"action_perms": "swap"},
        "action_perms row 0 is the identity",
    ),
    "symmetry not a permutation": (
        KernelDomain,
        {"cell_perms": "dup"},
        "cell_perms rows are permutations",
    ),
    "symmetry width": (KernelDomain, {"cell_perms": "narrow"}, r"cell_perms is int\[K, 9\]"),
    "symmetry count": (KernelDomain, {"action_perms": "one"}, "list the same symmetries"),
    "no round trip": (KernelDomain, {"formatter": str}, r"parse_action\(format_action\(a\)\) == a"),
    "accepts garbage": (
        KernelDomain,
        {"formatter": str, "parser": _parser_accepting_anything},
        "malformed move text raises MoveParseError: '' was accepted",
    ),
    "wrong exception": (
        KernelDomain,
        {"formatter": str, "parser": _parser_raising_value_error},
        "raised ValueError",
    ),
    "bad num_actions": (KernelDomain, {"num_actions": 0}, "num_actions is a positive int"),
    "bad obs_shape": (KernelDomain, {"obs_shape": (2, 3)}, r"obs_shape is \(C, H, W\)"),
}


def _perms(kind: str) -> np.ndarray:
    perms = distill.make("tictactoe").cell_perms
    if kind == "swap":
        return _swap_rows(perms)
    if kind == "dup":
        bad = perms.copy()
        bad[3, 0] = bad[3, 1]
        return bad
    if kind == "narrow":
        return perms[:, :8]
    return perms[:1]  # "one"


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_domains_are_caught(case):
    cls, changes, message = BROKEN[case]
    changes = {k: _perms(v) if k.endswith("perms") else v for k, v in changes.items()}
    with pytest.raises(DomainCheckError, match=message) as info:
        check_domain(_broken(cls, **changes), games=10, seed=0)
    assert str(info.value).startswith("check_domain('broken'): ")


def test_message_names_the_moves_and_shows_the_state():
    with pytest.raises(DomainCheckError) as info:
        check_domain(_broken(EmptyMaskMidGame), games=3, seed=0)
    lines = str(info.value).splitlines()
    assert lines[0] == (
        "check_domain('broken'): legal mask is non-empty while the game runs: no legal action"
    )
    assert lines[1].startswith("  at game 0, after moves: ") and len(lines[1].split()) == 7
    assert lines[2] == "  state:" and len(lines) == 6  # the 3x3 picture follows
    assert sum(line.count("X") + line.count("O") for line in lines[3:]) == 2


def test_a_crash_names_the_moves_that_led_to_it():
    with pytest.raises(DomainCheckError, match=r"after moves: \d \d, checking \d\n") as info:
        check_domain(_broken(CrashesMidGame), games=1, seed=0)
    assert isinstance(info.value.__context__, IndexError)


def test_check_errors_are_assertion_errors_not_user_errors():
    assert issubclass(DomainCheckError, AssertionError)
    assert not issubclass(DomainCheckError, DistillError)
    assert issubclass(MoveParseError, DistillError)
