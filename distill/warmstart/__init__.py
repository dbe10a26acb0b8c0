"""Warm start: begin the flywheel close to the answer.

* `distill.warmstart.teacher`: GNU Go self-play games over GTP, saved as SGF
  (``distill teacher gnugo``).
* `distill.warmstart.pretrain`: train a recipe's net on SGF games and hand it to the
  flywheel as a run directory's first checkpoint (``distill pretrain``).
"""
