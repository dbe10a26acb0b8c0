"""The rating pool: who the new network plays at each arena.

The pool holds

* fixed references (``arena.references``, player specs such as ``random``,
  ``mcts:sims=64``, ``oracle``, ``gnugo:level=5``), weakest first; the first is
  the anchor, rated 0. Neighbouring references play each other once
  (``arena.calibration_games``), so their ratings do not rest on the network's
  games alone; so do the run's starting network (``gen-00000``: untrained, or the
  weights of `distill pretrain` or `distill export`) and the anchor, which gives the
  Elo curve its first point;
* earlier networks: of the networks rated so far (newest last), the ones
  1, 2, 4, 8, ... arenas back (``arena.checkpoints`` of them at most), so the
  pool stays small (logarithmic in the run's length) while still reaching back
  to the start of the run.

Each arena the new network plays the previous rated network, which chains its
rating to the last one, and the pool members whose games tell most about it:
under the current fit, those with the largest p(1 - p), p the expected score
of the new network estimated at its predecessor's rating. That is the Fisher
information of one game about the rating difference, so the games go where
the result is not a foregone conclusion (a network that beats random every
time learns nothing more from random).

With ``arena.rate_policy`` each network is rated twice: as its search player and
as its raw policy (``gen-NNNNN:policy``), each with its own chain of predecessors.
In small games the search hides what the network learned (in tic-tac-toe, 32
simulations on an untrained network already play close to perfectly); the raw
policy's curve shows it.
"""

from __future__ import annotations

from collections.abc import Sequence

from distill.arena.ratings import RatingFit, expected_score
from distill.domain import Domain
from distill.errors import ConfigError, DistillError

CHECKPOINT_PREFIX = "gen-"
#: The variant of a network player: its search at ``arena.simulations`` (no suffix) or
#: its raw policy (``gen-NNNNN:policy``, with ``arena.rate_policy``).
SEARCH, POLICY = "", "policy"


def checkpoint_player(generation: int, variant: str = SEARCH) -> str:
    """Pool name of the network trained for `generation` + 1 generations: ``gen-NNNNN``
    (its checkpoint file's stem) for its search player, ``gen-NNNNN:policy`` for its raw
    policy."""
    name = f"{CHECKPOINT_PREFIX}{generation + 1:05d}"
    return f"{name}:{variant}" if variant else name


def parse_checkpoint(name: str) -> tuple[int, str] | None:
    """(generations trained, variant) of a network player's name; None for a reference."""
    base, _, variant = name.partition(":")
    digits = base.removeprefix(CHECKPOINT_PREFIX)
    if base.startswith(CHECKPOINT_PREFIX) and digits.isdigit() and variant in (SEARCH, POLICY):
        return int(digits), variant
    return None


def checkpoint_generation(name: str) -> int | None:
    """Generations trained into the network player `name`; None for a reference."""
    parsed = parse_checkpoint(name)
    return parsed[0] if parsed else None


def kept_checkpoints(rated: Sequence[str], keep: int) -> list[str]:
    """Of `rated` checkpoints (oldest first), those 1, 2, 4, ... back; at most `keep`,
    newest first."""
    picks: list[str] = []
    back = 1
    while back <= len(rated) and len(picks) < keep:
        picks.append(rated[-back])
        back *= 2
    return picks


def choose_opponents(
    candidates: Sequence[str], fit: RatingFit, estimate: float, count: int, first: str | None
) -> list[str]:
    """`count` opponents among `candidates` (see the module docstring).

    Args:
        candidates: pool names (those not in `fit` yet count as most informative).
        fit: the current ratings.
        estimate: the new network's assumed rating (its predecessor's).
        count: how many to choose (fewer when there are fewer candidates).
        first: always chosen (the previous network), or None.
    """
    chosen = [first] if first is not None else []

    def information(name: str) -> float:
        if name not in fit.names:  # never played: nothing is known, so a game tells most
            return 0.25
        p = expected_score(estimate - fit.rating(name).elo)
        return p * (1.0 - p)

    rest = sorted((c for c in candidates if c not in chosen), key=information, reverse=True)
    return (chosen + rest)[: max(count, len(chosen))]


def check_references(references: Sequence[str], domain: Domain) -> None:
    """ConfigError with one line when the pool cannot be built for `domain`.

    An empty pool, a duplicate, a malformed spec, or a reference the domain cannot
    build (``oracle`` without a solver, GNU Go not installed) is refused here, when
    the recipe loads, instead of in the middle of a run. Building a player starts
    no engine process (GTP players start on their first move).
    """
    from distill.arena.specs import make_player

    if not references:
        raise ConfigError(
            "arena.references: the rating pool is empty; list at least the anchor "
            "(e.g. [random, 'mcts:sims=64'])"
        )
    for i, spec in enumerate(references):
        if spec in references[:i]:
            raise ConfigError(f"arena.references[{i}]: {spec!r} is listed twice")
        if checkpoint_generation(spec) is not None:
            raise ConfigError(f"arena.references[{i}]: {spec!r} is a checkpoint name")
        try:
            make_player(spec, domain).close()
        except DistillError as exc:
            raise ConfigError(f"arena.references[{i}]: {exc}") from None


__all__ = [
    "CHECKPOINT_PREFIX",
    "POLICY",
    "SEARCH",
    "check_references",
    "checkpoint_generation",
    "checkpoint_player",
    "choose_opponents",
    "kept_checkpoints",
    "parse_checkpoint",
]
