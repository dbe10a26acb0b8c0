"""Guards the minimal GTP client (domains/go/gtp_client.py) against a scripted fake
engine: '=' and multi-line replies, '?' errors with the engine's message, timeouts,
a late reply after a timeout, an engine that dies, and clean shutdown."""

from __future__ import annotations

import sys
import textwrap

import pytest

from distill.gtp.client import GtpClient, GtpError

FAKE_ENGINE = textwrap.dedent(
    """
    import sys, time
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            print("=\\n", flush=True); break
        elif cmd[0] == "name":
            print("= fake\\n", flush=True)
        elif cmd[0] == "list":
            print("= one\\ntwo\\n", flush=True)
        elif cmd[0] == "sleep":
            time.sleep(float(cmd[1])); print("=\\n", flush=True)
        elif cmd[0] == "die":
            sys.exit(3)
        else:
            print("? unknown command\\n", flush=True)
    """
)


@pytest.fixture
def engine():
    client = GtpClient([sys.executable, "-c", FAKE_ENGINE], timeout=10)
    yield client
    client.close()


def test_replies_are_parsed(engine):
    assert engine.send("name") == "fake"
    assert engine.send("list") == "one\ntwo"


def test_failure_reply_raises_with_message(engine):
    with pytest.raises(GtpError, match="rejected 'bogus': unknown command"):
        engine.send("bogus")
    assert engine.send("name") == "fake"  # still usable


def test_timeout_and_dead_engine(engine):
    with pytest.raises(GtpError, match="no reply to 'sleep 2'"):
        engine.send("sleep 2", timeout=0.2)
    assert engine.send("name") == "fake"  # the late reply to 'sleep' is skipped
    with pytest.raises(GtpError, match="exited"):
        engine.send("die")
    with pytest.raises(GtpError, match="exited"):
        engine.send("name")


def test_missing_binary_and_multiline_command():
    with pytest.raises(GtpError, match="cannot start GTP engine"):
        GtpClient(["/nonexistent/engine"])
    with GtpClient([sys.executable, "-c", FAKE_ENGINE]) as client:
        with pytest.raises(GtpError, match="one line"):
            client.send("name\nname")
        assert client._proc.poll() is None
    assert client._proc.poll() == 0  # quit was sent and the engine exited
