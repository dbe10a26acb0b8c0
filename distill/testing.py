"""The shipped domain conformance checker: ``distill.testing.check_domain(domain)``.

Run it on any domain, built-in, plugin or PettingZoo-wrapped, before training
on it. It checks every invariant of the contract in `distill.domain` with
seeded random playouts and raises `DomainCheckError` (an ``AssertionError``)
whose message names the domain, the invariant, and the offending state (the
moves leading to it and its picture)::

    from distill.testing import check_domain
    check_domain(distill.make("connect4"), games=20, seed=0)

Invariants checked:

* kernel tier: the kernel module's six kernels exist, are ``@njit`` and compile for
  the arguments distill passes (`distill.jit.check_kernels`); then, before any
  compiled call, a few random games run the kernels as plain Python (their
  ``py_func``) on arrays of the declared sizes, so a kernel that indexes outside
  ``state_size``, the ``bool[A]`` mask or ``obs_shape`` raises IndexError here
  instead of corrupting memory in compiled code (numba does not bounds-check).
  Helpers a kernel calls still run compiled; kernels that cannot run as Python
  skip this step;
* metadata: types and sizes of ``name``, ``num_actions``, ``obs_shape``,
  ``board_shape``, ``max_moves``; symmetry tables are ``int[K, A]`` / ``int[K, H*W]``
  permutations whose row 0 is the identity;
* ``reset`` is deterministic and fully overwrites a used slot; the start is not over;
* every visited state: mask ``bool[1, A]``, non-empty unless the game is over and
  empty once it is; ``terminal`` gives ``bool`` / ``float32``, a value in [-1, 1] that
  is 0 while the game runs; ``to_play`` is ``int64`` in {0, 1}; ``encode`` is finite
  ``float32[1, C, H, W]``, within ``domain.obs_bounds`` (low, high) where declared;
* ``step`` leaves its source unchanged, is deterministic, and gives the same state
  in place (``src is dst``, same slot), into another slot and into another store;
  ``copy`` reproduces a state and the copy is independent; Python-tier
  ``Game.clone`` is independent;
* every game ends within ``max_moves`` (all distill domains are two-player, zero-sum);
* batched calls (shuffled, with repeated indices) agree with one-at-a-time calls,
  for ``legal_mask``, ``terminal``, ``to_play``, ``encode`` and ``step``;
* ``parse_action(format_action(a)) == a`` for every action; malformed text raises
  `distill.errors.MoveParseError`; ``render`` returns text.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from distill.domain import Domain, Game, KernelDomain, PythonDomain
from distill.errors import DistillError, MoveParseError

#: Malformed move strings every domain's `parse_action` must reject with MoveParseError.
MALFORMED_MOVES = ("", "not a move")


class DomainCheckError(AssertionError):
    """A domain breaks an invariant of the contract; the message names which, and where."""


@dataclass(frozen=True)
class CheckReport:
    """What `check_domain` covered: games played, states visited, longest game, outcomes."""

    games: int
    states: int
    longest_game: int
    first_player_wins: int
    second_player_wins: int
    draws: int


@dataclass
class Facts:
    """Everything the batched interface says about one state (arrays of batch size 1 or row b)."""

    mask: np.ndarray  # bool[A]
    done: bool
    value: float  # for the player to move
    to_play: int
    obs: np.ndarray  # float32[C, H, W]
    raw: np.ndarray | None  # the int64 record (kernel tier), else None

    def differs(self, other: Facts) -> str | None:
        """Name of the first field where `other` differs, or None."""
        for field in ("done", "value", "to_play"):
            if getattr(self, field) != getattr(other, field):
                return f"{field}: {getattr(self, field)!r} != {getattr(other, field)!r}"
        if not np.array_equal(self.mask, other.mask):
            return f"legal mask: {_actions(self.mask)} != {_actions(other.mask)}"
        if not np.array_equal(self.obs, other.obs):
            return "encoded observation"
        if (
            self.raw is not None
            and other.raw is not None
            and not np.array_equal(self.raw, other.raw)
        ):
            return "state record"
        return None


def _actions(mask: np.ndarray) -> list[int]:
    return [int(a) for a in np.flatnonzero(mask)]


class _Checker:
    """Holds the domain and the current location (game, moves) for error messages."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.game = -1
        self.moves: list[int] = []
        self.pending: int | None = None  # the action whose copy-and-step is being checked
        self.store: Any = None
        self.slot = 0

    def fail(self, invariant: str, detail: str) -> NoReturn:
        name = getattr(self.domain, "name", type(self.domain).__name__)
        lines = [f"check_domain({name!r}): {invariant}: {detail}"]
        if self.game >= 0:
            moves = " ".join(self._format(a) for a in self.moves) or "(none)"
            pending = "" if self.pending is None else f", checking {self._format(self.pending)}"
            lines.append(f"  at game {self.game}, after moves: {moves}{pending}")
            picture = self._render()
            if picture:
                lines.append("  state:\n    " + picture.replace("\n", "\n    "))
        raise DomainCheckError("\n".join(lines))

    def check(self, condition: bool, invariant: str, detail: str) -> None:
        if not condition:
            self.fail(invariant, detail)

    def _format(self, action: int) -> str:
        try:
            return self.domain.format_action(action)
        except Exception:
            return str(action)

    def _render(self) -> str:
        if self.store is None:
            return ""
        try:
            return str(self.domain.render(self.store, self.slot))
        except Exception as exc:  # the picture is a courtesy; never hide the real failure
            return f"(render failed: {exc!r})"

    # -- one state -----------------------------------------------------------------

    def facts(self, store: Any, index: int) -> Facts:
        """Query one slot with batch size 1, checking dtypes, shapes and ranges."""
        d, idx = self.domain, np.array([index], dtype=np.int64)
        mask = d.legal_mask(store, idx)
        self.expect_array(mask, np.bool_, (1, d.num_actions), "legal_mask")
        done, value = d.terminal(store, idx)
        self.expect_array(done, np.bool_, (1,), "terminal()[0] (done)")
        self.expect_array(value, np.float32, (1,), "terminal()[1] (value)")
        player = d.to_play(store, idx)
        self.expect_array(player, np.int64, (1,), "to_play")
        obs = d.encode(store, idx)
        self.expect_array(obs, np.float32, (1, *d.obs_shape), "encode")
        raw = np.array(store[index]) if isinstance(store, np.ndarray) else None
        return Facts(mask[0].copy(), bool(done[0]), float(value[0]), int(player[0]), obs[0], raw)

    def expect_array(self, arr: Any, dtype: Any, shape: tuple[int, ...], what: str) -> None:
        if isinstance(arr, np.ndarray) and arr.dtype == dtype and arr.shape == shape:
            return
        got = f"{getattr(arr, 'dtype', type(arr).__name__)}{getattr(arr, 'shape', '')}"
        self.fail(f"{what} returns {np.dtype(dtype)}{list(shape)}", f"got {got}")

    def check_state(self, f: Facts) -> None:
        """Per-state invariants of the contract."""
        self.check(f.to_play in (0, 1), "to_play is 0 or 1", f"got {f.to_play}")
        self.check(bool(np.isfinite(f.obs).all()), "encode is finite", "NaN or inf in planes")
        bounds = getattr(self.domain, "obs_bounds", None)
        if bounds is not None:
            low, high = float(f.obs.min()), float(f.obs.max())
            self.check(
                bounds[0] <= low and high <= bounds[1],
                f"encode lies within obs_bounds {tuple(bounds)}",
                f"planes span [{low}, {high}]",
            )
        self.check(-1.0 <= f.value <= 1.0, "terminal value in [-1, 1]", f"got {f.value}")
        if f.done:
            self.check(
                not f.mask.any(),
                "legal mask is empty once the game is over",
                f"legal: {_actions(f.mask)}",
            )
        else:
            self.check(f.value == 0.0, "terminal value is 0 while the game runs", f"got {f.value}")
            self.check(
                bool(f.mask.any()), "legal mask is non-empty while the game runs", "no legal action"
            )

    def same(self, expected: Facts, got: Facts, invariant: str) -> None:
        diff = expected.differs(got)
        if diff is not None:
            self.fail(invariant, f"{diff} differs")


def check_domain(domain: Domain, *, games: int = 20, seed: int = 0) -> CheckReport:
    """Assert every invariant of the domain contract; see the module docstring for the list.

    Args:
        domain: the domain to check (either tier).
        games: random playouts to drive the per-state, per-move and batched checks.
        seed: seeds the random move choice (a fixed seed gives the same games).

    Returns:
        a `CheckReport` of what was covered.

    Raises:
        DomainCheckError: naming the domain, the invariant and the offending state.
    """
    checker = _Checker(domain)
    try:
        return _run_checks(checker, games, seed)
    except DomainCheckError:
        raise
    except Exception as exc:  # a crash inside the domain: report where it happened
        checker.fail("domain calls do not raise", f"{type(exc).__name__}: {exc}")


def _run_checks(checker: _Checker, games: int, seed: int) -> CheckReport:
    domain = checker.domain
    _check_metadata(checker)
    if isinstance(domain, KernelDomain):
        _check_kernels(checker, seed)
    _check_symmetries(checker)
    _check_action_text(checker)
    _check_reset(checker)
    rng = np.random.default_rng(seed)
    lengths, outcomes = [], [0, 0, 0]
    history = domain.new_store(domain.max_moves + 1)
    for game in range(games):
        checker.game = game
        actions, final = _play_one(checker, history, rng)
        lengths.append(len(actions))
        outcomes[_outcome(final)] += 1
        _check_batched(checker, history, actions)
    checker.game = -1
    _check_reset(checker, used=history)
    return CheckReport(games, sum(lengths) + games, max(lengths, default=0), *outcomes)


def _outcome(final: Facts) -> int:
    """0: first player won, 1: second player won, 2: draw (from the final state's facts)."""
    if final.value == 0.0:
        return 2
    winner = final.to_play if final.value > 0 else 1 - final.to_play
    return winner


def _check_metadata(c: _Checker) -> None:
    d = c.domain
    c.check(isinstance(d.name, str) and bool(d.name), "name is a non-empty str", repr(d.name))
    c.check(
        _is_int(d.num_actions) and d.num_actions > 0,
        "num_actions is a positive int",
        repr(d.num_actions),
    )
    c.check(
        _int_shape(d.obs_shape, 3), "obs_shape is (C, H, W) of positive ints", repr(d.obs_shape)
    )
    c.check(
        _int_shape(d.board_shape, 2), "board_shape is (H, W) of positive ints", repr(d.board_shape)
    )
    c.check(
        _is_int(d.max_moves) and d.max_moves > 0, "max_moves is a positive int", repr(d.max_moves)
    )
    if isinstance(d, KernelDomain):
        c.check(
            _is_int(d.state_size) and d.state_size > 0,
            "state_size is a positive int",
            repr(d.state_size),
        )
        store = d.new_store(3)
        ok = isinstance(store, np.ndarray) and store.shape == (3, d.state_size)
        c.check(
            ok and store.dtype == np.int64,
            "new_store(n) is int64[n, state_size]",
            repr(getattr(store, "shape", store)),
        )
    if isinstance(d, PythonDomain):
        game = d.factory()
        c.check(
            isinstance(game, Game),
            "factory() returns a Game (clone, step, legal_mask, terminal, to_play, observe)",
            type(game).__name__,
        )


def _check_kernels(c: _Checker, seed: int, games: int = 3) -> None:
    """The kernels compile as distill calls them, and stay inside their arrays when run
    as Python (see the module docstring)."""
    from distill.jit import check_kernels

    d = c.domain
    assert isinstance(d, KernelDomain)
    try:
        check_kernels(d.kernel_module)
    except DistillError as exc:
        c.fail("kernels compile as distill calls them", str(exc))
    module = importlib.import_module(d.kernel_module)
    kernels = {name: getattr(module, name).py_func for name in _KERNELS}
    rng = np.random.default_rng([seed, 1])
    for _ in range(games):
        if not _python_game(c, kernels, rng):
            return


_KERNELS = ("reset", "step", "legal", "terminal", "to_play", "encode")


def guard_kernels(domain: KernelDomain, *, games: int = 2, seed: int = 0) -> None:
    """DistillError (one line) when the kernels, run as Python on a few random games,
    index outside their arrays: cheap (about 0.1 s), so `KernelDomain` runs it once per
    process for plugin kernels before the compiled code could write past a store."""
    checker = _Checker(domain)
    module = importlib.import_module(domain.kernel_module)
    try:
        kernels = {name: getattr(module, name).py_func for name in _KERNELS}
    except AttributeError:
        return  # not @njit kernels: `distill.jit.check_kernels` names the problem
    rng = np.random.default_rng([seed, 1])
    try:
        for _ in range(games):
            if not _python_game(checker, kernels, rng):
                return
    except DomainCheckError as exc:
        raise DistillError(str(exc).splitlines()[0]) from None


def _python_game(c: _Checker, kernels: dict[str, Callable[..., Any]], rng: Any) -> bool:
    """Play one random game with the kernels' Python functions; False when they cannot
    run as Python (numba-only code). An index outside an array fails the check."""
    d = c.domain
    assert isinstance(d, KernelDomain)
    rows = np.zeros((2, d.state_size), dtype=np.int64)
    sizes = (
        f"state int64[{d.state_size}], mask bool[{d.num_actions}], "
        f"out float32{list(d.obs_shape)}, params float64[{len(d.params)}]"
    )
    current = "reset"
    try:
        kernels["reset"](rows[0], d.params)
        for _ in range(d.max_moves + 1):
            mask = np.zeros(d.num_actions, dtype=np.bool_)
            current = "legal"
            kernels["legal"](rows[0], mask)
            current = "encode"
            kernels["encode"](rows[0], np.zeros(d.obs_shape, dtype=np.float32))
            current = "to_play"
            kernels["to_play"](rows[0])
            current = "terminal"
            if kernels["terminal"](rows[0])[0] or not mask.any():
                break
            current = "step"
            kernels["step"](rows[0], rows[1], np.int64(rng.choice(np.flatnonzero(mask))))
            rows[0] = rows[1]
    except IndexError as exc:
        c.fail(
            f"kernel {current} stays inside its arrays ({sizes})",
            f"run as Python, it indexed outside one: {exc}",
        )
    except Exception:  # numba-only code that plain Python cannot run: compiled checks only
        return False
    return True


def _is_int(x: Any) -> bool:
    return isinstance(x, int | np.integer) and not isinstance(x, bool)


def _int_shape(shape: Any, n: int) -> bool:
    return isinstance(shape, tuple) and len(shape) == n and all(_is_int(s) and s > 0 for s in shape)


def _check_symmetries(c: _Checker) -> None:
    d = c.domain
    cells = d.obs_shape[1] * d.obs_shape[2]
    tables = (("action_perms", d.action_perms, d.num_actions), ("cell_perms", d.cell_perms, cells))
    for what, perms, width in tables:
        ok = isinstance(perms, np.ndarray) and perms.ndim == 2 and perms.shape[1] == width
        c.check(
            ok and np.issubdtype(perms.dtype, np.integer),
            f"{what} is int[K, {width}]",
            f"got {getattr(perms, 'dtype', type(perms).__name__)}{getattr(perms, 'shape', '')}",
        )
        c.check(
            perms.shape[0] >= 1 and np.array_equal(perms[0], np.arange(width)),
            f"{what} row 0 is the identity",
            f"row 0 = {perms[0].tolist()}",
        )
        for k, row in enumerate(perms):
            c.check(
                np.array_equal(np.sort(row), np.arange(width)),
                f"{what} rows are permutations",
                f"row {k} = {row.tolist()}",
            )
    c.check(
        d.action_perms.shape[0] == d.cell_perms.shape[0],
        "action_perms and cell_perms list the same symmetries",
        f"K = {d.action_perms.shape[0]} vs {d.cell_perms.shape[0]}",
    )


def _check_action_text(c: _Checker) -> None:
    d = c.domain
    for action in range(d.num_actions):
        text = d.format_action(action)
        c.check(isinstance(text, str), "format_action returns a str", f"action {action}: {text!r}")
        try:
            back = d.parse_action(text)
        except MoveParseError as exc:
            c.fail("parse_action(format_action(a)) == a", f"action {action} -> {text!r}: {exc}")
        c.check(
            back == action,
            "parse_action(format_action(a)) == a",
            f"action {action} -> {text!r} -> {back!r}",
        )
    for text in MALFORMED_MOVES:
        try:
            d.parse_action(text)
        except MoveParseError:
            continue
        except Exception as exc:
            c.fail("malformed move text raises MoveParseError", f"{text!r} raised {exc!r}")
        c.fail("malformed move text raises MoveParseError", f"{text!r} was accepted")


def _check_reset(c: _Checker, used: Any = None) -> None:
    """Resets agree with each other, in a batch and singly, and overwrite used slots."""
    d = c.domain
    store = d.new_store(3)
    d.reset(store, np.array([0, 2], dtype=np.int64))
    d.reset(store, np.array([1], dtype=np.int64))
    c.store, c.slot = store, 0
    first = c.facts(store, 0)
    c.check_state(first)
    c.check(not first.done, "the initial position is not over", "terminal() says done")
    for i in (1, 2):
        c.same(first, c.facts(store, i), "reset is deterministic")
    if used is not None:  # `used` holds the states of the last game played
        d.reset(used, np.array([1], dtype=np.int64))
        c.same(first, c.facts(used, 1), "reset fully overwrites a used slot")
    c.check(isinstance(d.render(store, 0), str), "render returns a str", "initial position")


def _play_one(c: _Checker, history: Any, rng: np.random.Generator) -> tuple[list[int], Facts]:
    """Play one random game, recording state n in history[n]; returns (actions, final facts)."""
    d = c.domain
    work = d.new_store(4)  # 0: current, 1: copy, 2: stepped, 3: stepped again
    d.reset(work, np.array([0], dtype=np.int64))
    c.moves, c.store, c.slot = [], work, 0
    actions: list[int] = []
    while True:
        d.copy(work, [0], history, [len(actions)])
        facts = c.facts(work, 0)
        c.check_state(facts)
        if facts.done:
            c.check(isinstance(d.render(work, 0), str), "render returns a str", "final position")
            return actions, facts
        c.check(
            len(actions) < d.max_moves,
            f"the game ends within max_moves={d.max_moves}",
            "still running",
        )
        action = int(rng.choice(np.flatnonzero(facts.mask)))
        _check_move(c, work, facts, action)
        d.copy(work, [2], work, [0])
        actions.append(action)
        c.moves = list(actions)


def _check_move(c: _Checker, work: Any, before: Facts, action: int) -> None:
    """Copy-and-step invariants for one legal `action` from work[0]."""
    d = c.domain
    c.pending = action
    one = np.array([action], dtype=np.int64)
    d.copy(work, [0], work, [1])
    c.same(before, c.facts(work, 1), "copy reproduces the state")
    d.step(work, [0], work, [2], one)
    c.same(before, c.facts(work, 0), f"step does not mutate its source (action {action})")
    after = c.facts(work, 2)
    d.step(work, [0], work, [3], one)
    c.same(after, c.facts(work, 3), f"step is deterministic (action {action})")
    d.step(work, [1], work, [1], one)
    c.same(after, c.facts(work, 1), f"step with src is dst matches copy-and-step ({action})")
    elsewhere = d.new_store(1)
    d.step(work, [0], elsewhere, [0], one)
    c.same(after, c.facts(elsewhere, 0), f"step into another store matches ({action})")
    c.same(before, c.facts(work, 0), "copy is independent of its source")
    if isinstance(d, PythonDomain):
        twin = work[0].clone()
        twin.step(action)
        c.same(before, c.facts(work, 0), "Game.clone is independent of the original")
    c.pending = None


def _check_batched(c: _Checker, history: Any, actions: Sequence[int]) -> None:
    """Batched calls over the game's states (shuffled, repeated) match single calls."""
    d = c.domain
    n = len(actions) + 1
    c.store = history
    single = [c.facts(history, i) for i in range(n)]
    order = np.concatenate([np.arange(n)[::-1], np.arange(n)[:1]]).astype(np.int64)
    masks, (done, value), player, obs = (
        d.legal_mask(history, order),
        d.terminal(history, order),
        d.to_play(history, order),
        d.encode(history, order),
    )
    batch = len(order)
    c.expect_array(masks, np.bool_, (batch, d.num_actions), "batched legal_mask")
    c.expect_array(done, np.bool_, (batch,), "batched terminal()[0]")
    c.expect_array(value, np.float32, (batch,), "batched terminal()[1]")
    c.expect_array(player, np.int64, (batch,), "batched to_play")
    c.expect_array(obs, np.float32, (batch, *d.obs_shape), "batched encode")
    for b, i in enumerate(order):
        c.slot, c.moves = int(i), list(actions[:i])
        got = Facts(masks[b], bool(done[b]), float(value[b]), int(player[b]), obs[b], None)
        c.same(single[i], got, f"batched calls agree with single calls (batch row {b})")
    if n < 2:
        return
    stepped = d.new_store(n - 1)
    src = np.arange(n - 1, dtype=np.int64)[::-1].copy()
    d.step(history, src, stepped, np.arange(n - 1, dtype=np.int64), np.asarray(actions)[src])
    for b, i in enumerate(src):
        c.slot, c.moves = int(i), list(actions[:i])
        c.same(single[i + 1], c.facts(stepped, b), f"batched step agrees (batch row {b})")
