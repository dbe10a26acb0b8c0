"""Guards the CLI shell: verbs are listed, user errors print one line and exit 2 without
a traceback, and `distill domains` lists the registry."""

from __future__ import annotations

import io
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


def test_bench_without_a_target_names_the_targets(capsys):
    assert main(["bench"]) == 2
    err = capsys.readouterr().err
    assert "name what to measure: distill bench {go-engine,go-rules,gpu,inference," in err
    assert "Traceback" not in err


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


def test_bad_paths_and_binary_files_are_user_errors(tmp_path, capsys):
    recipe = "recipes/tictactoe-smoke.yaml"
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(bytes(range(128, 256)))
    not_a_dir = tmp_path / "file"
    not_a_dir.write_text("x")
    fresh = ["--run-dir", str(tmp_path / "r")]
    cases = [
        (["train", str(binary)], "not a UTF-8 text file"),
        (["train", recipe, "--run-dir", str(not_a_dir)], "Not a directory"),
        (["train", recipe, "--set", "seed=-1", *fresh], "seed must be"),
        (["train", recipe, "--set", "domain.id=nosuch", *fresh], "nosuch"),
        (["gtp", "--komi", "inf"], "komi must be"),
        (["search", "tictactoe", "5", "--seed", "-1"], None),  # argparse: exit status 2
    ]
    for argv, message in cases:
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse rejects bad arguments itself
            code = exc.code
        err = capsys.readouterr().err
        assert code == 2, argv
        assert message is None or message in err, (argv, err)
        assert "Traceback" not in err
    assert not (tmp_path / "r").exists()  # nothing written for a recipe that cannot run


def test_play_quits_cleanly_at_end_of_input(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["play", "--domain", "tictactoe", "--simulations", "8"]) == 0
    assert "bye" in capsys.readouterr().out
