"""Time the exact Connect Four solver; same as `distill bench solver` (see its --help).

python benchmarks/solver.py --positions 200 --min-stones 12 --max-stones 12
python benchmarks/solver.py --opening --time-limit 1800
"""

from __future__ import annotations

import sys

from distill.bench.solver import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
