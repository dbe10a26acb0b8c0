"""Guards `distill gtp` as GUIs drive it: the command sequences Lizzie 0.7.4 (as logged in
a real session, both modes) and Sabaki send at start-up, during analysis and when playing
(numbered commands, ``lz-analyze``, ``kata-analyze ... ownership true``,
``*-genmove_analyze``, aborting analysis with the next command), KataGo's score and
ownership fields from a network's auxiliary outputs (checked against values computed by
hand from a fake network), the ``version`` reply Lizzie needs, and that a bare CR inside
a line is removed instead of ending the line (GTP 2 sec. 2.6 / 3.1), so replies stay in
step with commands."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import threading
from collections.abc import Iterator

import numpy as np

from distill.arena.players import SearchPlayer
from distill.domains.go import GoDomain, vertex_to_action
from distill.gtp.analysis import serve
from distill.gtp.engine import GtpEngine
from distill.gtp.protocol import read_lines
from distill.search import SearchConfig

SIZE = 9
#: The fake network's score weight of each point: its row number from the top (0..8) plus
#: a hundredth of its column, so every point has its own weight.
WEIGHTS = (np.arange(SIZE)[:, None] + np.arange(SIZE)[None, :] / 100.0).astype(np.float32)


class FakeNet:
    """A policy-value evaluator with KataGo-style auxiliary outputs that are easy to
    compute by hand: uniform policy, value 0; ownership = own stones - opponent stones
    (planes 1 and 2 of the Go features, from the mover's view); score = sum of `WEIGHTS`
    over own stones minus over opponent stones."""

    def __call__(self, obs: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(mask.shape, np.float32), np.zeros(len(obs), np.float32)

    def auxiliary(self, obs: np.ndarray) -> dict[str, np.ndarray]:
        own, opponent = obs[:, 1], obs[:, 2]
        score = ((own - opponent) * WEIGHTS).sum(axis=(1, 2))
        return {"ownership": (own - opponent).astype(np.float32), "score": score}


def fake_net_player(domain: GoDomain) -> SearchPlayer:
    return SearchPlayer(domain, FakeNet(), SearchConfig(leaves_per_step=4), 24)


def session(engine: GtpEngine, script: str) -> list[str]:
    """Replies to `script` (each without its final blank line)."""
    out = io.StringIO()
    serve(engine, io.StringIO(script), out)
    return out.getvalue()[:-2].split("\n\n")


def info_entries(line: str) -> list[dict[str, str]]:
    """The ``info`` entries of one update line as key -> value (pv: the rest)."""
    body = line.split(" ownership ")[0]
    entries = []
    for chunk in body.split("info ")[1:]:
        head, _, pv = chunk.strip().partition(" pv ")
        tokens = head.split()
        entry = dict(zip(tokens[::2], tokens[1::2], strict=True))
        entry["pv"] = pv
        entries.append(entry)
    return entries


def test_lizzie_startup_analysis_and_play_in_katago_mode() -> None:
    engine = GtpEngine(fake_net_player, size=SIZE, name="KataGo", version="0.17", seed=1)
    script = (
        "1 name\n2 version\n3 boardsize 9\n4 komi 7.5\n5 play B D4\n"
        "6 kata-analyze 10 ownership true\n7 name\n8 time_settings 0 5 1\n"
        "9 genmove W\n10 undo\n11 lz-analyze 10\n12 clear_board\n13 name\n"
    )
    replies = session(engine, script)
    assert replies[:5] == ["=1 KataGo", "=2 0.17", "=3", "=4", "=5"]
    lines = replies[5].split("\n")
    assert lines[0] == "=6" and len(lines) >= 2
    d4 = vertex_to_action("D4", SIZE)
    for update in lines[1:]:
        entries = info_entries(update)
        assert entries, update
        for entry in entries:
            move = vertex_to_action(entry["move"], SIZE)
            row, col = divmod(move, SIZE)
            # white's move, then black to move: the net's lead for black is w(D4) - w(move)
            expected = float(WEIGHTS[row, col] - WEIGHTS.reshape(-1)[d4])
            assert float(entry["scoreMean"]) == float(entry["scoreLead"])
            assert abs(float(entry["scoreMean"]) - expected) < 1e-3, (entry, expected)
            assert 0.0 <= float(entry["winrate"]) <= 1.0
        ownership = [float(v) for v in update.split(" ownership ")[1].split()]
        assert len(ownership) == SIZE * SIZE  # row by row from A9, white's view
        assert ownership[d4] == -1.0 and sum(abs(v) for v in ownership) == 1.0
    assert replies[6] == "=7 KataGo"  # `name` ended the analysis, Lizzie's way to stop it
    assert replies[7] == "=8"
    assert re.fullmatch(r"=9 ([A-HJ][1-9]|pass)", replies[8])
    assert replies[9] == "=10"
    lz = replies[10].split("\n")
    assert lz[0] == "=11" and all("scoreMean" not in u and "winrate" in u for u in lz[1:])
    assert replies[11:] == ["=12", "=13 KataGo"]


#: The commands Lizzie 0.7.4 (Debian's liblizzie-java) sent to `distill gtp --lizzie` in
#: the recorded session of docs/go.md (2026-11-30): start-up, analysis, two clicked
#: stones, Enter (engine move), Up arrow (undo), Space (analysis on), ClearBoard. Lizzie
#: ends each analysis by sending its next command, without a `name` in between.
LIZZIE_LZ_SESSION = (
    "1 name\n2 version\n3 boardsize 9\n4 komi 7.5\n5 lz-analyze 10\n6 play B E5\n"
    "7 lz-analyze 10\n8 play W C3\n9 lz-analyze 10\n10 time_settings 0 2 1\n11 genmove B\n"
    "12 undo\n13 lz-analyze 10\n14 clear_board\n15 komi 7.5\n16 lz-analyze 10\n"
)


def test_the_recorded_lizzie_session_in_leela_zero_mode() -> None:
    engine = GtpEngine(fake_net_player, size=SIZE, version="0.17", seed=4)
    replies = session(engine, LIZZIE_LZ_SESSION)
    assert len(replies) == 16 and not any(r.startswith("?") for r in replies)
    assert replies[:4] == ["=1 distill", "=2 0.17", "=3", "=4"]
    for number in (5, 7, 9, 13, 16):  # each analysis: '=N' and at least one info line
        lines = replies[number - 1].split("\n")
        assert lines[0] == f"={number}" and len(lines) >= 2, lines
        assert all(re.match(r"info move [A-HJ][1-9] visits \d+ winrate \d+ ", u) for u in lines[1:])
    assert [replies[5], replies[7], replies[9]] == ["=6", "=8", "=10"]
    move = replies[10].removeprefix("=11 ")
    assert re.fullmatch(r"[A-HJ][1-9]|pass", move) and move not in ("E5", "C3")
    assert replies[11] == "=12" and replies[13:15] == ["=14", "=15"]
    after_undo = {e["move"] for e in info_entries(replies[12].split("\n")[1])}
    assert after_undo and not after_undo & {"E5", "C3"}  # analysed with both stones on
    assert list(engine.position.history) == []  # clear_board emptied the board


#: The same session in KataGo mode (`--name KataGo`), with the KataEstimate button
#: pressed during the second analysis: one analysis command follows another.
LIZZIE_KATAGO_SESSION = (
    "1 name\n2 version\n3 boardsize 9\n4 komi 7.5\n5 kata-analyze 10\n6 play B E5\n"
    "7 kata-analyze 10\n8 kata-analyze 10 ownership true\n9 time_settings 0 2 1\n"
    "10 genmove W\n11 undo\n12 kata-analyze 10 ownership true\n13 clear_board\n14 komi 7.5\n"
    "15 kata-analyze 10 ownership true\n"
)


def test_the_recorded_lizzie_session_in_katago_mode() -> None:
    engine = GtpEngine(fake_net_player, size=SIZE, name="KataGo", version="0.17", seed=5)
    replies = session(engine, LIZZIE_KATAGO_SESSION)
    assert len(replies) == 15 and not any(r.startswith("?") for r in replies)
    assert replies[:4] == ["=1 KataGo", "=2 0.17", "=3", "=4"]
    for number, ownership in ((5, False), (7, False), (8, True), (12, True), (15, True)):
        lines = replies[number - 1].split("\n")
        assert lines[0] == f"={number}" and len(lines) >= 2, lines
        for update in lines[1:]:
            assert all("scoreMean" in e and "scoreLead" in e for e in info_entries(update))
            assert (" ownership " in update) == ownership, update
    assert replies[5] == "=6" and replies[8] == "=9" and replies[10] == "=11"
    assert re.fullmatch(r"=10 ([A-HJ][1-9]|pass)", replies[9])
    assert replies[12:14] == ["=13", "=14"] and list(engine.position.history) == []


def test_sabaki_startup_sync_analysis_and_genmove_analyze() -> None:
    engine = GtpEngine(fake_net_player, size=SIZE, seed=2)
    script = (
        "name\nversion\nprotocol_version\nlist_commands\nboardsize 9\nclear_board\n"
        "komi 6.5\nplay B E5\nplay W C3\nkata-analyze B 50 ownership true\nprotocol_version\n"
        "lz-analyze B 50\n\nkata-genmove_analyze B 50\nlz-genmove_analyze W 50\nshowboard\n"
    )
    replies = session(engine, script)
    assert replies[0] == "= distill" and replies[2] == "= 2"
    listed = replies[3].removeprefix("= ").split("\n")
    for command in ("lz-analyze", "kata-analyze", "lz-genmove_analyze", "kata-genmove_analyze"):
        assert command in listed
    assert "kgs-time_settings" in listed
    assert replies[4:9] == ["="] * 5
    kata = replies[9].split("\n")
    assert kata[0] == "=" and all(" ownership " in u for u in kata[1:]) and len(kata) >= 2
    assert replies[10] == "= 2"  # Sabaki aborts analysis with protocol_version
    lz = replies[11].split("\n")  # a bare newline also ends the analysis
    assert lz[0] == "=" and len(lz) >= 2
    for reply in (replies[12], replies[13]):
        lines = reply.split("\n")
        assert lines[0] == "=" and lines[-1].startswith("play "), reply
        assert all(line.startswith("info move ") for line in lines[1:-1]) and len(lines) >= 3
    board = replies[14]
    assert board.count("X") >= 2 and board.count("O") >= 2  # both genmoves were played


def test_analysis_without_auxiliary_outputs_leaves_the_score_out() -> None:
    def plain(domain: GoDomain) -> SearchPlayer:
        class NoAux(FakeNet):
            auxiliary = None  # type: ignore[assignment]

        return SearchPlayer(domain, NoAux(), SearchConfig(), 16)

    replies = session(GtpEngine(plain, size=SIZE), "kata-analyze 5 ownership true\nname\n")
    update = replies[0].split("\n")[1]
    assert "winrate" in update and "scoreMean" not in update and "ownership" not in update


def test_read_lines_splits_at_lf_only() -> None:
    stream = io.BytesIO(b"1 name\r2 version\n3 play b d4\r\n\xff\n")
    assert list(read_lines(stream)) == ["1 name\r2 version\n", "3 play b d4\r\n", "\ufffd\n"]
    chunks = [b"1 na", b"me\n2 ver", b"sion\r\n3 quit"]  # os.read blocks split anywhere
    assert list(read_lines(chunks)) == ["1 name\n", "2 version\r\n", "3 quit"]


def test_a_bare_cr_does_not_put_replies_out_of_step() -> None:
    """Through the real stdin of `distill gtp`: five LF-ended lines, five replies, in order
    (split at the CR as well, line 2 would give two replies and shift every later one)."""
    stdin = b"1 name\r\n2 boardsize\r 7\n3 protocol_version\r\n4 komi 6.5\r# note\r\n5 quit\n"
    done = subprocess.run(
        [sys.executable, "-m", "distill.cli", "gtp", "--player", "random", "--lizzie"],
        input=stdin,
        capture_output=True,
        timeout=120,
        check=True,
    )
    replies = done.stdout.decode().split("\n\n")[:-1]
    assert replies == ["=1 distill", "=2", "=3 2", "=4", "=5"]


def test_lizzie_version_reply_options(tmp_path: object) -> None:
    from distill.cli import main

    argv = ["gtp", "--player", "random", "--lizzie", "--version-reply", "1.0"]
    assert main(argv) == 2


class ClosingPipe(io.StringIO):
    """An output whose reader goes away after `lines` newlines: later writes fail as a
    closed pipe does (BrokenPipeError)."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self.left = lines

    def write(self, text: str) -> int:
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.left -= text.count("\n")
        return super().write(text)


def test_a_controller_gone_mid_analysis_ends_the_session_quietly(capsys) -> None:
    def controller() -> Iterator[str]:  # one command, then silence (no end of input)
        yield "1 lz-analyze 1\n"
        threading.Event().wait(60)

    engine = GtpEngine(fake_net_player, size=SIZE)
    out = ClosingPipe(lines=3)  # '=', then two updates, then the GUI is closed
    assert serve(engine, controller(), out) == 0  # only the broken pipe ends the analysis
    assert out.getvalue().startswith("=1\ninfo move ")
    assert capsys.readouterr().err == ""  # no traceback, no second report


def test_distill_gtp_exits_0_when_the_gui_dies_during_analysis() -> None:
    """Through real pipes: a GUI that closes both ends mid-analysis leaves exit code 0 and
    an empty stderr (a broken pipe used to print a traceback and exit 2)."""
    gtp = subprocess.Popen(
        [sys.executable, "-m", "distill.cli", "gtp", "--player", "mcts", "--size", "9"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert gtp.stdin is not None and gtp.stdout is not None and gtp.stderr is not None
    gtp.stdin.write(b"1 lz-analyze 5\n")
    gtp.stdin.flush()
    assert gtp.stdout.readline() == b"=1\n"
    assert gtp.stdout.readline().startswith(b"info move ")
    gtp.stdout.close()
    gtp.stdin.close()
    assert gtp.wait(timeout=120) == 0
    assert gtp.stderr.read() == b""
