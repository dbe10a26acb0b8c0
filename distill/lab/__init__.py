"""Measurement labs: experiments that test the toolkit's claims against exact answers.

* `distill.lab.credit`: value targets (z, q, λ-returns, z/q mixes) along a run's real
  self-play games against the solver's exact values (``distill lab credit``).
"""

from distill.lab.credit import CreditReport, credit_report, write_credit

__all__ = ["CreditReport", "credit_report", "write_credit"]
