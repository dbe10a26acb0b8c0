"""Go engine speed: random playouts per second vs PettingZoo go_v5 (one JSON line).

    python benchmarks/go_engine.py --size 9
    python benchmarks/go_engine.py --size 19

Same as ``distill bench go-engine``; see `distill.bench.go_engine`.
"""

from __future__ import annotations

import sys

from distill.bench.go_engine import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
