"""Guards the Go rules against independent references, move by move, on a few dozen
random games: GNU Go over GTP (legal points via all_legal, acceptance of every move,
stones via list_stones) and PettingZoo go_v5 (action mask and board). Any disagreement
fails; superko-only differences are counted apart (see distill.gtp.validate_rules).
The full run is `distill bench go-rules`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from distill.gtp.client import GNUGO

needs_gnugo = pytest.mark.skipif(
    not os.path.exists(GNUGO), reason=f"GNU Go not installed at {GNUGO} (apt-get install gnugo)"
)


@needs_gnugo
@pytest.mark.gnugo
@pytest.mark.parametrize(("size", "games"), [(5, 30), (9, 8), (19, 1)])
def test_engine_agrees_with_gnugo(size, games):
    from distill.gtp.validate_rules import validate_gnugo

    report = validate_gnugo(size, games, seed=size)
    assert report.games == games and report.moves > games
    assert report.disagreements == 0, "\n".join(report.details)


@pytest.mark.parametrize(("size", "games"), [(5, 30), (9, 8)])
def test_engine_agrees_with_pettingzoo_go_v5(size, games):
    # go_v5 keeps its board size in module globals: use a fresh process per size.
    code = (
        "import json, sys; from distill.gtp.validate_rules import validate_pettingzoo; "
        f"r = validate_pettingzoo({size}, {games}, seed={size}); "
        "print(json.dumps([r.games, r.moves, r.disagreements, r.details]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    played, moves, disagreements, details = json.loads(out.stdout.strip().splitlines()[-1])
    assert played == games and moves > games
    assert disagreements == 0, "\n".join(details)
