"""Guards the CLI shell: verbs are listed, user errors print one line and exit 2 without
a traceback, and `distill domains` lists the registry."""

from __future__ import annotations

import subprocess
import sys

from distill.cli import VERBS, main


def test_help_lists_every_verb(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for verb in VERBS:
        assert verb in out


def test_domains_lists_ids(capsys):
    assert main(["domains", "--ids"]) == 0
    ids = capsys.readouterr().out.split()
    assert "tictactoe" in ids and "connect4" in ids


def test_unknown_benchmark_is_a_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "distill.cli", "bench", "nope"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
    assert "Traceback" not in result.stderr


def test_user_error_is_one_line_and_exit_2():
    result = subprocess.run(
        [sys.executable, "-m", "distill.cli", "solve", "nosuchgame", "1"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert "domain 'nosuchgame'" in result.stderr
