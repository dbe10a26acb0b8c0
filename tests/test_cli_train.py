"""Guards the train/eval/play/report/search verbs through `distill.cli.main`: a run from a
recipe with --set, the files it leaves, and every user error (malformed recipe, bad
override, existing run dir, corrupt checkpoint/shard/state) ending with one error line,
exit code 2, no traceback and no file overwritten."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from conftest import SMOKE as SMOKE_PATH
from conftest import TINY as BASE_TINY
from conftest import one_error, sets

from distill.cli import main

ROOT = Path(__file__).resolve().parents[1]
SMOKE = str(SMOKE_PATH)
TINY = [*BASE_TINY, "budget.generations=1"]


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", SMOKE, *sets(TINY), "--run-dir", str(root)]) == 0
    return root


def test_train_writes_a_complete_run(trained, capsys):
    assert json.loads((trained / "state.json").read_text())["finished"] is True
    assert (trained / "checkpoints" / "gen-00001.ckpt").is_file()
    assert "num_simulations: 6" in (trained / "recipe.yaml").read_text()


@pytest.mark.parametrize(
    ("content", "extra", "expected"),
    [
        ("name: x\nselfplay: {gamez: 1}\n", [], "unknown key 'gamez' in selfplay"),
        ("name: x\nsearch: {algorithm: minimax}\n", [], "allowed values: puct, gumbel"),
        ("name: x\nlearner: {lr: fast}\n", [], "learner.lr: expected a number"),
        ("name: x\nsearch: [\n", [], "invalid YAML"),
        ("name: x\n", ["--set", "arena.games=-1"], "arena: games, min_games, calibration_games"),
    ],
)
def test_malformed_recipes_fail_cleanly_and_create_nothing(
    tmp_path, capsys, content, extra, expected
):
    recipe = tmp_path / "bad.yaml"
    recipe.write_text(content)
    run_dir = tmp_path / "run"
    assert main(["train", str(recipe), *extra, "--run-dir", str(run_dir)]) == 2
    assert expected in one_error(capsys, "train")
    assert not run_dir.exists()


def test_existing_run_dir_is_not_overwritten(trained, tmp_path, capsys):
    before = tree_digest(trained)
    assert main(["train", SMOKE, "--run-dir", str(trained)]) == 2  # another resolved recipe
    assert "holds a run of a different recipe" in one_error(capsys, "train")
    assert tree_digest(trained) == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    assert main(["train", SMOKE, "--run-dir", str(other)]) == 2
    assert "already exists and is not empty" in one_error(capsys, "train")
    assert (other / "notes.txt").read_text() == "mine"


def test_the_same_recipe_again_continues_its_finished_run(trained, capsys):
    before = tree_digest(trained)
    assert main(["train", SMOKE, *sets(TINY), "--run-dir", str(trained), "--quiet"]) == 0
    assert "resuming the run" in capsys.readouterr().out
    assert tree_digest(trained) == before


@pytest.mark.parametrize("target", ["checkpoint", "shard", "state"])
def test_corrupt_files_stop_a_resume_without_overwriting(trained, tmp_path, capsys, target):
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    state = json.loads((run / "state.json").read_text())
    state["finished"] = False  # so the resume would train again if it could
    (run / "state.json").write_text(json.dumps(state))
    victim = {
        "checkpoint": run / "checkpoints" / state["checkpoints"][-1],
        "shard": run / "replay" / state["shards"][0],
        "state": run / "state.json",
    }[target]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    before = tree_digest(run)
    assert main(["train", "--resume", str(run)]) == 2
    assert victim.name in one_error(capsys, "train")
    assert tree_digest(run) == before


def test_resume_usage_errors(trained, tmp_path, capsys):
    assert main(["train", "--resume", str(trained), SMOKE]) == 2
    assert "takes no recipe or --run-dir" in one_error(capsys, "train")
    assert main(["train", "--resume", str(tmp_path / "nowhere")]) == 2
    assert "does not exist" in one_error(capsys, "train")
    assert main(["train"]) == 2
    one_error(capsys, "train")


def test_resume_with_a_larger_budget_extends_a_finished_run(trained, tmp_path, capsys):
    """``--resume RUN --set budget.generations=2`` goes on from a finished one-generation
    run; --set outside ``budget.*`` is refused and changes nothing."""
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    before = tree_digest(run)
    assert main(["train", "--resume", str(run), "--set", "selfplay.games_per_generation=4"]) == 2
    assert "budget fields only" in one_error(capsys, "train") and tree_digest(run) == before
    assert main(["train", "--resume", str(run), "--set", "budget.generations=x"]) == 2
    assert "budget.generations" in one_error(capsys, "train") and tree_digest(run) == before
    assert main(["train", "--resume", str(run), "--quiet"]) == 0  # finished: nothing to do
    assert tree_digest(run) == before
    args = ["train", "--resume", str(run), "--set", "budget.generations=2", "--quiet"]
    assert main(args) == 0
    state = json.loads((run / "state.json").read_text())
    assert state["generation"] == 2 and state["finished"]
    assert state["checkpoints"] == ["gen-00001.ckpt", "gen-00002.ckpt"]
    assert "generations: 2" in (run / "recipe.yaml").read_text()
    assert len(list(csv.DictReader((run / "metrics.csv").open()))) == 2


def test_eval_writes_moves_and_error_rates(trained, tmp_path, capsys):
    positions = tmp_path / "p.txt"
    positions.write_text("15 0\n1\n- 0 0 0 0 0 0 0 0 0\n")
    out = tmp_path / "eval.jsonl"
    assert main(["eval", str(trained), "--positions", str(positions), "--out", str(out)]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r.get("position") for r in rows[:3]] == ["15", "1", "-"]
    assert all("policy_move" in r and "search_move" in r for r in rows[:3])
    assert "policy_optimal" in rows[0] and "policy_optimal" not in rows[1]
    summary = rows[-1]
    assert summary["summary"] and summary["scored_positions"] == 2
    assert 0.0 <= summary["search_not_optimal"] <= 1.0
    positions.write_text("19z\n")
    assert main(["eval", str(trained), "--positions", str(positions)]) == 2
    assert "p.txt:1:" in one_error(capsys, "eval")
    positions.write_text("15 0\n1 abc\n")
    assert main(["eval", str(trained), "--positions", str(positions)]) == 2
    assert "p.txt:2: score 'abc' is not an integer" in one_error(capsys, "eval")


def test_eval_names_the_checkpoints_on_disk(trained, tmp_path, capsys):
    positions = tmp_path / "p.txt"
    positions.write_text("15 0\n")
    args = ["eval", str(trained), "--positions", str(positions), "--checkpoint", "gen-09999.ckpt"]
    assert main(args) == 2
    err = one_error(capsys, "eval")
    assert "gen-09999.ckpt: no such checkpoint; on disk (1): gen-00001.ckpt" in err
    assert main(["play", str(trained), "--domain", "connect4"]) == 2
    assert "not both" in one_error(capsys, "play")


def test_report_writes_plots_and_prints_the_pool(trained, capsys):
    assert main(["report", str(trained)]) == 0
    out = capsys.readouterr().out
    written = [line for line in out.splitlines() if line.endswith((".png", ".md"))]
    names = {Path(p).name for p in written}
    assert {"elo.png", "elo_time.png", "losses.png", "pool.md"} <= names
    for path in written:
        if path.endswith(".png"):
            assert Path(path).read_bytes()[:4] == b"\x89PNG"
    assert "| player | kind | Elo | ±95% | games | score |" in out
    assert "| random | reference | 0 | 0 |" in out and "| gen-00001 | checkpoint |" in out


def test_search_prints_statistics_and_rejects_bad_moves(capsys):
    assert main(["search", "tictactoe", "1425", "--simulations", "100"]) == 0
    out = capsys.readouterr().out
    assert "visits" in out and "best move: 3" in out
    assert main(["search", "tictactoe", "11"]) == 2
    assert "illegal action" in one_error(capsys, "search")


def test_play_a_game_in_the_terminal(trained, monkeypatch, capsys):
    moves = iter(["5", "5", "1", "9", "3", "7", "2", "4", "6", "8", "q"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(moves))
    assert main(["play", str(trained)]) == 0
    out = capsys.readouterr().out
    assert "You play first" in out and "final position" in out
    assert out.rstrip().splitlines()[-1] in ("You win!", "Draw.", "agent wins.")


def test_play_a_rollout_search_without_a_run(monkeypatch, capsys):
    moves = iter(["0", "q"])  # a bad move is reported, then the player quits
    monkeypatch.setattr("builtins.input", lambda prompt="": next(moves))
    assert main(["play", "--domain", "tictactoe", "--second", "--simulations", "50"]) == 0
    out = capsys.readouterr().out
    assert "mcts50 plays" in out and "must be a cell digit 1-9" in out and "bye" in out


def test_eval_seen_matches_the_games_in_replay(trained, tmp_path):
    """`--seen` against an oracle built from the recorded moves, not from observations:
    every prefix of a self-play game is seen, and so is its mirror image; a position
    no game (or its images) reached is not, and its rates land in the *_unseen fields."""
    import numpy as np

    import distill
    from distill.arena.seen import seen_in_replay
    from distill.replay import read_shard

    ttt = distill.make("tictactoe")
    reached: set[tuple[int, ...]] = set()
    for path in sorted((trained / "replay").glob("*.shard")):
        arrays = read_shard(path).arrays
        for game in np.unique(arrays["game_of"]):
            rows = np.flatnonzero(arrays["game_of"] == game)
            moves = tuple(
                int(a) for a in arrays["action"][rows[np.argsort(arrays["move_index"][rows])]]
            )
            reached.update(moves[:k] for k in range(len(moves)))
    boards = {}  # board (as symmetric-image-free key) of every reached prefix
    for line in reached:
        boards[frozenset((m, k % 2) for k, m in enumerate(line))] = line
    perms = ttt.cell_perms

    def images(line: tuple[int, ...]) -> set[frozenset]:
        return {frozenset((int(p[m]), k % 2) for k, m in enumerate(line)) for p in perms}

    game_line = max(reached, key=len)
    mirrored = tuple(int(perms[1][m]) for m in game_line)
    unseen = next(
        (a, b, c, d)
        for a in range(9)
        for b in range(9)
        for c in range(9)
        for d in range(9)
        if len({a, b, c, d}) == 4 and not images((a, b, c, d)) & set(boards)
    )
    seen = seen_in_replay(ttt, [game_line, mirrored, unseen], trained / "replay")
    assert seen.tolist() == [True, True, False]
    positions = tmp_path / "p.txt"
    digits = ["".join(str(m + 1) for m in line) or "-" for line in (game_line, unseen)]
    positions.write_text(f"{digits[0]} 0\n{digits[1]} 0\n")
    out = tmp_path / "seen.jsonl"
    args = ["eval", str(trained), "--positions", str(positions), "--seen", "--out", str(out)]
    assert main(args) == 0
    written = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["seen"] for r in written[:2]] == [True, False]
    assert written[-1]["unseen_positions"] == 1 and written[-1]["scored_positions"] == 2
    assert written[-1]["search_outcome_change_unseen"] in (0.0, 1.0)
