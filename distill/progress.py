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
from distill.recipe import Recipe

#: Metrics shown from the arena, in this order, when present.
SHOWN_EVALUATION = (
    "elo",
    "vs_random_win",
    "vs_oracle_loss",
    "vs_previous_win",
    "search_err_middle",
    "policy_err_middle",
    "perfect",
)


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
        self.fields["generation"] = f"{generation + 1}/{self.total_generations}"
        self.fields["self-play"] = f"round {rounds_done}/{rounds}"
        self.fields["positions/s"] = f"{batch.stats['positions_per_second']:.0f}"
        self._refresh()

    def learned(self, generation: int, metrics: dict[str, float]) -> None:
        if metrics:
            self.fields["loss (policy, value)"] = (
                f"{metrics.get('mean/policy', float('nan')):.3f}, "
                f"{metrics.get('mean/value', float('nan')):.3f}"
            )
            self.fields["learner samples/s"] = f"{metrics.get('samples_per_s', 0.0):.0f}"
        self._refresh()

    def evaluated(self, generation: int, metrics: dict[str, Any], state: RunState) -> None:
        self.fields["games"] = str(state.games)
        shown = [f"{k}={_fmt(metrics[k])}" for k in SHOWN_EVALUATION if k in metrics]
        if shown:
            self.fields["evaluation"] = " ".join(shown)
        self._refresh()
        if not self.live_mode and not self.quiet:
            loss = metrics.get("loss")
            parts = [f"gen {generation + 1}/{self.total_generations}", f"games {state.games}"]
            if "selfplay_positions_per_s" in metrics:  # absent after a resume past self-play
                parts.append(f"pos/s {metrics['selfplay_positions_per_s']:.0f}")
            if loss is not None:
                parts.append(f"loss {loss:.3f}")
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
        print(
            f"finished {state.generation} generations, {state.games} games, "
            f"{state.learner_steps} learner steps in {session_seconds:.1f} s this session "
            f"({state.elapsed_s:.1f} s in all){verdict}",
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


def _fmt(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


__all__ = ["Progress"]
