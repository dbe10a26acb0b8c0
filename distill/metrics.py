"""The typed metrics record: one row of ``metrics.csv`` per generation.

The outer loop builds a `GenerationMetrics` from typed parts (`FitMetrics`,
`SelfPlayMetrics`, `ArenaMetrics` with its `ErrorRates`, `LadderMetrics`), `distill.progress`
shows it, and `distill.report` reads it back with `GenerationMetrics.from_row`.
Every column is declared once, here, with its unit and meaning (`columns()`
lists them; docs/ratings.md shows the table); the only composed column names,
the exact error rates per player and position bucket, are made and parsed by
one pair of functions (`error_columns`, `parse_error_column`). A cell that is
empty (a generation without an arena, a domain without a solver) reads back as
None. metrics.csv stays a plain CSV; columns of older runs that no longer
exist (``vs_random_win`` ...) are ignored on reading.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Column:
    """One column of metrics.csv: its header, unit and meaning."""

    name: str
    unit: str
    meaning: str


def _column(name: str, unit: str, meaning: str, kind: type = float, default: Any = None) -> Any:
    """A dataclass field stored in the CSV column `name`, parsed back with `kind`."""
    metadata = {"column": Column(name, unit, meaning), "kind": kind}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class FitMetrics:
    """The learner's generation (means over its optimizer steps)."""

    loss: float | None = _column("loss", "loss", "total loss: policy + value + auxiliary")
    loss_policy: float | None = _column(
        "loss_policy", "nats", "policy loss: cross-entropy, or -log π(move played) · advantage"
    )
    policy_entropy: float | None = _column(
        "policy_entropy", "nats", "entropy of the network's policy over legal moves"
    )
    loss_value: float | None = _column("loss_value", "loss", "value loss")
    loss_ownership: float | None = _column(
        "loss_ownership", "loss", "ownership loss (nets with an ownership head)"
    )
    loss_score: float | None = _column("loss_score", "loss", "score loss (nets with a score head)")
    samples_per_s: float | None = _column("learn_samples_per_s", "1/s", "learner samples per s")
    seconds: float | None = _column("learn_s", "s", "wall time of the fit")
    samples_per_position: float | None = _column(
        "samples_per_position",
        "samples",
        "decoupled: learner samples so far / self-play positions so far (capped)",
    )

    @classmethod
    def from_fit(cls, out: Mapping[str, float]) -> FitMetrics | None:
        """From `distill.learn.fit_generation`'s summary (None after a resume past the fit)."""
        if not out:
            return None
        return cls(
            loss=out.get("mean/loss"),
            loss_policy=out.get("mean/policy"),
            policy_entropy=out.get("mean/entropy"),
            loss_value=out.get("mean/value"),
            loss_ownership=out.get("mean/ownership"),
            loss_score=out.get("mean/score"),
            samples_per_s=out.get("samples_per_s"),
            seconds=out.get("seconds"),
            samples_per_position=out.get("samples_per_position"),
        )


@dataclass(frozen=True)
class SelfPlayMetrics:
    """The generation's self-play rounds, summed."""

    positions_per_s: float | None = _column(
        "selfplay_positions_per_s", "1/s", "self-play positions per second of self-play"
    )
    eval_share: float | None = _column(
        "selfplay_eval_share", "fraction", "share of self-play time in network evaluation"
    )
    seconds: float | None = _column("selfplay_s", "s", "wall time of self-play")
    resigned: int | None = _column("resigned", "games", "games ended by resignation", int)
    false_resign: int | None = _column(
        "false_resign", "games", "played-out games whose would-be resigner did not lose", int
    )
    would_resign: int | None = _column(
        "would_resign", "games", "played-out games that passed the resign threshold", int
    )
    staleness: float | None = _column(
        "staleness",
        "versions",
        "decoupled: learner version minus the weights version of the shards new to this "
        "fit, mean over those shards",
    )
    staleness_max: int | None = _column(
        "staleness_max", "versions", "decoupled: the largest such staleness", int
    )
    wait_s: float | None = _column(
        "learner_wait_s", "s", "decoupled: wall time the learner waited for self-play's rounds"
    )


@dataclass(frozen=True)
class ErrorRates:
    """Exact error rates of one player on one solver-scored position bucket.

    Attributes:
        player: ``"policy"`` (the raw network) or ``"search"`` (the arena's search).
        bucket: the domain's evaluation bucket (`Domain.eval_buckets`), e.g. ``"middle"``.
        not_optimal: share of moves scored below the position's best score.
        outcome_change: share of moves that turn a win into a draw or loss, or a draw
            into a loss.
    """

    player: str
    bucket: str
    not_optimal: float
    outcome_change: float


#: How the two rates of `ErrorRates` are named in column headers (kept from older runs).
_ERROR_KINDS = (("err", "not_optimal"), ("blunder", "outcome_change"))


def error_columns(player: str, bucket: str) -> tuple[str, str]:
    """Column names of (not_optimal, outcome_change) for `player` on `bucket`.

    `player` must not contain ``_`` (``policy``, ``search``); `bucket` may.
    """
    return tuple(f"{player}_{tag}_{bucket}" for tag, _ in _ERROR_KINDS)  # type: ignore[return-value]


def parse_error_column(name: str) -> tuple[str, str, str] | None:
    """(player, bucket, "not_optimal" or "outcome_change") of an error column, else None."""
    player, _, rest = name.partition("_")
    for tag, kind in _ERROR_KINDS:
        if rest.startswith(tag + "_") and player and len(rest) > len(tag) + 1:
            return player, rest[len(tag) + 1 :], kind
    return None


@dataclass(frozen=True)
class ArenaMetrics:
    """One arena: rating games, exact error rates, the never-loses check."""

    elo: float | None = _column(
        "elo", "Elo", "rating of the new network (anchor: the first reference = 0)"
    )
    elo_ci95: float | None = _column("elo_ci95", "Elo", "half-width of its 95% interval")
    policy_elo: float | None = _column(
        "policy_elo", "Elo", "rating of the new network's raw policy (arena.rate_policy)"
    )
    policy_elo_ci95: float | None = _column(
        "policy_elo_ci95", "Elo", "half-width of its 95% interval"
    )
    games: int | None = _column("arena_games", "games", "rating games played at this arena", int)
    score: float | None = _column(
        "arena_score", "fraction", "the new network's mean score in its games (draw = 1/2)"
    )
    opponents: str | None = _column(
        "arena_opponents", "names", "pool members it played, space separated", str
    )
    seconds: float | None = _column("arena_s", "s", "wall time of the arena")
    share: float | None = _column(
        "arena_share", "fraction", "arena time so far / run wall time so far"
    )
    perfect: bool | None = _column(
        "perfect", "0/1", "the search player never loses (exhaustive check)", bool
    )
    losing_lines: int | None = _column(
        "losing_lines", "lines", "lines of play the search player loses", int
    )
    improve: float | None = _column(
        "search_improve", "fraction", "scored positions where the search's move beats the policy's"
    )
    worse: float | None = _column(
        "search_worse", "fraction", "scored positions where the search's move is worse (MCTS hurts)"
    )
    value_mse: float | None = _column(
        "value_mse", "value²", "value head vs the exact value (+1/0/-1) on scored positions"
    )
    value_ece: float | None = _column(
        "value_ece", "value", "expected calibration error of the value head (10 bins)"
    )
    policy_wins_taken: float | None = _column(
        "policy_wins_taken", "fraction", "raw policy takes an immediate win where one exists"
    )
    search_wins_taken: float | None = _column(
        "search_wins_taken", "fraction", "search takes an immediate win where one exists"
    )
    policy_losses_blocked: float | None = _column(
        "policy_losses_blocked", "fraction", "raw policy avoids moves that let the opponent win"
    )
    search_losses_blocked: float | None = _column(
        "search_losses_blocked", "fraction", "search avoids moves that let the opponent win"
    )
    errors: tuple[ErrorRates, ...] = ()


@dataclass(frozen=True)
class LadderMetrics:
    """One ladder inside the run (`distill.gtp.ladder`; recipe section ``ladder``)."""

    elo: float | None = _column(
        "ladder_elo", "Elo", "ladder rating of the new network (scale: `ladder_anchor`)"
    )
    elo_low: float | None = _column("ladder_elo_low", "Elo", "low end of its 95% interval")
    elo_high: float | None = _column("ladder_elo_high", "Elo", "high end of its 95% interval")
    anchor: str | None = _column(
        "ladder_anchor", "text", "what the ladder Elo is relative to (or why there is none)", str
    )
    games: int | None = _column("ladder_games", "games", "ladder games played", int)
    win_rates: str | None = _column(
        "ladder_win_rates", "names", "opponent=win rate (draw = 1/2), space separated", str
    )
    seconds: float | None = _column("ladder_s", "s", "wall time of the ladder")
    share: float | None = _column(
        "ladder_share", "fraction", "ladder time so far / run wall time so far"
    )


@dataclass(frozen=True)
class GenerationMetrics:
    """One row of metrics.csv: counters after the generation, then its parts."""

    generation: int = _column("generation", "", "0-based generation index", int, 0)
    games: int = _column("games", "games", "self-play games written so far", int, 0)
    positions: int = _column("positions", "positions", "positions written so far", int, 0)
    learner_steps: int = _column("learner_steps", "steps", "optimizer steps so far", int, 0)
    elapsed_s: float = _column("elapsed_s", "s", "run wall time so far, all sessions", float, 0.0)
    fit: FitMetrics | None = None
    selfplay: SelfPlayMetrics | None = None
    arena: ArenaMetrics | None = None
    ladder: LadderMetrics | None = None

    def to_row(self) -> dict[str, Any]:
        """The CSV row: column -> value (None cells left out)."""
        row = _flat(self)
        for part in (self.fit, self.selfplay, self.arena, self.ladder):
            if part is not None:
                row.update(_flat(part))
        for rates in self.arena.errors if self.arena else ():
            names = error_columns(rates.player, rates.bucket)
            row.update(zip(names, (rates.not_optimal, rates.outcome_change), strict=True))
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, str | None]) -> GenerationMetrics:
        """Read a CSV row back (ValueError naming the column of a cell that is no number)."""
        arena = _parse(ArenaMetrics, row)
        errors = _errors(row)
        if errors:
            arena = dataclasses.replace(arena or ArenaMetrics(), errors=errors)
        base = _parse(cls, row) or cls()
        return dataclasses.replace(
            base,
            fit=_parse(FitMetrics, row),
            selfplay=_parse(SelfPlayMetrics, row),
            arena=arena,
            ladder=_parse(LadderMetrics, row),
        )


def columns() -> list[Column]:
    """Every fixed column, in CSV order (the error columns follow, per player and bucket)."""
    return [
        f.metadata["column"]
        for part in (GenerationMetrics, FitMetrics, SelfPlayMetrics, ArenaMetrics, LadderMetrics)
        for f in dataclasses.fields(part)
        if "column" in f.metadata
    ]


def _flat(record: Any) -> dict[str, Any]:
    """column -> value of the column fields of one record (None left out)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        value = getattr(record, f.name)
        if "column" in f.metadata and value is not None:
            out[f.metadata["column"].name] = float(value) if f.metadata["kind"] is bool else value
    return out


def _parse(cls: Any, row: Mapping[str, str | None]) -> Any:
    """An instance of `cls` from its columns in `row`; None when every one is empty."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if "column" not in f.metadata:
            continue
        name, kind = f.metadata["column"].name, f.metadata["kind"]
        text = row.get(name)
        if text in (None, ""):
            continue
        assert text is not None
        values[f.name] = _convert(text, kind, name)
    return cls(**values) if values else None


def _convert(text: str, kind: type, name: str) -> Any:
    if kind is str:
        return text
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"column {name!r}: {text!r} is not a number") from None
    if kind is int:
        return int(number)
    if kind is bool:
        return number != 0.0
    return number


def _errors(row: Mapping[str, str | None]) -> tuple[ErrorRates, ...]:
    """The `ErrorRates` whose two columns are both filled in `row`, in column order."""
    found: dict[tuple[str, str], dict[str, float]] = {}
    for name, text in row.items():
        parsed = parse_error_column(name) if name else None
        if parsed is None or text in (None, ""):
            continue
        assert text is not None
        player, bucket, kind = parsed
        found.setdefault((player, bucket), {})[kind] = _convert(text, float, name)
    return tuple(
        ErrorRates(player, bucket, rates["not_optimal"], rates["outcome_change"])
        for (player, bucket), rates in found.items()
        if len(rates) == 2
    )


def parse_rows(rows: Iterable[Mapping[str, str | None]]) -> list[GenerationMetrics]:
    """`GenerationMetrics.from_row` of every row; ValueError names the CSV line (header = 1)."""
    out = []
    for line, row in enumerate(rows, start=2):
        try:
            out.append(GenerationMetrics.from_row(row))
        except ValueError as exc:
            raise ValueError(f"metrics.csv line {line}: {exc}") from None
    return out


__all__ = [
    "ArenaMetrics",
    "Column",
    "ErrorRates",
    "FitMetrics",
    "GenerationMetrics",
    "LadderMetrics",
    "SelfPlayMetrics",
    "columns",
    "error_columns",
    "parse_error_column",
    "parse_rows",
]
