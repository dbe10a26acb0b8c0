"""The domain contract: one batched interface over two tiers of games.

Search, self-play and the learner see every game through `Domain`, a batched
interface over a *state store* and index vectors. Two tiers implement it:

* `KernelDomain` (fast path). A state is a fixed-size ``int64`` record; a store
  is an array ``states[S, state_size] int64``. The domain supplies six per-state
  ``@njit`` kernels in one importable module (see `KernelDomain`); distill
  builds the batched loops, rollouts and the fully jitted search from them
  (`distill.jit`).
* `PythonDomain` (generic path). A state is any object implementing `Game`
  (clone / step / legal / terminal / observe); a store is an `ObjectStore`.
  The PettingZoo adapter is built on it.

Sign convention (stated once, tested everywhere): **a value is always from the
perspective of the player to move at that state.** A terminal state's value is
its outcome for the player who would be to move there: after a winning move in
Connect Four, the side to move has lost, so the value is -1. Draws are 0.

Action masks are ``bool``, True = legal. Observations are ``float32[C, H, W]``
from the view of the player to move.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, runtime_checkable

import numpy as np

from distill.errors import MoveParseError, ShapeError

IntArray = np.ndarray  # int64 index vectors [B]


def as_index(idx: Any, name: str = "idx", size: int | None = None) -> np.ndarray:
    """Return `idx` as a contiguous int64 vector [B], or raise ShapeError naming `name`.

    With `size` (the store's slot count), every index must lie in 0..size-1: the
    numba loops do not bounds-check, so a bad index would read or write past the store.
    """
    arr = np.ascontiguousarray(idx, dtype=np.int64)
    if arr.ndim != 1:
        raise ShapeError(f"{name} must be a 1-D index vector [B], got shape {arr.shape}")
    if size is not None and arr.size and (arr.min() < 0 or arr.max() >= size):
        bad = int(arr[(arr < 0) | (arr >= size)][0])
        raise ShapeError(f"{name} holds {bad}, outside 0..{size - 1}")
    return arr


def as_index_pair(
    src_idx: Any, src_size: int, dst_idx: Any, dst_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """(src_idx, dst_idx) checked by `as_index`, and of one length [B], else ShapeError."""
    s = as_index(src_idx, "src_idx", src_size)
    d = as_index(dst_idx, "dst_idx", dst_size)
    if s.shape != d.shape:
        raise ShapeError(f"src_idx and dst_idx must have one shape [B]; got {s.shape}, {d.shape}")
    return s, d


class Domain(abc.ABC):
    """A game as the toolkit sees it: metadata plus batched operations on a state store.

    Attributes:
        name: registry id, e.g. ``"connect4"``.
        num_actions: A, size of the action space (fixed for the domain).
        obs_shape: (C, H, W) of one observation.
        board_shape: (H, W) of the board (for rendering and symmetries).
        max_moves: upper bound on the number of actions in one game.
        action_perms: int64[K, A]; under symmetry k, action a becomes action_perms[k, a].
            Row 0 is the identity.
        cell_perms: int64[K, H*W]; under symmetry k, the observation value at flat cell
            i moves to flat cell cell_perms[k, i]. Row 0 is the identity.
        obs_bounds: (low, high) that every observation value lies within.

    Optional capabilities (see `Offers`; None = not offered) are attributes too:
    ``solver``, ``eval_buckets``, ``eval_positions``, ``default_rollout``,
    ``ownership``, ``final_score``, ``export_game``, ``player_names``, ``variants``,
    ``board_mask_plane`` and ``pass_action``.
    Generic layers (arena, eval, solve, players, GTP) ask for a capability, never for a
    name.
    """

    name: str
    num_actions: int
    obs_shape: tuple[int, int, int]
    board_shape: tuple[int, int]
    max_moves: int
    action_perms: np.ndarray
    cell_perms: np.ndarray

    obs_bounds: tuple[float, float]
    #: dotted name of the kernel module (kernel tier only, else None): enables jitted fast paths.
    kernel_module: str | None

    # Capabilities: defaults for Domain subclasses that do not use `Offers` (see there).
    solver: Callable[[Any], Sequence[int | None]] | None = None
    eval_buckets: Mapping[str, tuple[int, int]] | None = None
    eval_positions: Path | None = None
    default_rollout: Callable[..., Any] | None = None
    ownership: Callable[[Any], np.ndarray] | None = None
    final_score: Callable[[Any], float] | None = None
    export_game: Callable[[Sequence[int], str, tuple[str, str]], tuple[str, str]] | None = None
    player_names: tuple[str, str] = ("P0", "P1")
    variants: tuple[Any, ...] | None = None
    board_mask_plane: int | None = None
    pass_action: int | None = None

    @abc.abstractmethod
    def new_store(self, size: int) -> Any:
        """Allocate a store for `size` states (contents undefined until reset/step)."""

    @abc.abstractmethod
    def reset(self, store: Any, idx: Any) -> None:
        """store[idx[b]] := the initial position, for every b."""

    @abc.abstractmethod
    def step(self, src: Any, src_idx: Any, dst: Any, dst_idx: Any, actions: Any) -> None:
        """dst[dst_idx[b]] := src[src_idx[b]] after actions[b] (copy-and-step; src may be dst).

        Actions are assumed legal (search only plays masked actions); use
        `Position.play` for checked single moves.
        """

    @abc.abstractmethod
    def legal_mask(self, store: Any, idx: Any) -> np.ndarray:
        """bool[B, A]: True where the action is legal."""

    @abc.abstractmethod
    def terminal(self, store: Any, idx: Any) -> tuple[np.ndarray, np.ndarray]:
        """(done bool[B], value float32[B]): value is for the player to move, 0 if not done."""

    @abc.abstractmethod
    def to_play(self, store: Any, idx: Any) -> np.ndarray:
        """int64[B]: the player to move, 0 (first player) or 1."""

    @abc.abstractmethod
    def encode(self, store: Any, idx: Any) -> np.ndarray:
        """float32[B, C, H, W]: observations from the view of the player to move."""

    @abc.abstractmethod
    def copy(self, src: Any, src_idx: Any, dst: Any, dst_idx: Any) -> None:
        """dst[dst_idx[b]] := src[src_idx[b]] (independent copies)."""

    def same_states(self, a: Any, a_idx: Any, b: Any, b_idx: Any) -> np.ndarray:
        """bool[B]: whether a[a_idx[k]] and b[b_idx[k]] hold the same state, in everything
        the rules and the encoding read (a kept search tree is reused only on its own
        position). Default: False (states without a cheap exact comparison)."""
        return np.zeros(as_index(a_idx).shape[0], dtype=np.bool_)

    def format_action(self, action: int) -> str:
        """Human/CLI name of an action (default: its number)."""
        return str(int(action))

    def parse_action(self, text: str) -> int:
        """Inverse of `format_action`; raises MoveParseError naming the bad text."""
        try:
            action = int(text.strip())
        except ValueError:
            raise MoveParseError(f"{self.name}: cannot parse move {text!r}") from None
        if not 0 <= action < self.num_actions:
            raise MoveParseError(
                f"{self.name}: move {text!r} out of range 0..{self.num_actions - 1}"
            )
        return action

    def parse_moves(self, text: str) -> list[int]:
        """Actions of a move sequence: space-separated move names (``"D4 Q16 pass"``), or,
        for a domain whose every move name is one character, also run together
        (``"4453"``); ``"-"`` or blank is the empty sequence. MoveParseError names the bad
        move and its place in the sequence; legality is not checked here."""
        stripped = text.strip()
        if stripped in ("", "-"):
            return []
        tokens = stripped.split()
        if len(tokens) == 1 and self.compact_moves:
            tokens = list(tokens[0])
        actions = []
        for number, token in enumerate(tokens, start=1):
            try:
                actions.append(self.parse_action(token))
            except MoveParseError as exc:
                raise MoveParseError(f"move {number} of {stripped!r}: {exc}") from None
        return actions

    def format_moves(self, actions: Sequence[int]) -> str:
        """Inverse of `parse_moves`: names run together where every name is one character
        (``"4453"``), else space-separated (``"D4 Q16"``); ``"-"`` for no moves."""
        if len(actions) == 0:
            return "-"
        names = [self.format_action(int(a)) for a in actions]
        return ("" if self.compact_moves else " ").join(names)

    @property
    def compact_moves(self) -> bool:
        """True when every action's name is a single character (moves can run together)."""
        cached = self.__dict__.get("_compact_moves")
        if cached is None:
            cached = all(len(self.format_action(a)) == 1 for a in range(self.num_actions))
            self.__dict__["_compact_moves"] = cached
        return bool(cached)

    def render(self, store: Any, index: int) -> str:
        """Plain-text picture of one state (rendering stays out of game logic)."""
        return repr(store[index])

    def initial(self) -> Position:
        """A single-game `Position` at the start of the game."""
        return Position(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} A={self.num_actions} obs={self.obs_shape}>"


def uniform_legal_actions(masks: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """int64[B]: a uniformly random legal action per row of masks bool[B, A] (rows need
    one legal action). Consumes B * A uniform draws."""
    noise = rng.random(masks.shape)
    return np.argmax(np.where(masks, noise, -1.0), axis=1).astype(np.int64)


def lazy(target: str) -> Callable[..., Any]:
    """A function that imports ``"module:attribute"`` on its first call and forwards every
    call to it: a capability (e.g. a solver that compiles numba code) costs nothing until
    it is used."""
    module_name, _, attribute = target.partition(":")
    loaded: list[Callable[..., Any]] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not loaded:
            import importlib

            loaded.append(getattr(importlib.import_module(module_name), attribute))
        return loaded[0](*args, **kwargs)

    call.__name__ = call.__qualname__ = attribute
    call.__doc__ = f"{target}, imported on first use."
    return call


def identity_symmetry(num_actions: int, board_shape: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """(action_perms[1, A], cell_perms[1, H*W]) for a domain with no symmetries but identity."""
    cells = board_shape[0] * board_shape[1]
    return (
        np.arange(num_actions, dtype=np.int64)[None, :],
        np.arange(cells, dtype=np.int64)[None, :],
    )


#: Plugin kernel modules already run as Python in this process (`KernelDomain.batched`).
_GUARDED: set[str] = set()


@dataclass(eq=False, repr=False, kw_only=True)
class Offers:
    """What a domain offers beyond the contract: optional, keyword-only, None = not offered.

    Both tiers (`KernelDomain`, `PythonDomain`) take these as keyword arguments. A
    *state* below is one row of the domain's store: an ``int64[state_size]`` record
    (kernel tier) or a `Game` object (Python tier).
    """

    formatter: Callable[[int], str] | None = None
    """Name of an action for people and the CLI (default: its number)."""
    parser: Callable[[str], int] | None = None
    """Inverse of `formatter`; raises MoveParseError naming the bad text."""
    obs_bounds: tuple[float, float] = (0.0, 1.0)
    """(low, high) that every observation value lies within."""
    solver: Callable[[Any], Sequence[int | None]] | None = None
    """Exact score of every action of a non-terminal state, from the view of the player
    to move (Pascal Pons' convention: > 0 wins, larger = sooner; 0 draws; < 0 loses;
    None = illegal). Gives exact error rates in the arena, ``distill eval``, ``distill
    solve`` and the ``oracle`` player."""
    eval_buckets: Mapping[str, tuple[int, int]] | None = None
    """Position buckets for exact error rates: name -> (min, max) plies played, inclusive,
    in game order (e.g. begin / middle / end). Needs `solver`."""
    eval_positions: Path | None = None
    """Folder of shipped solver-scored sets, ``<bucket>.txt`` (format in
    `distill.arena.positions`); None = sets are generated (and cached) when needed."""
    default_rollout: Callable[..., Any] | None = None
    """``default_rollout(domain, *, num_rollouts=1, **options)`` builds the state evaluator
    of network-free ``mcts`` players; options are the player spec's extra ``key=value``
    strings (ConfigError or TypeError for unknown ones). Default: uniformly random
    playouts (`distill.search.RolloutEvaluator`)."""
    ownership: Callable[[Any], np.ndarray] | None = None
    """int8[H, W] ownership of each point of a finished state: +1 player 0, -1 player 1,
    0 neither. Self-play records it as the target of a net's ownership head."""
    final_score: Callable[[Any], float] | None = None
    """Score margin of a state for player 0 (Go: black's area minus white's minus komi)."""
    export_game: Callable[[Sequence[int], str, tuple[str, str]], tuple[str, str]] | None = None
    """(moves, result text, (name of player 0, name of player 1)) -> (file suffix, text) of
    a game record, e.g. SGF for Go. Default: the move list (`Domain.format_moves`)."""
    player_names: tuple[str, str] = ("P0", "P1")
    """Short names of players 0 and 1 in records and results (``B W``, ``X O``)."""
    variants: tuple[Any, ...] | None = None
    """Domains that share this one's store rows, observations and actions but start
    from other initial positions (Go's board sizes in one padded frame): self-play
    draws one per game, uniformly (list one twice to draw it twice as often). This
    domain is one of them; None = one initial position."""
    board_mask_plane: int | None = None
    """Observation plane that is 1 on the board and 0 on padding, where a domain pads
    boards into a bigger frame (multi-size Go: plane 0); a net must read its mask there
    (``network.mask_plane``). None = every cell of an observation is on the board."""
    pass_action: int | None = None
    """The action that passes the turn (Go: ``N * N``), where a domain has one; self-play's
    ``selfplay.min_pass_ply`` needs it. None = no pass move."""


@dataclass(eq=False, repr=False)
class KernelDomain(Offers, Domain):
    """A domain whose states are int64 records and whose rules are per-state @njit kernels.

    The kernel module (dotted name in `kernel_module`) must define, at module level,
    ``@njit(cache=True)`` functions working on ONE state row ``state: int64[state_size]``:

    - ``reset(state, params)``: write the initial position; params: float64[P].
    - ``step(src, dst, action)``: dst := src after `action` (src may alias dst).
    - ``legal(state, mask) -> int``: mask: bool[A] := legal actions; returns their count.
    - ``terminal(state) -> (bool, float)``: (is over, value for the player to move or 0.0).
    - ``to_play(state) -> int``: 0 or 1.
    - ``encode(state, out)``: out: float32[C, H, W], already zeroed, := observation planes.

    Two rows are the same state when they are equal word for word (`same_states`, which
    tree reuse relies on); a domain whose ``step`` writes only part of the record (Go:
    the used history) overrides `same_states` to compare that part.
    """

    name: str
    kernel_module: str  # type: ignore[assignment]
    num_actions: int
    state_size: int
    obs_shape: tuple[int, int, int]
    board_shape: tuple[int, int]
    max_moves: int
    action_perms: np.ndarray
    cell_perms: np.ndarray
    params: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    renderer: Callable[[np.ndarray], str] | None = None
    _batched: ModuleType | None = None

    @property
    def batched(self) -> ModuleType:
        """The specialized `distill.kernels_batched` module for this domain (compiled lazily)."""
        if self._batched is None:
            from distill.jit import specialize

            if self.kernel_module not in _GUARDED and not self.kernel_module.startswith(
                "distill.domains."
            ):  # a plugin's kernels: out-of-bounds writes would corrupt memory, not raise
                from distill.testing import guard_kernels

                guard_kernels(self)
                _GUARDED.add(self.kernel_module)
            self._batched = specialize("distill.kernels_batched", self.kernel_module)
        return self._batched

    def kernels(self) -> ModuleType:
        """The kernel module itself (for callers that want single-state calls)."""
        import importlib

        return importlib.import_module(self.kernel_module)

    def new_store(self, size: int) -> np.ndarray:
        return np.zeros((int(size), self.state_size), dtype=np.int64)

    def _check_store(self, store: Any, name: str = "store") -> np.ndarray:
        if not isinstance(store, np.ndarray) or store.dtype != np.int64 or store.ndim != 2:
            got = getattr(store, "shape", type(store).__name__)
            raise ShapeError(f"{name} must be int64[S, {self.state_size}], got {got}")
        if store.shape[1] != self.state_size:
            raise ShapeError(f"{name} must be int64[S, {self.state_size}], got {store.shape}")
        return store

    def reset(self, store: Any, idx: Any) -> None:
        s = self._check_store(store)
        self.batched.batch_reset(s, as_index(idx, size=len(s)), self.params)

    def step(self, src: Any, src_idx: Any, dst: Any, dst_idx: Any, actions: Any) -> None:
        s, d = self._check_store(src, "src"), self._check_store(dst, "dst")
        s_idx, d_idx = as_index_pair(src_idx, len(s), dst_idx, len(d))
        acts = as_index(actions, "actions", self.num_actions)
        if acts.shape != s_idx.shape:
            raise ShapeError(
                f"src_idx, dst_idx, actions must have one shape [B]; got "
                f"{s_idx.shape}, {d_idx.shape}, {acts.shape}"
            )
        self.batched.batch_step(s, s_idx, d, d_idx, acts)

    def legal_mask(self, store: Any, idx: Any) -> np.ndarray:
        s = self._check_store(store)
        index = as_index(idx, size=len(s))
        masks = np.zeros((index.shape[0], self.num_actions), dtype=np.bool_)
        self.batched.batch_legal(s, index, masks)
        return masks

    def terminal(self, store: Any, idx: Any) -> tuple[np.ndarray, np.ndarray]:
        s = self._check_store(store)
        index = as_index(idx, size=len(s))
        done = np.zeros(index.shape[0], dtype=np.bool_)
        value = np.zeros(index.shape[0], dtype=np.float32)
        self.batched.batch_terminal(s, index, done, value)
        return done, value

    def to_play(self, store: Any, idx: Any) -> np.ndarray:
        s = self._check_store(store)
        index = as_index(idx, size=len(s))
        out = np.zeros(index.shape[0], dtype=np.int64)
        self.batched.batch_to_play(s, index, out)
        return out

    def encode(self, store: Any, idx: Any) -> np.ndarray:
        s = self._check_store(store)
        index = as_index(idx, size=len(s))
        out = np.zeros((index.shape[0], *self.obs_shape), dtype=np.float32)
        self.batched.batch_encode(s, index, out)
        return out

    def copy(self, src: Any, src_idx: Any, dst: Any, dst_idx: Any) -> None:
        s, d = self._check_store(src, "src"), self._check_store(dst, "dst")
        s_idx, d_idx = as_index_pair(src_idx, len(s), dst_idx, len(d))
        d[d_idx] = s[s_idx]

    def same_states(self, a: Any, a_idx: Any, b: Any, b_idx: Any) -> np.ndarray:
        """Equal records, word for word (a domain whose `step` leaves some words undefined,
        such as Go's unused history, compares only the defined ones)."""
        s, d = self._check_store(a, "a"), self._check_store(b, "b")
        s_idx, d_idx = as_index_pair(a_idx, len(s), b_idx, len(d))
        return np.all(s[s_idx] == d[d_idx], axis=1)

    def format_action(self, action: int) -> str:
        return self.formatter(int(action)) if self.formatter else super().format_action(action)

    def parse_action(self, text: str) -> int:
        return self.parser(text) if self.parser else super().parse_action(text)

    def render(self, store: Any, index: int) -> str:
        if self.renderer is None:
            return super().render(store, index)
        return self.renderer(self._check_store(store)[index])


@runtime_checkable
class Game(Protocol):
    """A single game state for the Python tier. Must not share mutable state with its clones."""

    def clone(self) -> Game:
        """An independent copy."""
        ...

    def step(self, action: int) -> None:
        """Apply a legal action in place."""
        ...

    def legal_mask(self) -> np.ndarray:
        """bool[A], True = legal."""
        ...

    def terminal(self) -> tuple[bool, float]:
        """(is over, value for the player to move or 0.0)."""
        ...

    def to_play(self) -> int:
        """0 or 1."""
        ...

    def observe(self) -> np.ndarray:
        """float32[C, H, W] from the view of the player to move."""
        ...


class ObjectStore:
    """A store of Python-tier game objects: the `PythonDomain` counterpart of `int64[S, n]`."""

    def __init__(self, size: int) -> None:
        self.items: list[Game | None] = [None] * int(size)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Game:
        item = self.items[index]
        if item is None:
            raise IndexError(f"store slot {index} holds no state (reset or step into it first)")
        return item


@dataclass(eq=False, repr=False)
class PythonDomain(Offers, Domain):
    """A domain made of Python `Game` objects; `factory()` returns a fresh initial game."""

    name: str
    factory: Callable[[], Game]
    num_actions: int
    obs_shape: tuple[int, int, int]
    board_shape: tuple[int, int]
    max_moves: int
    action_perms: np.ndarray
    cell_perms: np.ndarray
    renderer: Callable[[Game], str] | None = None
    kernel_module: str | None = None

    def new_store(self, size: int) -> ObjectStore:
        return ObjectStore(size)

    @staticmethod
    def _check_store(store: Any) -> ObjectStore:
        if not isinstance(store, ObjectStore):
            raise ShapeError(f"store must be an ObjectStore, got {type(store).__name__}")
        return store

    def reset(self, store: Any, idx: Any) -> None:
        items = self._check_store(store).items
        for i in as_index(idx):
            items[i] = self.factory()

    def step(self, src: Any, src_idx: Any, dst: Any, dst_idx: Any, actions: Any) -> None:
        s, d = self._check_store(src), self._check_store(dst)
        s_idx, d_idx = as_index_pair(src_idx, len(s), dst_idx, len(d))
        acts = as_index(actions, "actions", self.num_actions)
        if acts.shape != s_idx.shape:
            raise ShapeError(
                f"actions must have the shape of src_idx {s_idx.shape}, got {acts.shape}"
            )
        for i, j, a in zip(s_idx, d_idx, acts, strict=True):
            game = s[i].clone()
            game.step(int(a))
            d.items[j] = game

    def legal_mask(self, store: Any, idx: Any) -> np.ndarray:
        s = self._check_store(store)
        index = as_index(idx)
        masks = np.zeros((index.shape[0], self.num_actions), dtype=np.bool_)
        for b, i in enumerate(index):
            masks[b] = s[i].legal_mask()
        return masks

    def terminal(self, store: Any, idx: Any) -> tuple[np.ndarray, np.ndarray]:
        s = self._check_store(store)
        results = [s[i].terminal() for i in as_index(idx)]
        done = np.array([r[0] for r in results], dtype=np.bool_)
        value = np.array([r[1] for r in results], dtype=np.float32)
        return done, value

    def to_play(self, store: Any, idx: Any) -> np.ndarray:
        s = self._check_store(store)
        return np.array([s[i].to_play() for i in as_index(idx)], dtype=np.int64)

    def encode(self, store: Any, idx: Any) -> np.ndarray:
        s = self._check_store(store)
        index = as_index(idx)
        out = np.zeros((index.shape[0], *self.obs_shape), dtype=np.float32)
        for b, i in enumerate(index):
            out[b] = s[i].observe()
        return out

    def copy(self, src: Any, src_idx: Any, dst: Any, dst_idx: Any) -> None:
        s, d = self._check_store(src), self._check_store(dst)
        for i, j in zip(*as_index_pair(src_idx, len(s), dst_idx, len(d)), strict=True):
            d.items[j] = s[i].clone()

    def format_action(self, action: int) -> str:
        return self.formatter(int(action)) if self.formatter else super().format_action(action)

    def parse_action(self, text: str) -> int:
        return self.parser(text) if self.parser else super().parse_action(text)

    def render(self, store: Any, index: int) -> str:
        game = self._check_store(store)[index]
        return self.renderer(game) if self.renderer else repr(game)


class Position:
    """One game, played move by move with checked actions: the friendly single-game view.

    Built on the batched interface, so it works for both tiers. Used by the CLI,
    the arena, the PettingZoo export and tests.
    """

    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        self.store = domain.new_store(1)
        self.history: list[int] = []
        domain.reset(self.store, [0])

    def legal_mask(self) -> np.ndarray:
        """bool[A], True = legal (all False once the game is over)."""
        if self.is_over:
            return np.zeros(self.domain.num_actions, dtype=np.bool_)
        return self.domain.legal_mask(self.store, [0])[0]

    def legal_actions(self) -> np.ndarray:
        """int64[L]: the legal actions, ascending."""
        return np.flatnonzero(self.legal_mask()).astype(np.int64)

    @property
    def is_over(self) -> bool:
        return bool(self.domain.terminal(self.store, [0])[0][0])

    @property
    def value(self) -> float:
        """Outcome for the player to move (valid once `is_over`)."""
        return float(self.domain.terminal(self.store, [0])[1][0])

    @property
    def to_play(self) -> int:
        return int(self.domain.to_play(self.store, [0])[0])

    def play(self, action: int | str) -> Position:
        """Apply `action` (a number or a move string) after checking it is legal; returns self."""
        from distill.errors import IllegalActionError

        a = self.domain.parse_action(action) if isinstance(action, str) else int(action)
        if self.is_over:
            raise IllegalActionError(f"{self.domain.name}: game is over; cannot play {a}")
        if not 0 <= a < self.domain.num_actions or not self.legal_mask()[a]:
            name = self.domain.format_action(a) if 0 <= a < self.domain.num_actions else str(a)
            raise IllegalActionError(
                f"{self.domain.name}: illegal action {name} at move {len(self.history) + 1}"
            )
        self.domain.step(self.store, [0], self.store, [0], [a])
        self.history.append(a)
        return self

    def play_all(self, actions: Sequence[int | str]) -> Position:
        for action in actions:
            self.play(action)
        return self

    def clone(self) -> Position:
        twin = Position.__new__(Position)
        twin.domain = self.domain
        twin.store = self.domain.new_store(1)
        self.domain.copy(self.store, [0], twin.store, [0])
        twin.history = list(self.history)
        return twin

    def observe(self) -> np.ndarray:
        """float32[C, H, W] from the view of the player to move."""
        return self.domain.encode(self.store, [0])[0]

    def __str__(self) -> str:
        return self.domain.render(self.store, 0)
