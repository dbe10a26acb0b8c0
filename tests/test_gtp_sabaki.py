"""Guards `distill gtp` as Sabaki drives it, through Sabaki's own GTP layer: the
@sabaki/gtp library (3.0.0; its Controller and ControllerStateTracker are what the Sabaki
app uses to start engines, sync the board and stream analysis) runs tests/sabaki/session.js
against a real `distill gtp` process. `make test` installs the library with npm into
.sabaki/; without Node.js or the library the test is skipped with the reason."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = ROOT / ".sabaki" / "node_modules"
SCRIPT = Path(__file__).parent / "sabaki" / "session.js"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (MODULES / "@sabaki" / "gtp").is_dir(),
    reason="needs Node.js and @sabaki/gtp in .sabaki/ (make test installs it with npm)",
)


def info_moves(line: str) -> list[str]:
    return [chunk.split()[1] for chunk in line.split("info ")[1:]]


def test_sabaki_syncs_analyses_undoes_and_gets_a_move() -> None:
    done = subprocess.run(
        ["node", str(SCRIPT), sys.executable, "--player", "mcts:sims=200", "--size", "9"],
        capture_output=True,
        text=True,
        timeout=300,
        env={"NODE_PATH": str(MODULES), "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["name"] == "distill" and out["stderr"] == []
    assert "boardsize 9" in out["sent"] and "komi 6.5" in out["sent"]
    board = out["afterSync"].splitlines()
    assert "(X)" in board[3] and " O " in board[7]  # G7 last, C3 white
    for name in ("lz", "kata"):  # a stream of updates, ended by Sabaki's next command
        reply = out[name]
        assert reply["error"] is False and reply["interrupt"] == "2", reply
        updates = [line for line in reply["lines"] if line.startswith("info move ")]
        assert updates and reply["lines"][0] == "=" and reply["lines"][-1] == ""
        moves = info_moves(updates[-1])
        assert "G7" not in moves and "E5" not in moves and len(moves) > 10
    assert "utility" in out["kata"]["lines"][1] and "utility" not in out["lz"]["lines"][1]
    # taking G7 back: the tracker undid it (engine state follows) and played C7
    assert out["syncedHistory"] == ["B E5", "W C3", "B C7"]
    sent = out["sent"]
    assert "undo" in sent and sent[sent.index("undo") + 1] == "play B C7"
    assert "(X)" in out["afterUndo"].splitlines()[3]
    assert out["afterUndo"].splitlines()[3].count("X") == 1
    assert out["genmove"]["error"] is False
    played = out["genmove"]["content"]
    assert played not in ("E5", "C3", "C7") and "(O)" in out["afterGenmove"]
