"""Guards the trained-network player and the ladder on a real (tiny) Go run trained here
with `distill train`: the ``run:`` spec in GTP (a Sabaki/Lizzie transcript, analysis and
time budget included), in `distill match` and in `distill ladder` (files, table, Elo
line, report plot), and the bad inputs that must fail with one line, exit 2 and nothing
written: a run of another board size or another game, an opponent that cannot start,
a ladder folder that already holds files."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

import distill
from distill.arena.players import TIMED_LEAVES, SearchPlayer
from distill.arena.specs import make_player
from distill.cli import main
from distill.domain import Position
from distill.domains.go import GoDomain
from distill.gtp.analysis import serve
from distill.gtp.engine import GtpEngine

RECIPE = """
name: go5-tiny
seed: 0
domain: {id: go, kwargs: {size: 5, komi: 7.5}}
network:
  resnet: {channels: 8, blocks: 1, global_pool_every: 0}
  heads: {policy: dense, policy_channels: 4, value_channels: 4, value_hidden: 8,
          ownership: true, score: true}
search: {algorithm: puct, num_simulations: 8}
selfplay: {games_per_generation: 4, concurrent_games: 4, temperature_moves: 2}
learner: {steps_per_generation: 2, batch_size: 16}
arena: {games: 2, min_games: 2, references: [random], calibration_games: 0, error_positions: 0}
budget: {generations: 1}
"""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Go 5x5 run with one trained generation (one checkpoint)."""
    root = tmp_path_factory.mktemp("go-run")
    recipe = root / "go5-tiny.yaml"
    recipe.write_text(RECIPE)
    assert main(["train", str(recipe), "--run-dir", str(root / "run"), "--quiet"]) == 0
    return root / "run"


def test_run_spec_builds_the_runs_agent(run_dir: Path) -> None:
    go = distill.make("go", size=5, komi=6.5)  # another komi is fine: the same board
    player = make_player(f"run:{run_dir},sims=6,checkpoint=gen-00001.ckpt", go)
    assert isinstance(player, SearchPlayer)
    assert (player.name, player.simulations) == ("run:gen-00001", 6)
    assert make_player(f"run:{run_dir}", go).simulations == 8  # the recipe's arena budget
    bare = make_player(f"run:{run_dir},checkpoint=gen-00001", go)  # the name without .ckpt
    assert isinstance(bare, SearchPlayer) and bare.name == "run:gen-00001"
    position = Position(go).play_all(["C3"])
    move = int(player.select([position], np.random.default_rng(0))[0])
    assert position.legal_mask()[move]


def test_gtp_transcript_with_a_run_player(run_dir: Path) -> None:
    def factory(domain: GoDomain) -> object:
        return make_player(f"run:{run_dir},sims=8", domain)

    engine = GtpEngine(factory, size=5, seed=3)  # type: ignore[arg-type]
    script = (
        "1 name\n2 version\n3 protocol_version\n4 list_commands\n5 boardsize 5\n6 komi 7.5\n"
        "7 play B C3\n8 lz-analyze 10\n9 kata-analyze W 10 ownership true\n10 genmove W\n"
        "11 time_settings 0 1 1\n12 genmove B\n13 lz-genmove_analyze W 10\n14 undo\n"
        "15 boardsize 9\n16 list_stones black\n17 final_score\n"
    )
    out = io.StringIO()
    serve(engine, io.StringIO(script), out)
    replies = out.getvalue()[:-2].split("\n\n")
    assert replies[:3] == ["=1 distill", f"=2 {distill.__version__}", "=3 2"]
    assert "kata-analyze" in replies[3] and replies[4:7] == ["=5", "=6", "=7"]
    for reply, kata in ((replies[7], False), (replies[8], True)):
        lines = reply.split("\n")
        assert len(lines) >= 2 and all(line.startswith("info move ") for line in lines[1:])
        # the run's net has score and ownership heads: KataGo's fields come from them
        assert ("scoreMean" in reply) == kata and ("winrate 0." in reply) == kata
        if kata:
            assert all(len(line.split(" ownership ")[1].split()) == 25 for line in lines[1:])
    for reply in (replies[9], replies[11]):
        assert re.fullmatch(r"=1[02] ([A-E][1-5]|pass|resign)", reply), reply
    assert replies[10] == "=11"
    genmove_analyze = replies[12].split("\n")
    assert genmove_analyze[0] == "=13" and genmove_analyze[-1].startswith("play ")
    assert replies[13] == "=14"
    assert replies[14].startswith("?15 unacceptable size") and "5x5" in replies[14]
    assert replies[15].startswith("=16 ") and "C3" in replies[15]  # still the 5x5 game
    assert re.fullmatch(r"=17 (B|W)\+[\d.]+|=17 0", replies[16])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["gtp", "--size", "9"], "5x5 board, this game is 9x9"),
        (["match", "--b", "random", "--size", "7", "--out", "OUT"], "5x5 board, this game is 7x7"),
        (["match", "--b", "random", "--domain", "tictactoe", "--out", "OUT"], "not 'tictactoe'"),
    ],
)
def test_a_run_of_another_board_or_game_is_refused(
    run_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    out = tmp_path / "out"
    spec_flag = "--player" if argv[0] == "gtp" else "--a"
    full = [
        argv[0],
        spec_flag,
        f"run:{run_dir}",
        *(str(out) if a == "OUT" else a for a in argv[1:]),
    ]
    assert main(full) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_match_with_a_run_player_and_seconds_per_move(run_dir: Path, tmp_path: Path) -> None:
    argv = [
        "match", "--a", f"run:{run_dir}", "--b", "random", "--size", "5", "--games", "2",
        "--seconds-per-move", "0.05", "--opening-plies", "1", "--out", str(tmp_path),
    ]  # fmt: skip
    assert main(argv) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    games = results["games"]
    assert [g["opening"] for g in games] == [1, 1]
    settings = results["settings"]  # how to play the same match again
    assert (settings["seed"], settings["opening_plies"], settings["games"]) == (0, 1, 2)
    assert (settings["size"], settings["seconds_per_move"]) == (5, 0.05)
    assert len({g["moves"] for g in games}) >= 1 and (tmp_path / "game-002.sgf").exists()


def test_ladder_against_random_writes_results_and_a_plot(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["ladder", str(run_dir), "--opponents", "random", "--games", "3", "--simulations", "4"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "ladder of run:gen-00001" in out and "random" in out and "Elo (GNU Go level 10" in out
    folder = run_dir / "ladder" / "gen-00001"
    ladder = json.loads((folder / "ladder.json").read_text())
    assert ladder["generation"] == 1 and ladder["rows"][0]["games"] == 3
    row = ladder["rows"][0]
    assert row["wins"] + row["draws"] + row["losses"] == 3 and row["opponent_elo"] is None
    assert ladder["elo"] == {"elo": None, "low": None, "high": None}  # no anchored opponent
    settings = ladder["settings"]  # enough to replay the same openings and searches
    assert (settings["games"], settings["simulations"], settings["seed"]) == (3, 4, 0)
    assert (settings["opening_plies"], settings["resign"], settings["jobs"]) == (2, None, 1)
    assert sorted(p.name for p in (folder / "random").glob("*.sgf")) == [
        "game-001.sgf",
        "game-002.sgf",
        "game-003.sgf",
    ]
    assert main(argv) == 2  # the same folder again: refused, nothing overwritten
    assert "already holds files" in capsys.readouterr().err
    assert main(["report", str(run_dir)]) == 0
    assert (run_dir / "report" / "ladder.png").stat().st_size > 0


def test_a_ladder_opponent_that_cannot_start_is_one_error(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ladder"
    argv = [
        "ladder", str(run_dir), "--opponents", "random,gtp:/nonexistent/engine",
        "--games", "2", "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "/nonexistent/engine" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and not out.exists()


def test_run_spec_and_ladder_take_the_score_utility(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    go = distill.make("go", size=5, komi=7.5)
    player = make_player(f"run:{run_dir},sims=6,score_static=0.2,score_dynamic=0.1", go)
    assert isinstance(player, SearchPlayer)
    search = player.config
    assert (search.score_utility_static, search.score_utility_dynamic) == (0.2, 0.1)
    position = Position(go).play_all(["C3"])
    move = int(player.select([position], np.random.default_rng(0))[0])
    assert position.legal_mask()[move]
    assert make_player(f"run:{run_dir}", go).config.uses_score_utility is False  # the recipe's
    for bad in ("score_static=-0.1", "score_dynamic=inf", "score_static=x"):
        with pytest.raises(distill.errors.ConfigError, match="score_"):
            make_player(f"run:{run_dir},{bad}", go)
    out = tmp_path / "ladder"
    argv = ["ladder", str(run_dir), "--opponents", "random", "--games", "2",
            "--simulations", "4", "--score-static", "0.2", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    settings = json.loads((out / "ladder.json").read_text())["settings"]
    assert (settings["score_static"], settings["score_dynamic"]) == (0.2, None)
    capsys.readouterr()


def test_run_spec_and_ladder_take_leaves_per_network_call(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    go = distill.make("go", size=5, komi=7.5)
    player = make_player(f"run:{run_dir},seconds=0.05,leaves=4", go)
    assert isinstance(player, SearchPlayer) and player.config.leaves_per_step == 4
    position = Position(go).play_all(["C3"])
    result = player.search_timed([position], np.random.default_rng(0), 0.05)
    assert player.last_searcher is not None and player.last_searcher.config.leaves_per_step == 4
    assert position.legal_mask()[int(result.action[0])]
    default = make_player(f"run:{run_dir},seconds=0.05", go)
    assert isinstance(default, SearchPlayer)
    assert default.config.leaves_per_step == 1  # fixed-simulation searches: the recipe's
    default.search_timed([position], np.random.default_rng(0), 0.05)
    assert default.last_searcher is not None
    assert default.last_searcher.config.leaves_per_step == TIMED_LEAVES  # timed ones batch
    for bad in ("leaves=-1", "leaves=x"):
        with pytest.raises(distill.errors.ConfigError, match="leaves"):
            make_player(f"run:{run_dir},{bad}", go)
    out = tmp_path / "ladder"
    argv = ["ladder", str(run_dir), "--opponents", "random", "--games", "2",
            "--simulations", "8", "--leaves", "4", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert json.loads((out / "ladder.json").read_text())["settings"]["leaves"] == 4
    bad_out = tmp_path / "bad"
    assert main([*argv[:-4], "--leaves", "0", "--out", str(bad_out)]) == 2
    err = capsys.readouterr().err
    assert "leaves per network call must be >= 1, got 0" in err and "Traceback" not in err
    assert not bad_out.exists()


def test_run_spec_and_ladder_take_symmetries(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from distill.search.symmetric import SymmetricEvaluator

    go = distill.make("go", size=5, komi=7.5)
    player = make_player(f"run:{run_dir},sims=6,symmetries=8", go)
    assert isinstance(player, SearchPlayer)
    assert isinstance(player.evaluator, SymmetricEvaluator) and player.evaluator.count == 8
    position = Position(go).play_all(["C3"])
    assert position.legal_mask()[int(player.select([position], np.random.default_rng(0))[0])]
    ownership = player.evaluator.auxiliary(position.observe()[None])["ownership"]
    assert ownership.shape == (1, 5, 5)
    plain = make_player(f"run:{run_dir},sims=6", go)
    assert isinstance(plain, SearchPlayer)
    assert not isinstance(plain.evaluator, SymmetricEvaluator)  # the default: the net alone
    for bad in ("symmetries=9", "symmetries=-1", "symmetries=x"):
        with pytest.raises(distill.errors.ConfigError, match="symmetries"):
            make_player(f"run:{run_dir},{bad}", go)
    out = tmp_path / "ladder"
    argv = ["ladder", str(run_dir), "--opponents", "random", "--games", "2",
            "--simulations", "4", "--symmetries", "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    assert json.loads((out / "ladder.json").read_text())["settings"]["symmetries"] == 1
    bad_out = tmp_path / "bad"
    assert main([*argv[:-4], "--symmetries", "9", "--out", str(bad_out)]) == 2
    err = capsys.readouterr().err
    assert "symmetries must be 1..8" in err and "Traceback" not in err
    assert not bad_out.exists()
