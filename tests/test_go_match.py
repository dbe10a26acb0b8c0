"""Guards the Go referee and its players: player specs, forfeits on illegal moves and engine
failures, resignation, colour alternation and result files of `play_match`, the GTP player's
board sync, light playouts, and full games of `distill match` against GNU Go (when installed)
and of `distill gtp` as a subprocess engine."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import distill
from distill.cli import main
from distill.domain import Position
from distill.domains.go import board_array
from distill.domains.go.gtp_client import GNUGO
from distill.domains.go.gtp_rollouts import (
    LightRolloutEvaluator,
    is_own_eye,
    light_playout,
    tactical_move,
)
from distill.domains.go.match import play_game, play_match, summary, wilson_interval
from distill.errors import ConfigError, DistillError
from distill.players import RESIGN, RandomPlayer, make_player

_skip_without_gnugo = pytest.mark.skipif(
    not Path(GNUGO).exists(), reason=f"GNU Go is not installed at {GNUGO}: apt-get install gnugo"
)


def needs_gnugo(test: Callable[..., None]) -> Callable[..., None]:
    """Mark a test as using GNU Go (marker ``gnugo``) and skip it when GNU Go is missing."""
    return pytest.mark.gnugo(_skip_without_gnugo(test))  # type: ignore[no-any-return]


DISTILL_GTP = f"gtp:{shlex.quote(sys.executable)} -m distill.cli gtp --player random"


class Scripted:
    """Plays the given actions in order, then whatever `then` says (an action or an error)."""

    def __init__(self, name: str, actions: list[int], then: int | Exception) -> None:
        self.name, self.actions, self.then = name, list(actions), then

    def genmove(self, position: Position) -> int:
        if self.actions:
            return self.actions.pop(0)
        if isinstance(self.then, Exception):
            raise self.then
        return self.then

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_specs_build_players_and_reject_mistakes() -> None:
    go = distill.make("go", size=9)
    assert isinstance(make_player("random:seed=4", go), RandomPlayer)
    assert make_player("mcts:sims=8,rollout=uniform,c_init=2", go).name == "mcts8"
    for spec, message in [
        ("alphago", "unknown kind"),
        (r"random:sed=1", r"unknown option\(s\) sed"),
        ("mcts:sims=many", "sims must be an integer"),
        ("mcts:rollout=heavy", "rollout must be one of"),
        ("mcts:sims", "is not key=value"),
        ("gnugo:level=11", "level must be 0..10"),
        ("gtp:", "no engine command"),
        ("gtp:'unterminated", "cannot split"),
        ("mcts:rollout=uniform,prior=uniform", "need rollout=light"),
    ]:
        with pytest.raises(ConfigError, match=message):
            make_player(spec, go)
    with pytest.raises(ConfigError, match="light rollouts are for Go"):
        make_player("mcts:rollout=light", distill.make("tictactoe"))


def test_illegal_move_forfeits_with_a_note() -> None:
    go = distill.make("go", size=5)
    black = Scripted("cheater", [12, 12], then=0)  # C3, then C3 again: occupied
    white = Scripted("honest", [0], then=24)
    position, ending = play_game(go, black, white)
    assert (ending.winner, ending.result, ending.reason) == ("W", "W+F", "illegal move")
    assert (
        ending.note == "cheater played illegal move C3 at move 3 (occupied or suicide or superko)"
    )
    assert position.history == [12, 0]
    _, ending = play_game(go, Scripted("b", [], then=99), white)
    assert ending.note.endswith("illegal move 99 at move 1 (off the board)")


def test_engine_failure_and_resignation_end_the_game() -> None:
    go = distill.make("go", size=5)
    crash = Scripted("crashy", [12], then=DistillError("engine died"))
    _, ending = play_game(go, Scripted("b", [6, 7], then=RESIGN), crash)
    assert (ending.result, ending.reason) == ("B+F", "engine error")
    assert "crashy failed at move 4: engine died" in ending.note
    _, ending = play_game(go, Scripted("b", [6], then=RESIGN), Scripted("w", [12], then=0))
    assert (ending.winner, ending.result, ending.reason) == ("W", "W+R", "resign")


def test_two_passes_are_scored_by_tromp_taylor() -> None:
    go = distill.make("go", size=5, komi=0.5)
    position, ending = play_game(go, Scripted("b", [12, 25], then=25), Scripted("w", [25], then=25))
    assert (ending.winner, ending.result, ending.reason) == ("B", "B+24.5", "score")
    assert len(position.history) == 3


def test_play_match_alternates_colours_and_writes_results(tmp_path: Path) -> None:
    go = distill.make("go", size=5, max_moves=60)
    records = play_match(
        go,
        RandomPlayer(seed=1, name="r1"),
        RandomPlayer(seed=2, name="r2"),
        games=3,
        out_dir=tmp_path,
    )
    assert [(r.black, r.white) for r in records] == [("r1", "r2"), ("r2", "r1"), ("r1", "r2")]
    for record in records:
        assert (tmp_path / record.sgf).read_bytes().startswith(b"(;")
        assert record.result in ("0", f"{record.winner}+{abs(record.score):g}")
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["players"] == ["r1", "r2"] and len(data["games"]) == 3
    rows = (tmp_path / "results.csv").read_text().strip().split("\n")
    assert rows[0].startswith("number,black,white,winner,result") and len(rows) == 4
    table = summary(records, ("r1", "r2"))
    assert sum(int(row["wins"]) for row in table) + int(table[0]["draws"]) == 3  # type: ignore[call-overload]
    low, high = wilson_interval(0.5, 10)
    assert 0.23 < low < 0.24 and 0.76 < high < 0.77  # Wilson 1927, z = 1.96


def test_light_playout_eyes_and_outcomes() -> None:
    # white O surrounds the corner A5 (top-left): A5 is white's eye, not black's.
    go = distill.make("go", size=5, white_stones=("B5", "A4", "B4"), black_stones=("E1",))
    state = go.initial().store[0]
    assert is_own_eye(state, 0, 2) and not is_own_eye(state, 0, 1)
    assert not is_own_eye(state, 12, 1)  # C3: empty neighbours
    # black fills a 5x5 board but for two one-point eyes, A1 and E5: alive, and white has
    # no legal point. Light playouts pass instead of filling the eyes, so black always wins.
    stones = [v for v in (f"{c}{r}" for c in "ABCDE" for r in range(1, 6)) if v not in ("A1", "E5")]
    alive = distill.make("go", size=5, komi=0.5, black_stones=stones, first_player="white")
    store = alive.initial().store
    seeds = np.array([1, 2], dtype=np.uint64)
    evaluator = LightRolloutEvaluator(alive, num_rollouts=3)
    values = evaluator.evaluate_states(store, np.array([0, 0]), seeds)[1]
    assert values.tolist() == [-1.0, -1.0]  # white, to move, loses every playout
    scratch = store[0].copy()
    assert light_playout(scratch, np.array([7], dtype=np.uint64), np.empty(25, np.int64)) == 24.5
    assert (board_array(scratch) == board_array(store[0])).all()  # passes only, eyes kept


def test_tactical_playout_moves_capture_and_escape() -> None:
    go = distill.make("go", size=5, black_stones=("B3", "C4", "D3"), first_player="white")
    position = go.initial().play("C3")  # white plays into atari: black captures at C2
    assert go.format_action(tactical_move(position.store[0])) == "C2"
    go = distill.make("go", size=5, black_stones=("B3", "C4"), white_stones=("C3",))
    position = go.initial().play("D3")  # black ataris C3: white extends at C2
    assert go.format_action(tactical_move(position.store[0])) == "C2"
    assert tactical_move(go.initial().store[0]) == -1  # no last move
    spec = "mcts:sims=8,prior=uniform,tactics=0"
    evaluator = make_player(spec, go)._evaluator  # type: ignore[attr-defined]
    assert (evaluator.prior, evaluator.tactics) == ("uniform", False)


@needs_gnugo
def test_gtp_player_keeps_gnugo_in_step() -> None:
    go = distill.make("go", size=9, komi=7.5)
    gnugo = make_player("gnugo:level=0", go)
    assert "--capture-all-dead" in gnugo.argv  # type: ignore[attr-defined]
    assert "--capture-all-dead" not in make_player("gnugo:capture=0", go).argv  # type: ignore[attr-defined]
    try:
        position = Position(go).play_all(["E5", "C3", "G7"])
        reply = gnugo.genmove(position)
        position.play(reply)
        stones = gnugo.send("list_stones white").split()  # type: ignore[attr-defined]
        board = board_array(position.store[0])
        expected = {go.format_action(a) for a in np.flatnonzero(board.reshape(-1) == 2)}
        assert set(stones) == expected
        fresh = Position(go).play("D4")  # a new game: the player must clear and replay
        assert 0 <= gnugo.genmove(fresh) <= 81
        assert gnugo.send("list_stones black").split() == ["D4"]  # type: ignore[attr-defined]
    finally:
        gnugo.close()


@needs_gnugo
def test_distill_gtp_plays_a_full_game_against_gnugo_through_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "match",
            "--black",
            DISTILL_GTP,
            "--white",
            "gnugo:level=0",
            "--games",
            "1",
            "--size",
            "9",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    data = json.loads((tmp_path / "results.json").read_text())
    game = data["games"][0]
    assert game["reason"] in ("score", "move cap") and game["moves"] > 10, game
    assert game["winner"] == "W"  # a random player does not beat GNU Go
    assert (tmp_path / "game-001.sgf").exists()
    assert "win rate" in capsys.readouterr().out


@pytest.mark.parametrize("engine", ["gtp:/nonexistent/engine", "gtp:false"])
def test_match_with_an_engine_that_cannot_start_fails_at_once(
    engine: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "m"
    argv = ["match", "--black", engine, "--white", "random", "--games", "2", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "GTP engine" in err and "Traceback" not in err
    assert not out.exists()  # no forfeits recorded, nothing written
