"""Players: anything that picks moves, behind one protocol, for the arena, matches and GTP.

A `Player` has a ``name`` and::

    select(positions, rng) -> int64[B]   a move for the player to move in each position
    reset()                              a new game starts (forget per-game state)
    close()                              release processes; unusable afterwards

``select`` never changes the positions (each a `distill.domain.Position`, which
carries its move history) and may return `RESIGN` for a position. Players that
work on a batch at once (a network evaluates all B positions in one forward
pass; the search searches them as one batch) take any B; a player that can only
follow one game at a time (an external GTP engine) says so with
``max_batch = 1``, and the match runner (`distill.arena.match`) then plays its
games one after another. The rng is passed in and consumed; players own none.

Players here:

* `RandomPlayer`: a uniformly random legal move.
* `PolicyPlayer`: the network's raw policy (argmax over legal moves, no search).
* `SearchPlayer`: the batched search (`distill.search.Searcher`) at N simulations,
  with a network or a network-free rollout evaluator (plain MCTS); it can also
  `SearchPlayer.analyze` one position for GTP analysis output.
* `OraclePlayer`: a uniformly random optimal move of the domain's exact solver.
* `RandomisedPlayer`: another player that plays a uniformly random move at a given rate.
* External GTP engines (GNU Go, any command line): `distill.gtp.players.GtpPlayer`.

`distill.arena.specs.make_player` builds any of them from a spec string.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from distill.domain import Domain, Position, uniform_legal_actions
from distill.errors import ConfigError, DistillError
from distill.search import SearchConfig, Searcher, SearchResult
from distill.search.tree import ROOT, UNVISITED
from distill.solve import require_solver

#: What `Player.select` returns for a position to give up the game (never a valid action).
RESIGN = -1
#: Default memory for the trees of a timed search (`SearchPlayer.tree_bytes`): 9x9 Go
#: then holds about 62k nodes, 19x19 about 14k.
TIMED_TREE_BYTES = 256 * 2**20
#: Tree bytes per node and action: child index, prior, visits, virtual visits (4 each),
#: value sum (8) and the legal flag (1) (`distill.search.tree.Tree`).
NODE_BYTES_PER_ACTION = 25
#: ... plus the score sum (8) with a score utility (`SearchConfig.uses_score_utility`).
SCORE_BYTES_PER_ACTION = 8
#: Simulations of the first chunk of a timed search (it measures the rate for the next).
FIRST_CHUNK = 16
#: A timed search checks the clock at least this often (seconds between chunks).
CHUNK_SECONDS = 0.05
#: Leaves per network call of a ``run:`` player's timed searches when neither its spec
#: nor its recipe sets them (`SearchPlayer.timed_leaves`): one game's search then gets
#: 2.6-2.8x the simulations a second on one core (`distill bench search-leaves`, go9's net)
#: and won more games against GNU Go at 1 s a move (docs/go.md, "Eight leaves a call").
TIMED_LEAVES = 8


@runtime_checkable
class Player(Protocol):
    """Something that chooses moves. See the module docstring for the contract."""

    name: str

    def select(self, positions: Sequence[Position], rng: np.random.Generator) -> np.ndarray:
        """int64[B]: a legal action (or `RESIGN`) for the player to move in each position."""
        ...

    def reset(self) -> None:
        """Forget everything about the previous game (a new game starts)."""
        ...

    def close(self) -> None:
        """Release external resources (processes); the player is unusable afterwards."""
        ...


def max_batch(player: Player) -> int | None:
    """How many games `player` can follow at once (None = any number)."""
    return getattr(player, "max_batch", None)


def genmove(player: Player, position: Position, rng: np.random.Generator) -> int:
    """The move of `player` in one position (`RESIGN` to give up)."""
    if position.is_over:
        raise DistillError(f"{player.name}: the game is over; no move to generate")
    return int(player.select([position], rng)[0])


def stack_positions(domain: Domain, positions: Sequence[Position]) -> tuple[Any, np.ndarray]:
    """(store, idx int64[B]): one store whose row idx[b] holds positions[b] (copies)."""
    store = domain.new_store(len(positions))
    for b, position in enumerate(positions):
        domain.copy(position.store, [0], store, [b])
    return store, np.arange(len(positions), dtype=np.int64)


class _Stateless:
    """reset/close for in-process players without per-game state or resources."""

    def reset(self) -> None:
        """Nothing to forget: moves depend only on the position (and the rng)."""

    def close(self) -> None:
        """Nothing to release."""


class RandomPlayer(_Stateless):
    """A uniformly random legal move."""

    def __init__(self, domain: Domain, name: str = "random") -> None:
        self.domain, self.name = domain, name

    def select(self, positions: Sequence[Position], rng: np.random.Generator) -> np.ndarray:
        store, idx = stack_positions(self.domain, positions)
        return uniform_legal_actions(self.domain.legal_mask(store, idx), rng)


class PolicyPlayer(_Stateless):
    """The network's raw policy: the legal action with the largest logit (no search)."""

    def __init__(self, domain: Domain, evaluator: Any, name: str = "policy") -> None:
        self.domain, self.evaluator, self.name = domain, evaluator, name

    def select(self, positions: Sequence[Position], rng: np.random.Generator) -> np.ndarray:
        store, idx = stack_positions(self.domain, positions)
        masks = self.domain.legal_mask(store, idx)
        logits, _ = self.evaluator(self.domain.encode(store, idx), masks)
        return np.argmax(np.where(masks, logits, -np.inf), axis=1).astype(np.int64)


@dataclass(frozen=True)
class Analysis:
    """Root statistics of one search, for GTP analysis output and logs.

    All arrays are over the domain's actions A; values are for the player to move.

    Attributes:
        visits: int64[A], root child visit counts.
        q_values: float32[A], mean value of each child in [-1, 1] (0 where unvisited).
        prior: float32[A], the evaluator's prior at the root.
        root_value: the search's value of the root in [-1, 1] (`SearchResult.root_value`).
        pv: principal variation per visited action: pv[a] is a list of actions starting
            with a.
    """

    visits: np.ndarray
    q_values: np.ndarray
    prior: np.ndarray
    root_value: float
    pv: dict[int, list[int]]


class SearchPlayer(_Stateless):
    """The batched search at `simulations`, without root noise or tree reuse.

    PUCT plays the most visited action (temperature 0); Gumbel plays its
    sequential-halving winner. A position whose root value falls below
    `resign_threshold` gets `RESIGN`. One `Searcher` is kept per batch size seen.

    Args:
        domain: the game.
        evaluator: a network evaluator (`distill.inference.NetEvaluator`) or a state
            evaluator such as random rollouts (`distill.search.RolloutEvaluator`).
        config: the search settings (its simulations and tree reuse are overridden as
            above; `Searcher.run`'s default temperature 0 gives the most visited action).
        simulations: simulations per move.
        name: display name (default ``search<simulations>``).
        resign_threshold: resign below this root value; -1 (default) never resigns.
        seconds_per_move: when set, each move searches for this many seconds
            (`search_timed`) instead of a fixed number of simulations; may be changed
            between moves (the GTP engine sets it from the game clock).
        tree_bytes: memory allowed for the trees of a timed search, all games together;
            it caps the simulations of one timed move (`timed_capacity`).
        timed_leaves: leaves per network call (virtual loss) in timed searches
            (`seconds_per_move`, GTP clocks, analysis), where a batch of leaves buys
            more simulations in the same seconds; None = the config's
            ``leaves_per_step``, as in fixed-simulation searches.
        reuse: timed searches start from what the last one left (`timed_root`): the
            subtree of the position reached after the move played and the opponent's
            reply, as Leela Zero and KataGo do; False = every move searches afresh.
            Searches of a fixed number of simulations never reuse a tree.
    """

    def __init__(
        self,
        domain: Domain,
        evaluator: Any,
        config: SearchConfig,
        simulations: int,
        name: str | None = None,
        *,
        resign_threshold: float = -1.0,
        seconds_per_move: float | None = None,
        tree_bytes: int = TIMED_TREE_BYTES,
        timed_leaves: int | None = None,
        reuse: bool = True,
    ) -> None:
        if simulations < 1:
            raise ConfigError(f"search player: simulations must be >= 1, got {simulations}")
        if seconds_per_move is not None and not seconds_per_move > 0:
            raise ConfigError(
                f"search player: seconds per move must be > 0, got {seconds_per_move}"
            )
        self.domain, self.evaluator = domain, evaluator
        self.simulations = int(simulations)
        self.resign_threshold = float(resign_threshold)
        self.seconds_per_move = seconds_per_move
        self.tree_bytes = int(tree_bytes)
        if timed_leaves is not None and timed_leaves < 1:
            raise ConfigError(f"search player: timed leaves must be >= 1, got {timed_leaves}")
        self.timed_leaves = timed_leaves
        self.reuse = bool(reuse)
        #: the timed searcher and the moves played from its roots (`moves`), for `timed_root`
        self._played: tuple[Searcher, np.ndarray] | None = None
        self.config = dataclasses.replace(
            config,
            num_simulations=self.simulations,
            reuse_tree=False,
            max_nodes=None,
        )
        self.name = name or f"search{self.simulations}"
        self._searchers: dict[int, Searcher] = {}
        self._timed: dict[int, Searcher] = {}
        #: the searcher of the last search (`analysis_of` reads its tree)
        self.last_searcher: Searcher | None = None
        self._rate: float | None = None  # simulations per second, measured (Gumbel budgets)

    def searcher(self, batch_size: int) -> Searcher:
        """The searcher for `batch_size` games (made once), with its trees forgotten."""
        if batch_size not in self._searchers:
            self._searchers[batch_size] = Searcher(
                self.domain, self.evaluator, batch_size=batch_size, config=self.config
            )
        searcher = self._searchers[batch_size]
        searcher.reset(None)
        self.last_searcher = searcher
        return searcher

    def search(
        self,
        positions: Sequence[Position],
        rng: np.random.Generator,
        simulations: int | None = None,
    ) -> SearchResult:
        """The `SearchResult` of a fresh search from every position."""
        store, idx = stack_positions(self.domain, positions)
        searcher = self.searcher(len(positions))
        return searcher.run(store, idx, rng, num_simulations=simulations, add_noise=False)

    def select(self, positions: Sequence[Position], rng: np.random.Generator) -> np.ndarray:
        if self.seconds_per_move is None:
            result = self.search(positions, rng)
        else:
            result = self.search_timed(positions, rng, self.seconds_per_move)
        return self.moves(result)

    def reset(self) -> None:
        """A new game: forget the timed trees, so that no game depends on the one before."""
        self._played = None
        for searcher in self._timed.values():
            searcher.reset(None)

    def moves(self, result: SearchResult) -> np.ndarray:
        """int64[B]: the moves of a search result, `RESIGN` below the resign threshold.

        These are the moves to be played: after a timed search, the next one descends
        its tree along them (`timed_root`)."""
        if self.last_searcher is not None and self.last_searcher in self._timed.values():
            self._played = (self.last_searcher, np.asarray(result.action, np.int64).copy())
        moves = np.asarray(result.action, dtype=np.int64).copy()
        moves[np.asarray(result.root_value) < self.resign_threshold] = RESIGN
        return moves

    def timed_capacity(self, batch_size: int) -> int:
        """Nodes per tree of a timed search: what `tree_bytes` holds for `batch_size` games
        (a node costs its state plus its children's statistics), at least simulations + 1."""
        store = self.domain.new_store(1)
        state_bytes = store.nbytes if isinstance(store, np.ndarray) else 1024
        per_action = NODE_BYTES_PER_ACTION
        if self.config.uses_score_utility:
            per_action += SCORE_BYTES_PER_ACTION
        node_bytes = state_bytes + per_action * self.domain.num_actions + 64
        return max(self.simulations + 1, self.tree_bytes // (node_bytes * batch_size))

    def timed_searcher(self, batch_size: int) -> Searcher:
        """The searcher of timed searches for `batch_size` games (made once; its trees as
        they are): it keeps its trees between `Searcher.run` calls on the same positions,
        so chunks grow one tree."""
        if batch_size not in self._timed:
            capacity = self.timed_capacity(batch_size)
            config = dataclasses.replace(
                self.config,
                reuse_tree=True,
                max_nodes=capacity,
                num_simulations=min(self.simulations, capacity - 1),
                leaves_per_step=self.timed_leaves or self.config.leaves_per_step,
            )
            self._timed[batch_size] = Searcher(
                self.domain, self.evaluator, batch_size=batch_size, config=config
            )
        return self._timed[batch_size]

    def timed_root(self, positions: Sequence[Position]) -> Searcher:
        """The timed searcher for `positions`, each tree rooted at its position when it can
        be, and forgotten otherwise.

        With `reuse`, a tree left by the last timed search first follows the move played
        from its root (`moves`), then keeps going where the new position is: the root
        itself (analysis of the same position) or one of the root's children (the
        opponent's reply). Its statistics are kept (`Searcher.advance`), so the search
        starts with the visits it already spent below that position. A tree is kept only
        when its root state equals the position (the domain's state array: all a network
        input and the rules read) and it fills at most half the tree, leaving room to
        grow. Domains whose states are not arrays always search afresh.
        """
        searcher = self.timed_searcher(len(positions))
        self.last_searcher = searcher
        played, self._played = self._played, None
        if not self.reuse or not isinstance(searcher.states, np.ndarray):
            searcher.reset(None)
            return searcher
        if played is not None and played[0] is searcher:
            moved = played[1] >= 0  # not `RESIGN`
            searcher.reset(np.flatnonzero(~moved))
            searcher.advance(played[1], np.flatnonzero(moved))
        store, _ = stack_positions(self.domain, positions)
        replies = np.array(
            [self._where(searcher, b, store, b) for b in range(len(positions))], np.int64
        )
        searcher.advance(replies, np.flatnonzero(replies >= 0))
        fresh = (replies == -2) | (searcher.tree.node_count > searcher.num_nodes // 2)
        searcher.reset(np.flatnonzero(fresh))
        return searcher

    def _where(self, searcher: Searcher, b: int, store: np.ndarray, row: int) -> int:
        """Where game b's position store[row] is in its tree: -1 at the root, the action of
        the root's expanded child holding it, or -2 nowhere (also: no tree)."""
        tree, base = searcher.tree, b * searcher.num_nodes
        if not tree.node_expanded[b, ROOT]:
            return -2
        actions = np.flatnonzero(tree.children_index[b, ROOT] != UNVISITED)
        nodes = np.concatenate([[ROOT], tree.children_index[b, ROOT, actions]]).astype(np.int64)
        same = self.domain.same_states(
            searcher.states, base + nodes, store, np.full(nodes.shape[0], row)
        )
        same &= tree.node_expanded[b, nodes]
        hits = np.flatnonzero(same)
        if hits.size == 0:
            return -2
        return -1 if hits[0] == 0 else int(actions[hits[0] - 1])

    def search_timed(
        self,
        positions: Sequence[Position],
        rng: np.random.Generator,
        seconds: float,
        *,
        interval: float | None = None,
        on_update: Callable[[SearchResult], None] | None = None,
        stop: Callable[[], bool] | None = None,
        simulations: int | None = None,
    ) -> SearchResult:
        """Search every position for about `seconds` of wall time (`math.inf`: no limit);
        the last `SearchResult`.

        PUCT grows one tree per position in chunks (`Searcher.run` keeps a tree whose root
        is the searched position), each chunk sized from the simulations per second
        measured so far, until the time is spent, `simulations` are done, `stop()` says
        so or the tree is full (`timed_capacity`). With `on_update`, it is called with the
        result so far about every `interval` seconds (analysis output). Gumbel's
        sequential halving needs its budget up front, so without `on_update` Gumbel runs
        one search of (measured rate x seconds) simulations instead (the first call
        measures the rate on a short search), cut short at the deadline or by `stop()`
        should the machine slow down meanwhile.
        """
        if self.config.algorithm == "gumbel" and on_update is None:
            return self._gumbel_timed(positions, rng, seconds, simulations, stop)
        searcher = self.timed_root(positions)
        store, idx = stack_positions(self.domain, positions)
        start = time.perf_counter()
        deadline, next_update = start + seconds, start + (interval or 0.0)
        done, chunk, cap = 0, FIRST_CHUNK, simulations or searcher.num_nodes
        result: SearchResult | None = None
        while True:
            room = min(searcher.num_nodes - int(searcher.tree.node_count.max()), cap - done)
            if room < 1:
                break
            sims = min(chunk, room)
            result = searcher.run(store, idx, rng, num_simulations=sims, add_noise=False)
            done += sims
            now = time.perf_counter()
            if on_update is not None and now >= next_update:
                on_update(result)
                next_update = now + (interval or 0.0)
            if now >= deadline or (stop is not None and stop()):
                break
            target = min(deadline, next_update if on_update else deadline) - now
            rate = done / max(now - start, 1e-6)
            chunk = max(1, int(rate * min(max(target, 0.0), CHUNK_SECONDS)))
        assert result is not None  # a fresh tree always has room for one chunk
        return result

    def _gumbel_timed(
        self,
        positions: Sequence[Position],
        rng: np.random.Generator,
        seconds: float,
        simulations: int | None,
        stop: Callable[[], bool] | None = None,
    ) -> SearchResult:
        if self._rate is None and math.isfinite(seconds):  # measure on a short search
            self._measure(positions, rng, min(self.simulations, FIRST_CHUNK))  # (result unused)
        searcher = self.timed_root(positions)
        room = searcher.num_nodes - 1 - int(searcher.tree.node_count.max())
        limit = min(simulations or room, room)
        if not math.isfinite(seconds):
            return self._measure(positions, rng, limit, searcher, stop)
        assert self._rate is not None
        limit = min(limit, max(1, int(self._rate * seconds)))
        deadline = time.perf_counter() + seconds

        def due() -> bool:
            return time.perf_counter() >= deadline or (stop is not None and stop())

        return self._measure(positions, rng, limit, searcher, due)

    def warm_up(self, position: Position) -> None:
        """Search `position` twice briefly (results unused, a private rng) so that the
        first timed move pays no first-call costs (the tree's allocation, JIT loading, the
        net's first forward) and starts from a rate measured after them. Measured with
        byo-yomi of 2 s a move on 9x9: the first genmove took 4.6 s without it."""
        rng = np.random.default_rng(0)
        for _ in range(2):
            self._measure([position], rng, min(self.simulations, FIRST_CHUNK))

    def _measure(
        self,
        positions: Sequence[Position],
        rng: np.random.Generator,
        sims: int,
        searcher: Searcher | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> SearchResult:
        """A search of `sims` simulations, ended early when `stop()` says so (a deadline:
        the planned budget overran because the machine slowed down); updates the measured
        rate from the simulations actually run. Without `searcher`, a fresh search on the
        timed searcher; with it, a search on its trees as they are (`timed_root`)."""
        if searcher is None:
            searcher = self.timed_searcher(len(positions))
            searcher.reset(None)
        store, idx = stack_positions(self.domain, positions)
        start = time.perf_counter()
        result = searcher.run(store, idx, rng, num_simulations=sims, add_noise=False, stop=stop)
        self._rate = searcher.last_simulations / max(time.perf_counter() - start, 1e-6)
        return result

    def analyze(
        self, position: Position, rng: np.random.Generator, *, simulations: int | None = None
    ) -> Analysis:
        """Search `position` (unchanged) afresh and return the root statistics."""
        result = self.search([position], rng, simulations)
        return self.analysis_of(result)

    def analysis_of(self, result: SearchResult) -> Analysis:
        """The `Analysis` of game 0 of the last search's result (with its tree's PVs)."""
        assert self.last_searcher is not None
        visits = result.visit_counts[0].astype(np.int64)
        q_values = np.where(visits > 0, result.q_values[0], 0.0).astype(np.float32)
        tree = self.last_searcher.tree
        pv = {int(a): principal_variation(tree, int(a)) for a in np.flatnonzero(visits)}
        return Analysis(visits, q_values, result.prior[0].copy(), float(result.root_value[0]), pv)


#: A principal variation continues only through children visited at least this often
#: (a once-visited child is a single playout: its "best reply" is noise).
PV_MIN_VISITS = 2


def principal_variation(tree: Any, action: int, max_length: int = 16) -> list[int]:
    """The most-visited line below root action `action` in game 0 of a search tree.

    `tree` is a `distill.search.tree.Tree` (children_index [B, N, A] int32 with -1 for
    no child, node_visits [B, N] int32).
    """
    line = [action]
    node = int(tree.children_index[0, 0, action])
    while node >= 0 and len(line) < max_length:
        children = tree.children_index[0, node]
        present = np.flatnonzero(children >= 0)
        if present.size == 0:
            break
        visits = tree.node_visits[0, children[present]]
        if int(visits.max()) < PV_MIN_VISITS:
            break
        best = int(present[int(np.argmax(visits))])
        line.append(best)
        node = int(children[best])
    return line


class OraclePlayer(_Stateless):
    """A uniformly random optimal move according to the domain's exact solver."""

    def __init__(self, domain: Domain, name: str = "oracle") -> None:
        require_solver(domain)
        self.domain, self.name = domain, name

    def scores(self, positions: Sequence[Position]) -> list[list[int | None]]:
        """Exact score of every action per position (None = illegal), mover's view."""
        assert self.domain.solver is not None
        return [list(self.domain.solver(p.store[0])) for p in positions]

    def select(self, positions: Sequence[Position], rng: np.random.Generator) -> np.ndarray:
        moves = np.empty(len(positions), dtype=np.int64)
        for b, row in enumerate(self.scores(positions)):
            best = max(s for s in row if s is not None)
            options = [a for a, s in enumerate(row) if s == best]
            moves[b] = options[int(rng.integers(len(options)))]
        return moves


class RandomisedPlayer(_Stateless):
    """Another player whose move is replaced, with probability `rate` per move, by a
    uniformly random legal move: a ladder of strengths between random (rate 1) and the
    player itself (rate 0), e.g. for rating references.

    The draw is made per position from the rng passed in; the wrapped player is asked
    only for the positions it plays.
    """

    def __init__(self, player: Player, domain: Domain, rate: float, name: str) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ConfigError(f"{name}: the random-move rate must be in [0, 1], got {rate}")
        self.player, self.domain, self.rate, self.name = player, domain, rate, name

    def select(self, positions: Sequence[Position], rng: np.random.Generator) -> np.ndarray:
        store, idx = stack_positions(self.domain, positions)
        moves = uniform_legal_actions(self.domain.legal_mask(store, idx), rng)
        own = np.flatnonzero(rng.random(len(positions)) >= self.rate)
        if own.size:
            moves[own] = self.player.select([positions[int(i)] for i in own], rng)
        return moves

    def reset(self) -> None:
        self.player.reset()

    def close(self) -> None:
        self.player.close()


__all__ = [
    "RESIGN",
    "Analysis",
    "OraclePlayer",
    "Player",
    "PolicyPlayer",
    "RandomPlayer",
    "RandomisedPlayer",
    "SearchPlayer",
    "genmove",
    "max_batch",
    "principal_variation",
    "stack_positions",
]
