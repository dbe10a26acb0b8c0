"""The one logit that stands for probability zero.

`ILLEGAL_LOGIT` is what every layer writes where an action must get no probability:
illegal actions (the evaluator's output, the learner's masked softmax), cells off a
padded board (the policy heads), and legal actions whose prior underflowed to 0 (the
Gumbel root's log-prior). It is finite, so a softmax over a row with no legal entry
stays a number instead of NaN, and it is far enough below any real logit (|logit| <
~100 in float32 nets) that exp(ILLEGAL_LOGIT - max) is exactly 0 in float32.
"""

from __future__ import annotations

#: Logit of an action with probability zero (illegal, off the board, or underflowed prior).
ILLEGAL_LOGIT = -1e9

__all__ = ["ILLEGAL_LOGIT"]
