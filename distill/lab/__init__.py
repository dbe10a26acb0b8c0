"""Measurement labs: experiments that test the toolkit's claims against exact answers.

* `distill.lab.credit`: value targets (z, q, λ-returns, z/q mixes) along a run's real
  self-play games against the solver's exact values (``distill lab credit``);
* `distill.lab.hurts`: the search's improvement over the raw policy as the value head
  is corrupted (``distill lab hurts``);
* `distill.lab.resign`: false resignations of a run's network on solver-scored positions
  (``distill lab resign``).
"""

from distill.lab.credit import CreditReport, credit_report, write_credit
from distill.lab.hurts import CorruptedValues, HurtsRow, measure, write_hurts
from distill.lab.resign import ResignRow, resign_row, selfplay_counts, write_resign

__all__ = [
    "CorruptedValues",
    "CreditReport",
    "HurtsRow",
    "ResignRow",
    "credit_report",
    "measure",
    "resign_row",
    "selfplay_counts",
    "write_credit",
    "write_hurts",
    "write_resign",
]
