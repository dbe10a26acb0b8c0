"""Clock settings from a GTP controller, turned into a thinking budget per move.

GTP 2 (section 4.2 and 6.3) describes Canadian byo-yomi with ``time_settings
main_time byo_yomi_time byo_yomi_stones`` (all times in seconds):

* ``byo_yomi_time > 0`` and ``byo_yomi_stones = 0`` means **no time limit**;
* ``byo_yomi_time = 0`` means **absolute** time (sudden death after main time);
* otherwise, after the main time, every period of ``byo_yomi_time`` seconds must
  hold ``byo_yomi_stones`` moves (Canadian overtime).

``time_left colour time stones`` reports the clock: ``stones = 0`` while the main
time runs, else the stones still due in the current byo-yomi period. The KGS
extension ``kgs-time_settings none | absolute MAIN | canadian MAIN BYO STONES |
byoyomi MAIN PERIOD PERIODS`` adds Japanese byo-yomi, where, by KGS's convention,
``time_left`` gives the periods left in place of the stones.

`Clock.budget` turns this into seconds for the next move:

* main time: ``left / expected own moves left + overtime share``, where the
  expected own moves left are ``max(MIN_MOVES_LEFT, (N*N - plies played) / 2)``
  (a conservative length: most games end before N*N plies) and the overtime share
  is what every move may use once the main time is gone (Canadian: period /
  stones; Japanese: one period);
* Canadian overtime: ``time left in the period / stones still due``;
* Japanese overtime: one period.

A safety margin is taken off: `SAFETY_FRACTION` of the budget plus `LAG_SECONDS`
for the controller's own delays (never below `MIN_SECONDS`). Between ``time_left``
reports the clock is kept by the engine itself (`Clock.spend`), so a controller
that only sends ``time_settings`` (Lizzie sends ``time_settings 0 T 1`` for "T
seconds per move") is honoured as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Kinds of clocks: no limit, sudden death, Canadian or Japanese byo-yomi.
NONE, ABSOLUTE, CANADIAN, JAPANESE = "none", "absolute", "canadian", "byoyomi"
#: Fraction of the raw budget kept in reserve (search overshoot, timer granularity).
SAFETY_FRACTION = 0.1
#: Seconds kept in reserve per move for the controller's and the pipe's delays.
LAG_SECONDS = 0.1
#: The smallest budget handed out (the search always completes one chunk).
MIN_SECONDS = 0.01
#: Main time is shared over at least this many own moves.
MIN_MOVES_LEFT = 10


@dataclass
class _Side:
    """One colour's clock: seconds left in main time or in the current period, and
    stones (Canadian) or periods (Japanese) left; 0 while the main time runs."""

    left: float
    stones: int = 0


@dataclass
class Clock:
    """The game clock as the controller set it (see the module docstring).

    Attributes:
        kind: `NONE`, `ABSOLUTE`, `CANADIAN` or `JAPANESE`.
        main: main time in seconds.
        period: byo-yomi period in seconds (Canadian: for `stones` moves).
        stones: Canadian: moves per period; Japanese: number of periods.
    """

    kind: str = NONE
    main: float = 0.0
    period: float = 0.0
    stones: int = 0
    sides: dict[int, _Side] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.restart()

    @classmethod
    def from_gtp(cls, main: float, period: float, stones: int) -> Clock:
        """The clock of ``time_settings main period stones`` (GTP 2 semantics)."""
        if period > 0 and stones == 0:
            return cls(NONE)
        if period == 0:
            return cls(ABSOLUTE, main)
        return cls(CANADIAN, main, period, stones)

    def restart(self) -> None:
        """Both colours get the full clock (a new game or new settings)."""
        in_overtime = self.main <= 0 and self.kind in (CANADIAN, JAPANESE)
        for colour in (0, 1):
            if in_overtime:
                self.sides[colour] = _Side(self.period, self.stones)
            else:
                self.sides[colour] = _Side(self.main, 0)

    def set_left(self, colour: int, seconds: float, stones: int) -> None:
        """``time_left``: the controller's view of `colour`'s clock."""
        self.sides[colour] = _Side(max(0.0, seconds), max(0, stones))

    def spend(self, colour: int, seconds: float) -> None:
        """Book `seconds` used by `colour` for one move (between ``time_left`` reports)."""
        if self.kind == NONE:
            return
        side = self.sides[colour]
        side.left -= seconds
        if side.stones == 0:
            if side.left >= 0 or self.kind == ABSOLUTE:
                side.left = max(0.0, side.left)
                return
            # The main time ran out during this move: overtime starts, and the rest of
            # the move is taken from the first period (it counts as one of its moves).
            side.left, side.stones = side.left + self.period, self.stones
        if self.kind == CANADIAN:
            side.stones -= 1
            if side.stones <= 0:  # the period's moves are made: a fresh period
                side.left, side.stones = self.period, self.stones
        else:  # Japanese: a move within the period resets it; an overrun costs a period
            if side.left < 0:
                side.stones = max(1, side.stones - 1)
            side.left = self.period
        side.left = max(0.0, side.left)

    def budget(self, colour: int, plies: int, points: int) -> float | None:
        """Seconds `colour` may think on its next move, or None without a time limit.

        plies: moves played so far; points: N*N, the board's points.
        """
        if self.kind == NONE:
            return None
        side = self.sides[colour]
        if side.stones > 0:  # in overtime
            raw = side.left / side.stones if self.kind == CANADIAN else side.left
        else:
            moves_left = max(MIN_MOVES_LEFT, (points - plies) / 2)
            raw = side.left / moves_left + self.overtime_share()
        return max(MIN_SECONDS, raw * (1.0 - SAFETY_FRACTION) - LAG_SECONDS)

    def overtime_share(self) -> float:
        """Seconds every move may take once the main time is gone."""
        if self.kind == CANADIAN and self.stones > 0:
            return self.period / self.stones
        if self.kind == JAPANESE:
            return self.period
        return 0.0


def kgs_clock(args: list[str]) -> Clock:
    """The clock of ``kgs-time_settings`` arguments; ValueError when malformed."""
    if not args:
        raise ValueError("kgs-time_settings needs a kind: none, absolute, canadian or byoyomi")
    kind, numbers = args[0].lower(), args[1:]
    wanted = {NONE: 0, ABSOLUTE: 1, CANADIAN: 3, JAPANESE: 3}
    if kind not in wanted:
        raise ValueError(f"unknown time system {args[0]!r} (none, absolute, canadian, byoyomi)")
    if len(numbers) != wanted[kind]:
        raise ValueError(f"kgs-time_settings {kind} takes {wanted[kind]} number(s)")
    values = [_non_negative(text) for text in numbers]
    if kind == NONE:
        return Clock(NONE)
    if kind == ABSOLUTE:
        return Clock(ABSOLUTE, values[0])
    if int(values[2]) != values[2] or values[2] < 1:
        raise ValueError("the number of byo-yomi stones or periods must be an integer >= 1")
    return Clock(kind, values[0], values[1], int(values[2]))


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not 0 <= value < float("inf"):
        raise ValueError(f"{text!r} must be a finite number >= 0")
    return value


__all__ = ["Clock", "kgs_clock"]
