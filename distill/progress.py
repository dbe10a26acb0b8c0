"""The training display: a live rich panel on a terminal, plain lines otherwise.

`Progress` receives events from the outer loop (`distill.flywheel.loop`): a self-play
round finished, a generation was learned, the arena reported. On a TTY it
shows one live panel (generation, games, positions/s, losses, latest
evaluation); when stdout is not a TTY (CI, ``| tee``, tests) it prints one
short plain line per generation and nothing else; ``quiet=True`` prints
nothing but the final summary.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from distill.flywheel.run_dir import RunState
from distill.metrics import ArenaMetrics, GenerationMetrics, LadderMetrics
from distill.recipe import Recipe


class Progress:
    """Receives loop events and shows them (see module docstring)."""

    def __init__(
        self, stream: TextIO | None = None, *, quiet: bool = False, live: bool | None = None
    ) -> None:
        self.stream = stream or sys.stdout
        self.quiet = quiet
        self.live_mode = self.stream.isatty() if live is None else live
        self.console = Console(file=self.stream, highlight=False)
        self.fields: dict[str, str] = {}
        self.total_generations = 0
        self.perfect_check = False
        self.arena_share: float | None = None
        self.ladder_share: float | None = None
        self._live: Live | None = None

    # -- events ----------------------------------------------------------------------------

    def start(self, recipe: Recipe, state: RunState) -> None:
        self.total_generations = recipe.budget.generations
        self.perfect_check = recipe.arena.perfect_play_check
        self.fields = {
            "run": recipe.name,
            "domain": recipe.domain.id,
            "generation": f"{state.generation}/{self.total_generations}",
            "games": str(state.games),
        }
        if self.live_mode and not self.quiet:
            self._live = Live(
                self._table(), console=self.console, refresh_per_second=4, transient=False
            )
            self._live.start()

    def note(self, text: str) -> None:
        """A one-off message (e.g. what a resume discarded)."""
        if not self.quiet:
            self.console.print(text)

    def selfplay(self, generation: int, rounds_done: int, rounds: int, batch: Any) -> None:
        """`batch`: the `distill.flywheel.rounds.RoundSummary` of the rounds just played."""
        self.fields["generation"] = f"{generation + 1}/{self.total_generations}"
        self.fields["self-play"] = f"round {rounds_done}/{rounds}"
        self.fields["positions/s"] = f"{batch.positions_per_second:.0f}"
        self._refresh()

    def learned(self, generation: int, metrics: dict[str, float]) -> None:
        if metrics:
            self.fields["loss (policy, value)"] = (
                f"{metrics.get('mean/policy', float('nan')):.3f}, "
                f"{metrics.get('mean/value', float('nan')):.3f}"
            )
            self.fields["learner samples/s"] = f"{metrics.get('samples_per_s', 0.0):.0f}"
        self._refresh()

    def evaluated(self, generation: int, metrics: GenerationMetrics, state: RunState) -> None:
        self.fields["games"] = str(state.games)
        stale = staleness_text(metrics)
        if stale:
            self.fields["staleness (decoupled)"] = stale
        shown = arena_summary(metrics.arena) if metrics.arena is not None else []
        if metrics.arena is not None and metrics.arena.share is not None:
            self.arena_share = metrics.arena.share
        if metrics.ladder is not None:
            shown += ladder_summary(metrics.ladder)
            self.ladder_share = metrics.ladder.share
        if shown:
            self.fields["evaluation"] = " ".join(shown)
        self._refresh()
        if not self.live_mode and not self.quiet:
            parts = [f"gen {generation + 1}/{self.total_generations}", f"games {state.games}"]
            selfplay, fit = metrics.selfplay, metrics.fit
            if selfplay is not None and selfplay.positions_per_s is not None:
                parts.append(f"pos/s {selfplay.positions_per_s:.0f}")
            if fit is not None and fit.loss is not None:
                parts.append(f"loss {fit.loss:.3f}")
            if stale:
                parts.append(f"staleness {stale}")
            print("  ".join(parts + shown), file=self.stream, flush=True)

    def finish(self, state: RunState, session_seconds: float) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        verdict = ""
        if state.perfect is not None:
            verdict = f"; perfect play (never loses) reached at generation {state.perfect}"
        elif self.perfect_check:
            verdict = "; perfect play NOT reached (the search player still loses some line)"
        share = ""
        if self.arena_share is not None:
            share = f"; arena {100 * self.arena_share:.1f}% of the wall time"
        if self.ladder_share is not None:
            share += f"; ladder {100 * self.ladder_share:.1f}% of the wall time"
        print(
            f"finished {state.generation} generations, {state.games} games, "
            f"{state.learner_steps} learner steps in {session_seconds:.1f} s this session "
            f"({state.elapsed_s:.1f} s in all){share}{verdict}",
            file=self.stream,
            flush=True,
        )

    # -- drawing ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        if self._live is not None:
            self._live.update(self._table())

    def _table(self) -> Table:
        table = Table(show_header=False, title="distill train", box=None)
        table.add_column(style="bold")
        table.add_column()
        for key, value in self.fields.items():
            table.add_row(key, value)
        return table


def staleness_text(metrics: GenerationMetrics) -> str:
    """Decoupled runs: the mean (max) weights staleness of the fit's new shards, the
    learner's samples per position and its wait for self-play; "" otherwise."""
    selfplay, fit = metrics.selfplay, metrics.fit
    if selfplay is None or selfplay.staleness is None:
        return ""
    text = f"{selfplay.staleness:.2f} (max {selfplay.staleness_max})"
    if fit is not None and fit.samples_per_position is not None:
        text += f", {fit.samples_per_position:.2f} samples/position"
    return text + f", learner waited {selfplay.wait_s or 0.0:.1f} s"


def arena_summary(arena: ArenaMetrics) -> list[str]:
    """Short ``key=value`` texts of an arena: Elo ± its 95% interval (of the raw policy
    too, where rated), the search player's score in the
    rating games, the search player's outcome-changing error rate per bucket, the
    never-loses verdict."""
    shown = []
    if arena.elo is not None:
        shown.append(f"elo={arena.elo:.0f}±{arena.elo_ci95 or 0.0:.0f}")
    if arena.policy_elo is not None:
        shown.append(f"policy_elo={arena.policy_elo:.0f}±{arena.policy_elo_ci95 or 0.0:.0f}")
    if arena.score is not None:
        shown.append(f"score={arena.score:.2f} in {arena.games} games")
    blunders = [e for e in arena.errors if e.player == "search"]
    if blunders:
        rates = "/".join(f"{100 * e.outcome_change:.0f}" for e in blunders)
        buckets = "/".join(e.bucket for e in blunders)
        shown.append(f"blunders%({buckets})={rates}")
    if arena.perfect is not None:
        shown.append(f"perfect={int(arena.perfect)}")
    return shown


def ladder_summary(ladder: LadderMetrics) -> list[str]:
    """Short texts of a ladder: its Elo with the 95% interval, and the win rates."""
    from distill.gtp.elo import EloEstimate

    shown = [f"ladder_elo={EloEstimate(ladder.elo, ladder.elo_low, ladder.elo_high).text()}"]
    if ladder.elo is None and ladder.elo_low is None and ladder.elo_high is None:
        shown = []  # no opponent of known rating: the win rates say it all
    return [*shown, f"ladder:{ladder.win_rates or ''}"]


__all__ = ["Progress", "arena_summary", "ladder_summary", "staleness_text"]
