"""The Recipe: one typed, frozen config tree describing a whole training run.

A recipe YAML file (``recipes/*.yaml``, shipped as ``distill.recipes`` so that
``distill train tictactoe`` finds it by name from any directory) loads strictly into
`Recipe` through `distill.config` (unknown key, wrong type or bad value: one
`ConfigError` line naming the field). ``--set a.b=c`` overrides are applied before
validation.
The resolved recipe is saved as ``recipe.yaml`` in the run directory, and a
resumed run reads that copy, never the original file.

Sections, in the order the outer loop (`distill.flywheel.loop`) uses them::

    domain    which game (registry id + keyword arguments)
    network   distill.nets.config.NetConfig
    search    distill.search.config.SearchConfig (the full, recorded search)
    selfplay  games per generation, temperature, resignation, playout caps
    credit    distill.credit.ValueTargetConfig (value target: z, λ-returns, mixes;
              policy loss: distillation, REINFORCE, GAE actor-critic)
    replay    window of recent positions, symmetry augmentation
    learner   optimizer and steps per generation
    arena     rating pool, games, error-rate positions
    ladder    games against fixed outside opponents every k generations (off by default)
    budget    generations, wall-clock limit, stop criteria

Derived values (rounds of self-play per generation, arena simulations, ...)
are computed in one visible place: `derive`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from distill.config import apply_overrides, dump_yaml, from_dict, load_yaml
from distill.credit import ValueTargetConfig
from distill.devices import DeviceChoice, PrecisionChoice
from distill.errors import ConfigError, DistillError
from distill.nets.config import NetConfig
from distill.registry import make
from distill.search.config import SearchConfig


@dataclass(frozen=True)
class DomainSection:
    """The game to learn."""

    id: str = "tictactoe"
    """Registry id (``distill domains`` lists them), e.g. ``tictactoe`` or ``connect4``."""
    kwargs: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the domain's ``make`` (e.g. ``{size: 9, komi: 7.5}`` for Go)."""
    sizes: tuple[int, ...] = ()
    """Board sizes of one net that serves several (``[9, 13, 19]`` for Go): passed to the
    domain's ``make`` as ``sizes``; self-play draws a size per game and the arena plays
    the first. Empty = the domain's one board (``kwargs``)."""

    def __post_init__(self) -> None:
        if not self.sizes:
            return
        given = self.kwargs.get("sizes")
        if given is not None and tuple(given) != self.sizes:
            raise ValueError(f"sizes {list(self.sizes)} and kwargs.sizes {given} differ")
        # every caller builds the domain as make(id, **kwargs): carry the sizes there
        object.__setattr__(self, "kwargs", {**self.kwargs, "sizes": list(self.sizes)})


@dataclass(frozen=True)
class SelfPlaySection:
    """How self-play games are generated (`distill.flywheel.selfplay`)."""

    games_per_generation: int = 64
    """Finished games written to replay per generation."""
    concurrent_games: int = 64
    """G: games searched together in one batch (one evaluator call per search step)."""
    temperature_moves: int = 4
    """For the first k plies of a game the move is sampled from the search's visit
    counts (with `temperature`); afterwards the most visited move is played."""
    temperature: float = 1.0
    """The move-choice temperature of the opening plies: PUCT samples ∝ N(a)^(1/T)
    (`Searcher.run`'s per-game temperature; Gumbel plays its own sampled winner)."""
    full_search_fraction: float = 1.0
    """Playout-cap randomization (Wu 2019, KataGo, sec. 3.1): probability that a move
    gets the full search (`search.num_simulations`, root noise, recorded as a policy
    target); the other moves get `cheap_simulations` without noise and train the value
    head only. 1.0 = every move is a full search."""
    cheap_simulations: int = 8
    """Simulations of a cheap (non-recorded-policy) search."""
    resign_threshold: float | None = None
    """Resign when the full search's root value (player to move) is below this, e.g.
    -0.95; None = never resign."""
    no_resign_fraction: float = 0.1
    """Fraction of games played to the end even past the resign threshold, to measure
    false resignations (AlphaGo Zero: 10%)."""
    max_moves: int | None = None
    """Cap on plies per game (a capped game counts as a draw); None = the domain's bound."""
    random_move_fraction: float = 0.0
    """Probability that a ply plays a uniformly random legal move instead of the
    search's (the position is still searched and recorded as usual). Self-play between
    two strong players never reaches positions that weaker play does, such as an
    unblocked threat; random moves put them in the data. 0 = off."""
    random_opening_plies: int = 0
    """N: each game opens with k uniformly random legal moves, k drawn per game uniformly
    from 0..N (the positions are still searched and recorded as usual), so the data
    holds opening positions that self-play's own openings never reach (an exact
    evaluation set drawn from random play is one such). 0 = off."""
    min_pass_ply: int = 0
    """N: self-play never passes in a game's first N plies while another legal move exists
    (domains with a pass move, `Domain.pass_action`: Go). A pass chosen earlier is replaced
    by the search's best other move (largest policy target, ties to the prior), and the
    policy target of those plies gives the pass nothing (it is renormalized over the other
    legal moves; the network's own policy with ``actor: policy``). It guards against the
    early pass collapse: when a young value head calls every move lost, black passes,
    white passes back and the empty board wins by komi (docs/go.md). Arena, ladder and
    play are not affected. 0 = off."""
    ray_actors: int | None = None
    """Self-play units with ``distill train --ray`` (one Ray actor each, playing whole
    rounds); None = one per GPU of the cluster, else one per node. Unused without --ray."""
    actors: int = 0
    """N self-play actor processes (`distill.actors.ActorPool`), each playing rounds of
    `concurrent_games` games at once, N rounds in parallel; at most this machine's cores.
    0 = self-play in the training process itself (best for small games)."""
    inference: Literal["auto", "server", "local"] = "auto"
    """With actors: who evaluates their leaves. ``server``: one inference process owns the
    device and batches every actor's leaves; ``local``: each actor its own copy of the
    net on its own core (faster on a CPU, measured in docs/benchmarks.md); ``auto``:
    server on a GPU, local on a CPU."""
    decoupled: bool = False
    """Self-play keeps running on the actors while the learner trains (as in KataGo):
    generation g+1's rounds are played with the weights of gen-g while the learner
    fits generation g, so a shard's weights are at most one version behind the learner;
    the learner's samples per new position are capped by
    `learner.max_samples_per_position` (`distill.flywheel.decoupled`). Needs ``actors``
    >= 1, or Ray units (``distill train --ray``); false = self-play and learning
    alternate."""
    actor: Literal["search", "policy"] = "search"
    """Who picks self-play's moves. ``search``: the full search (and playout caps) above.
    ``policy``: no search; every move is sampled from the network's policy at
    temperature 1 and recorded with the network's value, the on-policy actor of
    ``credit.policy_loss: reinforce`` and ``gae_actor_critic`` (temperature, playout-cap
    and search fields are then unused)."""

    def __post_init__(self) -> None:
        if self.ray_actors is not None and self.ray_actors < 1:
            raise ValueError(f"ray_actors must be >= 1 or null, got {self.ray_actors}")
        if self.actor not in ("search", "policy"):
            raise ValueError(f"actor must be 'search' or 'policy', got {self.actor!r}")
        if not 0.0 <= self.random_move_fraction < 1.0:
            raise ValueError(
                f"random_move_fraction must be in [0, 1), got {self.random_move_fraction}"
            )
        if self.random_opening_plies < 0:
            raise ValueError(f"random_opening_plies must be >= 0, got {self.random_opening_plies}")
        if self.min_pass_ply < 0:
            raise ValueError(f"min_pass_ply must be >= 0, got {self.min_pass_ply}")
        if self.games_per_generation < 1 or self.concurrent_games < 1:
            raise ValueError("games_per_generation and concurrent_games must be >= 1")
        if self.temperature_moves < 0 or not self.temperature > 0:
            raise ValueError("temperature_moves must be >= 0 and temperature > 0")
        if not 0.0 < self.full_search_fraction <= 1.0:
            raise ValueError(
                f"full_search_fraction must be in (0, 1], got {self.full_search_fraction}"
            )
        if self.cheap_simulations < 1:
            raise ValueError("cheap_simulations must be >= 1")
        if not 0.0 <= self.no_resign_fraction <= 1.0:
            raise ValueError("no_resign_fraction must be in [0, 1]")
        if self.resign_threshold is not None and not -1.0 < self.resign_threshold < 0.0:
            raise ValueError("resign_threshold must be in (-1, 0) or null")
        if self.max_moves is not None and self.max_moves < 1:
            raise ValueError("max_moves must be >= 1 or null")
        if self.actors < 0:
            raise ValueError(f"actors must be >= 0, got {self.actors}")
        rounds = self.rounds_per_generation
        if self.actors > rounds:
            raise ValueError(
                f"actors ({self.actors}) must be at most the rounds of a generation "
                f"(games_per_generation {self.games_per_generation} / concurrent_games "
                f"{self.concurrent_games} = {rounds}): an actor plays whole rounds, so the "
                "others would idle; lower concurrent_games or actors"
            )

    @property
    def rounds_per_generation(self) -> int:
        """Rounds of `concurrent_games` games that make a generation (one shard each)."""
        return math.ceil(self.games_per_generation / self.concurrent_games)


@dataclass(frozen=True)
class ReplaySection:
    """The training window over replay shards (`distill.replay`)."""

    window_positions: int = 20_000
    """The learner samples from the most recent N positions."""
    augment: bool = True
    """Random board symmetry per sample (the domain's `cell_perms` / `action_perms`)."""

    def __post_init__(self) -> None:
        if self.window_positions < 1:
            raise ValueError("window_positions must be >= 1")


Schedule = Literal["constant", "cosine"]


@dataclass(frozen=True)
class LearnerSection:
    """One generation of gradient steps (`distill.learn`)."""

    steps_per_generation: int = 100
    """Optimizer steps per generation."""
    batch_size: int = 128
    """Positions per step."""
    optimizer: Literal["adamw", "sgd"] = "adamw"
    """AdamW, or SGD with Nesterov momentum (AlphaZero)."""
    lr: float = 1e-3
    """Learning rate."""
    weight_decay: float = 1e-4
    """Decoupled weight decay (AdamW) or L2 (SGD)."""
    momentum: float = 0.9
    """SGD's Nesterov momentum; with AdamW, its beta1 (the decay of the first-moment
    average; beta2 stays 0.999)."""
    policy_weight: float = 1.0
    """Weight of the policy cross-entropy."""
    value_weight: float = 1.0
    """Weight of the value loss."""
    aux_weight: float = 0.25
    """Weight of the auxiliary losses (short-term values, ownership) where the net has them."""
    score_weight: float = 0.25
    """Weight of the score-margin loss (Huber on margin / board cells) where the net has a
    score head (``network.heads.score``) and the domain offers a final score."""
    schedule: Schedule = "cosine"
    """Learning-rate schedule over the whole run (cosine decays to `min_lr_ratio`)."""
    warmup_steps: int = 0
    """Linear warmup steps at the start of the run."""
    min_lr_ratio: float = 0.1
    """Final learning rate of the cosine schedule, as a fraction of `lr`."""
    max_samples_per_position: float = 4.0
    """With ``selfplay.decoupled``: the cap on learner samples (steps x `batch_size`) per
    self-play position, over the whole run (KataGo's ``-max-train-bucket-per-new-data``,
    4 in its asynchronous runs). A generation's fit takes at most that many steps, fewer
    when self-play has not produced enough positions yet. Unused otherwise."""
    devices: int = 1
    """Learner processes: N > 1 trains data-parallel with Lightning DDP, one process per
    GPU (or per CPU process with gloo); `batch_size` stays the global batch, split evenly
    (`distill.learn.ddp`)."""

    def __post_init__(self) -> None:
        if self.devices < 1 or self.batch_size % self.devices:
            raise ValueError(
                f"devices must be >= 1 and divide batch_size ({self.batch_size}), "
                f"got {self.devices}"
            )
        if self.steps_per_generation < 0 or self.batch_size < 1:
            raise ValueError("steps_per_generation must be >= 0 and batch_size >= 1")
        if not self.lr > 0 or self.weight_decay < 0:
            raise ValueError("lr must be > 0 and weight_decay >= 0")
        weights = (self.policy_weight, self.value_weight, self.aux_weight, self.score_weight)
        if min(weights) < 0:
            raise ValueError("loss weights must be >= 0")
        if not self.max_samples_per_position > 0:
            raise ValueError(
                f"max_samples_per_position must be > 0, got {self.max_samples_per_position}"
            )


@dataclass(frozen=True)
class ArenaSection:
    """Evaluation after each generation (`distill.arena`): rating games against a pool,
    exact error rates, the never-loses check. docs/ratings.md explains the pool."""

    every: int = 1
    """Evaluate every k generations (and always after the last one)."""
    simulations: int | None = None
    """Simulations of the evaluated search player; None = `search.num_simulations`."""
    references: tuple[str, ...] = ("random", "mcts:sims=16", "mcts:sims=64", "mcts:sims=256")
    """Fixed players of the rating pool as player specs (`distill.arena.specs`: ``random``,
    ``mcts:sims=N``, ``oracle`` where the domain has a solver, ``gnugo:level=N`` for Go),
    weakest first. The first is the anchor, rated 0."""
    calibration_games: int = 20
    """Games between each pair of neighbouring references, played once at the first arena
    (0 = none: the references are then rated through the networks' games only)."""
    checkpoints: int = 4
    """Earlier networks kept in the pool: those rated 1, 2, 4, ... arenas back, at most
    this many (0 = references only)."""
    opponents: int = 3
    """Pool members the new network plays at each arena: the previous network, then those
    whose results are least predictable under the current ratings."""
    rate_policy: bool = False
    """Also rate each network's raw policy (no search) against the pool, as its own curve:
    in small games the search hides what the network learned."""
    games: int = 20
    """Most games against each opponent (even: each opening is played with both colours)."""
    min_games: int = 4
    """Fewest games against each opponent (even; at most `games`)."""
    time_share: float | None = 0.1
    """Size the games between `min_games` and `games` so that arenas take about this share
    of the run's wall time so far (measured); None = always `games`."""
    opening_plies: int = 2
    """Every pair of rating games (colours swapped) starts after this many uniformly random
    plies, so deterministic players do not repeat one game; 0 = from the initial position."""
    error_positions: int = 64
    """Solver-scored positions per stone bucket for error rates (0 = skip); needs a solver."""
    perfect_play_check: bool = False
    """Exhaustively check that the search player never loses, whatever the opponent
    plays, as either colour. Only for games small enough to solve exactly: the recipe
    is refused for a domain without an exact solver."""

    def __post_init__(self) -> None:
        counts = (self.games, self.min_games, self.calibration_games)
        if min(*counts, self.error_positions, self.opening_plies, self.checkpoints) < 0:
            raise ValueError(
                "games, min_games, calibration_games, error_positions, opening_plies and "
                "checkpoints must be >= 0"
            )
        if any(n % 2 for n in counts):
            raise ValueError("games, min_games and calibration_games must be even")
        if self.every < 1 or self.opponents < 1:
            raise ValueError("every and opponents must be >= 1")
        if self.simulations is not None and self.simulations < 1:
            raise ValueError("simulations must be >= 1 or null")
        if self.time_share is not None and not 0.0 < self.time_share < 1.0:
            raise ValueError(f"time_share must be in (0, 1) or null, got {self.time_share}")


@dataclass(frozen=True)
class LadderSection:
    """The ladder inside the run (`distill.gtp.ladder`, the same games as ``distill
    ladder``): every `every` generations, and after the last one, the new checkpoint plays
    `games` games against each opponent from balanced openings. Its Elo (GNU Go level 10 =
    0, through the measured GNU Go levels) and its wall time go into metrics.csv; the
    time counts against the run's budget. Off (0) by default: only Go offers it."""

    every: int = 0
    """Play the ladder every k generations and after the last one (0 = never)."""
    opponents: tuple[str, ...] = ("random", "gnugo:level=0")
    """Opponent player specs (`distill.arena.specs`); ``gnugo:level=0/5/10`` carry a known
    rating, others count in the win-rate table only."""
    games: int = 10
    """Games against each opponent (pairs share an opening, colours swapped)."""
    seconds_per_move: float | None = None
    """The agent's search time per move; None = a fixed number of simulations."""
    simulations: int | None = None
    """The agent's simulations per move; None = the arena's (`Derived.arena_simulations`)."""
    opening_plies: int = 2
    """Moves of each balanced opening (0, 1 or 2)."""
    resign: float | None = None
    """The agent resigns below this root value, in (-1, 0); null = it plays every game
    out (a lost game against GNU Go then runs on until the agent has no stone left)."""
    jobs: int = 1
    """Ladder games played at once, one process each (at most the machine's cores; the
    actors of decoupled self-play may still be playing while it runs)."""

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise ValueError(f"jobs must be >= 1, got {self.jobs}")
        if self.resign is not None and not -1.0 < self.resign < 0.0:
            raise ValueError(f"resign must be in (-1, 0) or null, got {self.resign}")
        if self.every < 0:
            raise ValueError(f"every must be >= 0 (0 = no ladder), got {self.every}")
        if self.games < 1:
            raise ValueError(f"games must be >= 1, got {self.games}")
        if self.every and not self.opponents:
            raise ValueError("opponents must name at least one player spec")
        if self.seconds_per_move is not None and not self.seconds_per_move > 0:
            raise ValueError(f"seconds_per_move must be > 0 or null, got {self.seconds_per_move}")
        if self.simulations is not None and self.simulations < 1:
            raise ValueError("simulations must be >= 1 or null")
        if self.opening_plies not in (0, 1, 2):
            raise ValueError(f"opening_plies must be 0, 1 or 2, got {self.opening_plies}")


@dataclass(frozen=True)
class BudgetSection:
    """When the run stops."""

    generations: int = 10
    """Number of generations (self-play + learning + arena)."""
    max_minutes: float | None = None
    """Stop after the generation during which this much wall time elapsed; None = no limit."""
    stop_when_perfect: bool = False
    """Stop as soon as the arena's perfect-play check passes."""

    def __post_init__(self) -> None:
        if self.generations < 1:
            raise ValueError("generations must be >= 1")
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError("max_minutes must be > 0 or null")


@dataclass(frozen=True)
class Recipe:
    """A whole run: every knob, with its default, in one frozen tree."""

    name: str = "run"
    """Run name; the default run directory is ``runs/<name>``."""
    seed: int = 0
    """Master seed: every random stream (self-play, learner, arena) derives from it."""
    threads: int = 1
    """torch intra-op threads (the machine's cores are shared with numba search)."""
    device: DeviceChoice = "auto"
    """Where self-play inference and the learner run: ``cuda``, ``cpu``, or ``auto``: cuda
    where torch sees a CUDA GPU, else cpu (`distill.devices`; the number format is
    `precision`). ``cuda`` on a machine without one is refused before anything is
    written."""
    precision: PrecisionChoice = "auto"
    """Number format of the network's work: ``float32``; ``bfloat16`` (inference under
    bfloat16 autocast, the learner in Lightning's ``bf16-mixed`` with float32 weights);
    ``auto``: bfloat16 on CUDA, float32 on a CPU. Every evaluation of the run follows it
    (self-play, arena, and players loaded from the run). On a CPU with native bfloat16
    (AVX512-BF16, AMX) it is faster (docs/benchmarks.md); elsewhere slower."""
    domain: DomainSection = field(default_factory=DomainSection)
    """The game."""
    network: NetConfig = field(default_factory=NetConfig)
    """The policy-value network."""
    search: SearchConfig = field(default_factory=SearchConfig)
    """The full search of self-play (its `num_simulations` is the full playout cap)."""
    selfplay: SelfPlaySection = field(default_factory=SelfPlaySection)
    """Self-play."""
    credit: ValueTargetConfig = field(default_factory=ValueTargetConfig)
    """Value targets (z, q, their mix, or λ-returns over the search values; see
    `distill.credit`) and the policy loss (distillation of the search policy, or a
    policy gradient with its advantages), computed when the learner reads replay."""
    replay: ReplaySection = field(default_factory=ReplaySection)
    """Replay window."""
    learner: LearnerSection = field(default_factory=LearnerSection)
    """Optimization."""
    arena: ArenaSection = field(default_factory=ArenaSection)
    """Evaluation."""
    ladder: LadderSection = field(default_factory=LadderSection)
    """Games against outside opponents (Go: GNU Go) during the run; off by default."""
    budget: BudgetSection = field(default_factory=BudgetSection)
    """Stop criteria."""

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if self.threads < 1:
            raise ValueError("threads must be >= 1")
        if not self.name or "/" in self.name:
            raise ValueError(f"name must be a non-empty file name, got {self.name!r}")
        if self.selfplay.decoupled and self.credit.policy_loss != "distill":
            raise ValueError(
                f"selfplay.decoupled plays with weights one version behind the learner, and "
                f"credit.policy_loss: {self.credit.policy_loss} is on-policy; use "
                f"policy_loss: distill or selfplay.decoupled: false"
            )
        if self.selfplay.actor == "policy" and self.credit.policy_loss == "distill":
            raise ValueError(
                "selfplay.actor: policy records no search policy to distill; use "
                "credit.policy_loss: reinforce or gae_actor_critic, or selfplay.actor: search"
            )


@dataclass(frozen=True)
class Derived:
    """Values computed from a recipe (never set directly)."""

    rounds_per_generation: int
    """Self-play rounds of `concurrent_games` games per generation (one shard each)."""
    games_per_round: int
    """Games per round: min(concurrent_games, games_per_generation)."""
    arena_simulations: int
    """Simulations of the evaluated search player."""
    resigning: bool
    """Whether self-play may resign at all."""
    total_learner_steps: int
    """Optimizer steps of the whole run (the cosine schedule's length)."""


def derive(recipe: Recipe) -> Derived:
    """The one place where derived values are computed."""
    sp = recipe.selfplay
    per_round = min(sp.concurrent_games, sp.games_per_generation)
    return Derived(
        rounds_per_generation=sp.rounds_per_generation,
        games_per_round=per_round,
        arena_simulations=recipe.arena.simulations or recipe.search.num_simulations,
        resigning=sp.resign_threshold is not None,
        total_learner_steps=recipe.budget.generations * recipe.learner.steps_per_generation,
    )


def load_recipe(path: str | Path, overrides: tuple[str, ...] | list[str] = ()) -> Recipe:
    """Read a recipe (a YAML file, or a built-in recipe by name: `find_recipe`), apply
    ``a.b=c`` overrides, validate strictly.

    Beyond the types, a recipe must name its game (``domain: {id: ...}``), the domain
    must build with its kwargs, and what the recipe asks of the domain must be offered
    (every arena reference must be a player the domain can build, e.g. ``oracle`` needs
    its exact solver; the perfect-play check needs the solver too; an ownership or score
    head needs a domain that offers those targets), so that nothing is written for a
    recipe that cannot run.
    """
    data = apply_overrides(load_yaml(find_recipe(path)), list(overrides))
    recipe = from_dict(Recipe, data)
    if not isinstance(data.get("domain"), dict) or "id" not in data["domain"]:
        raise ConfigError(f"{path}: the recipe must name its game: domain: {{id: <domain id>}}")
    try:
        domain = make(recipe.domain.id, **recipe.domain.kwargs)
    except DistillError as exc:
        raise ConfigError(f"{path}: domain: {exc}") from None
    _require_offers(path, recipe, domain)
    return recipe


def _require_offers(path: str | Path, recipe: Recipe, domain: Any) -> None:
    """ConfigError naming the first field that asks the domain for what it does not offer."""
    from distill.arena.pool import check_references
    from distill.flywheel.early_pass import check_pass_guard

    if domain.solver is None and recipe.arena.perfect_play_check:
        raise ConfigError(
            f"{path}: arena.perfect_play_check: true needs a domain with an exact solver, "
            f"and domain {recipe.domain.id!r} offers none (its Domain sets no 'solver')"
        )
    try:
        check_references(recipe.arena.references, domain)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    _check_ladder(path, recipe, domain)
    plane = domain.board_mask_plane
    if plane is not None and recipe.network.mask_plane != plane:
        raise ConfigError(
            f"{path}: network.mask_plane must be {plane}: domain {recipe.domain.id!r} pads "
            f"its boards into a bigger frame and marks the board in plane {plane}, got "
            f"{recipe.network.mask_plane}"
        )
    try:
        check_pass_guard(domain, recipe.selfplay.min_pass_ply)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    heads = recipe.network.heads
    for head, offered in (("ownership", domain.ownership), ("score", domain.final_score)):
        if getattr(heads, head) and offered is None:  # the head would never get a target
            raise ConfigError(
                f"{path}: network.heads.{head} needs a domain that offers "
                f"{'ownership' if head == 'ownership' else 'final_score'}; "
                f"{recipe.domain.id} does not"
            )
    if recipe.search.uses_score_utility and not heads.score:
        raise ConfigError(
            f"{path}: search.score_utility_static / score_utility_dynamic need a network "
            "with a score head: set network.heads.score: true"
        )


def _check_ladder(path: str | Path, recipe: Recipe, domain: Any) -> None:
    """ConfigError when the recipe's ladder cannot run: a game without balanced openings
    (not Go), or an opponent that does not start (each is started once, then closed)."""
    if not recipe.ladder.every:
        return
    import numpy as np

    from distill.arena.specs import start_players
    from distill.gtp.ladder import balanced_openings

    try:
        balanced_openings(domain, 1, np.random.default_rng(0), recipe.ladder.opening_plies)
        for player in start_players(domain, recipe.ladder.opponents):
            player.close()
    except DistillError as exc:  # a bad spec (ConfigError) or an engine that fails (GtpError)
        raise ConfigError(f"{path}: ladder: {exc}") from None


def builtin_recipes() -> dict[str, Path]:
    """The recipes shipped with distill (package ``distill.recipes``): name -> file."""
    from importlib.resources import files

    folder = Path(str(files("distill.recipes")))
    return {p.stem: p for p in sorted(folder.glob("*.yaml"), key=lambda p: p.stem)}


def find_recipe(name_or_path: str | Path) -> Path:
    """The recipe file `name_or_path` means: an existing file, else a built-in recipe by
    name (``tictactoe``, ``connect4``; `builtin_recipes`). ConfigError lists the
    built-in names when it is neither."""
    path = Path(name_or_path)
    if path.exists():
        return path
    builtin = builtin_recipes()
    if path.parent == Path(".") and path.stem in builtin and path.suffix in ("", ".yaml"):
        return builtin[path.stem]
    names = ", ".join(builtin)
    raise ConfigError(
        f"{name_or_path}: no such recipe file, and no built-in recipe of that name "
        f"(built-in: {names}; 'distill recipes' describes them)"
    )


def recipe_to_yaml(recipe: Recipe) -> str:
    """The resolved recipe as YAML (every field, defaults included)."""
    return dump_yaml(recipe)


__all__ = [
    "ArenaSection",
    "BudgetSection",
    "Derived",
    "DomainSection",
    "LadderSection",
    "LearnerSection",
    "Recipe",
    "ReplaySection",
    "SelfPlaySection",
    "builtin_recipes",
    "derive",
    "find_recipe",
    "load_recipe",
    "recipe_to_yaml",
]
