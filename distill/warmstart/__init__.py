"""Warm start: begin the flywheel close to the answer.

* `distill.warmstart.teacher`: GNU Go self-play games over GTP, saved as SGF
  (``distill teacher gnugo``).
"""
