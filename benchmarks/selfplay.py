"""Self-play positions/s, evaluator GFLOP/s against matmul, and the forward-pass share.

    python benchmarks/selfplay.py

Same as ``distill bench selfplay``; see `distill.bench.selfplay`.
"""

from __future__ import annotations

import sys

from distill.bench.selfplay import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
