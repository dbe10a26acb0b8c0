"""Guards the plugin path end to end, with test plugins installed through entry points
(tests/plugins, tests/conftest.py):

* a plugin that declares ``solver=`` and ``eval_buckets=`` (hex3: Hex 3x3, moves named
  like ``c3``) gets exact error rates in the arena, ``distill eval`` and ``distill
  solve``, and multi-character moves work in ``distill search`` and position files;
* bad plugin input is one error line, exit 2, nothing written, never a traceback or a
  dead interpreter: a broken entry point, unexpected domain kwargs, an ``encode`` that
  writes outside ``obs_shape``, a kernel with the wrong signature, and recipe fields
  the domain does not offer (oracle, perfect-play check);
* skipped oracle metrics are said once."""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SMOKE as SMOKE_PATH
from conftest import TINY as BASE_TINY
from conftest import one_error, sets

import distill
from distill.cli import main
from distill.errors import ConfigError, DistillError
from distill.recipe import load_recipe
from distill.testing import DomainCheckError, check_domain

ROOT = Path(__file__).resolve().parents[1]
SMOKE = str(SMOKE_PATH)
TINY = [*BASE_TINY, "budget.generations=1"]


@pytest.fixture(scope="module")
def hex_run(tmp_path_factory):
    """A one-generation hex3 run with the oracle opponent and error rates (shared)."""
    from conftest import install_test_plugins

    with pytest.MonkeyPatch.context() as patch:
        install_test_plugins(tmp_path_factory.mktemp("site"), patch)
        root = tmp_path_factory.mktemp("hex") / "run"
        overrides = [*TINY, "domain.id=hex3", "arena.references=[random, oracle]"]
        assert main(["train", SMOKE, *sets(overrides), "--run-dir", str(root)]) == 0
        yield root


# -- the plugin with a solver -------------------------------------------------------------


def _first_player_wins(cells: tuple[int, ...], stone: int) -> bool:
    """Independent reference: can `stone` (1 or 2) to move force a win? Plain recursion
    with a set-based connection test (no numba, no scores)."""
    return _wins(cells, stone)


def _connected(cells: tuple[int, ...], stone: int) -> bool:
    starts = [i for i in range(9) if cells[i] == stone and (i // 3 if stone == 1 else i % 3) == 0]
    seen, todo = set(starts), list(starts)
    while todo:
        r, c = divmod(todo.pop(), 3)
        if (r if stone == 1 else c) == 2:
            return True
        for dr, dc in ((-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0)):
            j = (r + dr) * 3 + c + dc
            if 0 <= r + dr < 3 and 0 <= c + dc < 3 and cells[j] == stone and j not in seen:
                seen.add(j)
                todo.append(j)
    return False


@functools.cache
def _wins(cells: tuple[int, ...], stone: int) -> bool:
    for a in (i for i in range(9) if cells[i] == 0):
        after = (*cells[:a], stone, *cells[a + 1 :])
        if _connected(after, stone) or not _wins(after, 3 - stone):
            return True
    return False


def test_hex3_passes_check_domain_and_its_solver_agrees_with_a_reference(plugins):
    domain = distill.make("hex3")
    check_domain(domain, games=20)
    for moves in ("", "a1", "b2 a1", "c1 b2 a3"):
        scores = distill.solve_moves(domain, moves)
        position = domain.initial().play_all(domain.parse_moves(moves))
        cells = tuple(int(x) for x in position.store[0][:9])
        stone = position.to_play + 1
        for action, score in enumerate(scores):
            if score is None:
                assert cells[action] != 0
                continue
            after = (*cells[:action], stone, *cells[action + 1 :])
            wins = _connected(after, stone) or not _wins(after, 3 - stone)
            assert (score > 0) == wins, (moves, action, score)


def test_solve_and_search_take_multi_character_moves(plugins, capsys):
    assert main(["solve", "hex3", "b2", "a1"]) == 0
    scores = capsys.readouterr().out.split()
    assert len(scores) == 9 and scores[0] == "-" and scores[4] == "-"
    assert main(["search", "hex3", "b2", "a1", "--simulations", "50"]) == 0
    out = capsys.readouterr().out
    assert "hex3 after 'b2 a1'" in out and "best move: " in out
    assert main(["search", "hex3", "b2", "zz"]) == 2
    assert "move 2 of 'b2 zz'" in one_error(capsys, "search")


def test_arena_gives_exact_error_rates_to_a_plugin_with_a_solver(hex_run):
    import csv

    with (hex_run / "metrics.csv").open() as handle:
        row = next(csv.DictReader(handle))
    for key in ("search_err_begin", "search_err_end", "policy_err_begin"):
        assert 0.0 <= float(row[key]) <= 1.0, key
    ratings = (hex_run / "arena" / "ratings.csv").read_text()
    assert "\noracle,reference," in ratings  # the solver's player is in the rating pool


def test_eval_reads_multi_character_moves_and_scores_them(hex_run, tmp_path):
    positions = tmp_path / "p.txt"
    value = max(s for s in distill.solve_moves("hex3", "b2 a1") if s is not None)
    positions.write_text(f"# hex3 positions\nb2 a1 : {value}\n: \nc1 :\n")
    out = tmp_path / "eval.jsonl"
    assert main(["eval", str(hex_run), "--positions", str(positions), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["position"] for r in rows[:3]] == ["b2 a1", "-", "c1"]
    assert rows[0]["best_score"] == value and isinstance(rows[0]["search_optimal"], bool)
    assert len(rows[0]["search_move"]) == 2  # a move name such as c3
    assert rows[-1]["scored_positions"] == 1 and 0 <= rows[-1]["search_not_optimal"] <= 1


# -- bad plugin input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("domain_id", "expected"),
    [
        ("no-module", "cannot be imported: No module named 'no_such_plugin_module'"),
        ("no-factory", "hex3:no_such_factory names nothing"),
    ],
)
def test_broken_entry_points_are_one_line_everywhere(
    plugins, tmp_path, capsys, domain_id, expected
):
    with pytest.raises(DistillError, match=expected):
        distill.make(domain_id)
    assert main(["search", domain_id]) == 2
    assert expected in one_error(capsys, "search")
    run_dir = tmp_path / "run"
    assert main(["train", SMOKE, "--set", f"domain.id={domain_id}", "--run-dir", str(run_dir)]) == 2
    assert expected in one_error(capsys, "train")
    assert not run_dir.exists()


def test_unexpected_domain_kwargs_name_the_accepted_ones(tmp_path, capsys):
    run_dir = tmp_path / "run"
    args = ["train", "tictactoe", "--set", "domain.kwargs.size=7", "--run-dir", str(run_dir)]
    assert main(args) == 2
    assert "does not take size; its keyword arguments: none" in one_error(capsys, "train")
    args = ["train", SMOKE, *sets(["domain.id=go", "domain.kwargs.sise=7"])]
    assert main([*args, "--run-dir", str(run_dir)]) == 2
    assert "does not take sise; its keyword arguments: size, komi" in one_error(capsys, "train")
    assert not run_dir.exists()


def test_an_encode_writing_outside_obs_shape_is_caught_not_a_crash(plugins, tmp_path):
    # Run compiled, this kernel corrupts the heap (exit 134): train must stop it first. In
    # a subprocess first, so that a regression fails this test instead of killing pytest.
    run_dir = tmp_path / "run"
    argv = ["train", SMOKE, "--set", "domain.id=hex3-wide-encode", "--run-dir", str(run_dir)]
    result = subprocess.run(
        [sys.executable, "-m", "distill.cli", *argv],
        capture_output=True,
        text=True,
        env=plugins,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "fails distill.testing.check_domain, nothing was written: kernel encode" in (
        result.stderr
    )
    assert "out float32[2, 3, 3]" in result.stderr and not run_dir.exists()
    with pytest.raises(DomainCheckError, match=r"kernel encode stays inside its arrays"):
        check_domain(distill.make("hex3-wide-encode"), games=1)
    # The Python API alone (no check_domain) refuses the kernels before compiled code runs
    # them: a subprocess, because the unguarded alternative corrupts the heap.
    code = "import distill; distill.make('hex3-wide-encode').initial().observe()"
    result = subprocess.run(
        [sys.executable, "-c", code], env=plugins, capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 1 and "DistillError" in result.stderr, result.stderr
    assert "kernel encode stays inside its arrays" in result.stderr


def test_a_kernel_of_the_wrong_signature_is_named_with_the_signature_expected(
    plugins, tmp_path, capsys
):
    expected = (
        "kernel hex3_bad_signature.legal takes 1 argument; expected "
        "legal(state: int64[state_size], mask: bool[A]) -> int"
    )
    with pytest.raises(DomainCheckError, match=re.escape(expected)):
        check_domain(distill.make("hex3-bad-signature"), games=1)
    assert main(["search", "hex3-bad-signature", "--simulations", "4"]) == 2
    assert expected in one_error(capsys, "search")
    run_dir = tmp_path / "run"
    args = ["train", SMOKE, "--set", "domain.id=hex3-bad-signature", "--run-dir", str(run_dir)]
    assert main(args) == 2
    assert expected in one_error(capsys, "train") and not run_dir.exists()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ("arena.references=[random, oracle]", r"arena.references\[1\]: domain .* no exact"),
        ("arena.perfect_play_check=true", "arena.perfect_play_check: true needs a domain"),
    ],
)
def test_what_the_domain_does_not_offer_is_refused_at_load(plugins, override, field):
    overrides = ["domain.id=hex3-no-solver", "arena.references=[random]", override]
    with pytest.raises(ConfigError, match=field):
        load_recipe(SMOKE, overrides)
    load_recipe(SMOKE, ["domain.id=hex3", *overrides[1:]])  # with a solver: accepted


def test_skipped_oracle_metrics_are_said_once(plugins, tmp_path, capsys):
    recipe = tmp_path / "mine.yaml"  # the arena's default: error rates where there is a solver
    recipe.write_text("name: mine\ndomain: {id: hex3-no-solver}\n")
    run_dir = tmp_path / "run"
    overrides = [*TINY, "selfplay.games_per_generation=4", "learner.steps_per_generation=2"]
    assert main(["train", str(recipe), *sets(overrides), "--run-dir", str(run_dir)]) == 0
    out = capsys.readouterr().out
    note = (
        "note: domain 'hex3-no-solver' offers no exact solver, so the arena skips exact "
        "error rates (arena.error_positions); Elo and match results are still measured"
    )
    assert out.count(note) == 1, out
    metrics = (run_dir / "metrics.csv").read_text()
    assert "search_err" not in metrics and "elo" in metrics
