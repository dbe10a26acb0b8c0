"""Measurement labs: experiments that test the toolkit's claims against exact answers.

* `distill.lab.credit`: value targets (z, q, λ-returns, z/q mixes) along a run's real
  self-play games against the solver's exact values (``distill lab credit``);
* `distill.lab.hurts`: the search's improvement over the raw policy as the value head
  is corrupted (``distill lab hurts``).
"""

from distill.lab.credit import CreditReport, credit_report, write_credit
from distill.lab.hurts import CorruptedValues, HurtsRow, measure, write_hurts

__all__ = [
    "CorruptedValues",
    "CreditReport",
    "HurtsRow",
    "credit_report",
    "measure",
    "write_credit",
    "write_hurts",
]
