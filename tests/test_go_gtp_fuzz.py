"""Guards the robustness of `distill gtp`: whatever arrives on stdin (random bytes, wrong
arities, illegal moves, out-of-range sizes, huge numbers), every command gets exactly one
well-formed ``=``/``?`` reply and the engine keeps answering; plus one real subprocess
session of ``python -m distill.cli gtp``."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distill.arena.players import RandomPlayer
from distill.gtp.analysis import serve
from distill.gtp.engine import CORE_COMMANDS, EXTENSION_COMMANDS, GtpEngine
from distill.gtp.protocol import parse_command

REPLY = re.compile(r"[=?]\d*( [^\n]*)?(\n[^\n]+)*")
NAMES = [n for n in CORE_COMMANDS + EXTENSION_COMMANDS if n != "quit"] + [
    "lz-analyze",
    "kata-analyze",
    "PLAY",
    "GenMove",
    "frobnicate",
    "",
]
WORDS = [
    "b",
    "w",
    "black",
    "WHITE",
    "purple",
    "pass",
    "PASS",
    "resign",
    "A1",
    "j9",
    "T19",
    "I5",
    "Z99",
    "D4",
    "e5",
    "0",
    "-1",
    "5",
    "7",
    "19",
    "25",
    "1e400",
    "nan",
    "-0.5",
    "99999999999999999999999999",
    "3.75",
    "interval",
    "#",
    "\t",
    "/nonexistent/x.sgf",
]

token = st.one_of(
    st.sampled_from(WORDS), st.text(max_size=6), st.integers(-(10**30), 10**30).map(str)
)
command_line = st.one_of(
    st.tuples(
        st.one_of(st.just(""), st.integers(0, 10**25).map(str)),
        st.sampled_from(NAMES),
        st.lists(token, max_size=4),
    ).map(lambda t: " ".join([t[0], t[1], *t[2]])),
    st.binary(max_size=40).map(lambda b: b.decode("utf-8", errors="replace")),
)


def run_script(lines: list[str]) -> list[str]:
    engine = GtpEngine(lambda domain: RandomPlayer(domain), size=5)
    out = io.StringIO()
    flat = [piece for line in lines for piece in line.replace("\r", "\n").split("\n")]
    serve(engine, io.StringIO("\n".join(flat) + "\nprotocol_version\n"), out)
    text = out.getvalue()
    assert text.endswith("\n\n"), repr(text[-40:])
    return text[:-2].split("\n\n")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(command_line, min_size=1, max_size=25))
def test_random_input_gets_one_well_formed_reply_per_command(lines: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:  # printsgf FILE writes there, not in the repo
        cwd = os.getcwd()
        os.chdir(scratch)
        try:
            replies = run_script(lines)
        finally:
            os.chdir(cwd)
    flat = [piece for line in lines for piece in line.replace("\r", "\n").split("\n")]
    commands = [c for c in map(parse_command, flat) if c is not None]
    assert len(replies) == len(commands) + 1
    for reply, command in zip(replies, commands, strict=False):
        assert REPLY.fullmatch(reply), (command, reply)
        assert reply[1:].startswith(command.id), (command, reply)
        assert "internal error" not in reply, (command, reply)
    assert replies[-1] == "= 2"  # still alive and answering


def test_distill_gtp_subprocess_session() -> None:
    script = (
        "1 name\nboardsize 9\nclear_board\nkomi 7.5\nplay b e5\n2 genmove w\n"
        "3 play b e5\nbogus\nlist_stones b\nfinal_score\nquit\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "distill.cli", "gtp", "--player", "random", "--seed", "1"],
        input=script,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    replies = done.stdout[:-2].split("\n\n")
    assert replies[0] == "=1 distill"
    assert replies[1:5] == ["=", "=", "=", "="]
    assert re.fullmatch(r"=2 ([A-HJ][1-9]|pass)", replies[5])
    assert replies[6] == "?3 illegal move"
    assert replies[7] == "? unknown command"
    assert replies[8] == "= E5"
    assert re.fullmatch(r"= [BW]\+\d+(\.5)?|= 0", replies[9])
    assert replies[10] == "="
    assert len(replies) == 11
