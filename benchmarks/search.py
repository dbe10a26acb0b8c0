"""MCTS simulations/s on Connect Four vs pure Python and OpenSpiel's C++ MCTS (one JSON line).

    python benchmarks/search.py
    python benchmarks/search.py --simulations 400 --seconds 3

Same as ``distill bench search``; see `distill.bench.search`.
"""

from __future__ import annotations

import sys

from distill.bench.search import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
