"""Guards the match runner on Go and the players it referees: player specs, forfeits on
illegal moves and engine failures, resignation, Tromp-Taylor scoring, colour alternation and
result files (SGF) of `play_match`, the GTP player's board sync, light playouts, and full
games of `distill match` against GNU Go (when installed) and of `distill gtp` as a
subprocess engine."""

from __future__ import annotations

import dataclasses
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import distill
from distill.arena.match import GameRecord, play_match
from distill.arena.players import RESIGN, RandomPlayer
from distill.arena.results import MatchWriter, summary, wilson_interval
from distill.arena.specs import make_player
from distill.cli import main
from distill.domain import Position
from distill.domains.go import board_array
from distill.domains.go.rollouts import (
    LightRolloutEvaluator,
    is_own_eye,
    light_playout,
    tactical_move,
)
from distill.errors import ConfigError, DistillError
from distill.gtp.client import GNUGO

_skip_without_gnugo = pytest.mark.skipif(
    not Path(GNUGO).exists(), reason=f"GNU Go is not installed at {GNUGO}: apt-get install gnugo"
)


def needs_gnugo(test: Callable[..., None]) -> Callable[..., None]:
    """Mark a test as using GNU Go (marker ``gnugo``) and skip it when GNU Go is missing."""
    return pytest.mark.gnugo(_skip_without_gnugo(test))  # type: ignore[no-any-return]


DISTILL_GTP = f"gtp:{shlex.quote(sys.executable)} -m distill.cli gtp --player random"


class Scripted:
    """Plays the given actions in order, then whatever `then` says (an action or an error)."""

    max_batch = 1

    def __init__(self, name: str, actions: list[int], then: int | Exception) -> None:
        self.name, self.actions, self.then = name, list(actions), then

    def select(self, positions: list[Position], rng: np.random.Generator) -> np.ndarray:
        assert len(positions) == 1
        if self.actions:
            return np.array([self.actions.pop(0)])
        if isinstance(self.then, Exception):
            raise self.then
        return np.array([self.then])

    def reset(self) -> None:
        pass

    def close(self) -> None:
        pass


def play_one(go: distill.Domain, black: Scripted, white: Scripted) -> GameRecord:
    """One game, `black` as A (colour 0), refereed by the match runner."""
    return play_match(go, black, white, 1, np.random.default_rng(0)).records[0]


def test_specs_build_players_and_reject_mistakes() -> None:
    go = distill.make("go", size=9)
    assert isinstance(make_player("random", go), RandomPlayer)
    assert make_player("mcts:sims=8,rollout=uniform,c_init=2", go).name == "mcts8"
    for spec, message in [
        ("alphago", "unknown kind"),
        (r"random:sed=1", r"unknown option\(s\) sed"),
        ("mcts:sims=many", "sims must be an integer"),
        ("mcts:rollout=heavy", "rollout must be 'default' or 'uniform'"),
        ("mcts:sims", "is not key=value"),
        ("gnugo:level=11", "level must be 0..10"),
        ("gtp:", "no engine command"),
        ("gtp:'unterminated", "cannot split"),
        ("mcts:rollout=uniform,prior=uniform", r"unknown option\(s\) prior"),
        ("mcts:tactics=2", "tactics must be 0 or 1"),
        ("mcts:flavour=1", "unexpected keyword argument 'flavour'"),
        ("oracle", "has no exact solver"),
    ]:
        with pytest.raises(DistillError, match=message):
            make_player(spec, go)
    with pytest.raises(ConfigError, match=r"unknown option\(s\) prior"):
        make_player("mcts:prior=uniform", distill.make("tictactoe"))  # no light rollouts


def test_illegal_move_forfeits_with_a_note() -> None:
    go = distill.make("go", size=5)
    black = Scripted("cheater", [12, 12], then=0)  # C3, then C3 again: occupied
    white = Scripted("honest", [0], then=24)
    record = play_one(go, black, white)
    assert (record.outcome, record.result, record.reason) == (-1.0, "W+F", "illegal move")
    assert record.note == "cheater played illegal move C3 at move 3"
    assert record.moves == (12, 0)
    record = play_one(go, Scripted("b", [], then=99), white)
    assert record.note.endswith("illegal move 99 at move 1")


def test_engine_failure_and_resignation_end_the_game() -> None:
    go = distill.make("go", size=5)
    crash = Scripted("crashy", [12], then=DistillError("engine died"))
    record = play_one(go, Scripted("b", [6, 7], then=RESIGN), crash)
    assert (record.result, record.reason) == ("B+F", "engine error")
    assert "crashy failed at move 4: engine died" in record.note
    record = play_one(go, Scripted("b", [6], then=RESIGN), Scripted("w", [12], then=0))
    assert (record.outcome, record.result, record.reason) == (-1.0, "W+R", "resign")


def test_two_passes_are_scored_by_tromp_taylor() -> None:
    go = distill.make("go", size=5, komi=0.5)
    record = play_one(go, Scripted("b", [12, 25], then=25), Scripted("w", [25], then=25))
    assert (record.outcome, record.result, record.reason) == (1.0, "B+24.5", "end")
    assert len(record.moves) == 3 and record.score == 24.5


def test_play_match_alternates_colours_and_writes_results(tmp_path: Path) -> None:
    go = distill.make("go", size=5)
    writer = MatchWriter(go, tmp_path, ("r1", "r2"))
    result = play_match(
        go,
        RandomPlayer(go, name="r1"),
        RandomPlayer(go, name="r2"),
        3,
        np.random.default_rng(1),
        max_moves=60,
        on_game=writer,
    )
    records = writer.records
    assert records == [
        dataclasses.replace(r, file=f"game-{r.number:03d}.sgf") for r in result.records
    ]
    assert [r.players for r in records] == [("r1", "r2"), ("r2", "r1"), ("r1", "r2")]
    for record in records:
        assert (tmp_path / record.file).read_bytes().startswith(b"(;")
        assert record.score is not None
        winner = "B" if record.outcome > 0 else "W"
        assert record.result in ("0", f"{winner}+{abs(record.score):g}")
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["players"] == ["r1", "r2"] and len(data["games"]) == 3
    rows = (tmp_path / "results.csv").read_text().strip().split("\n")
    assert rows[0].startswith("number,players,a_colour,outcome,reason,result") and len(rows) == 4
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
    evaluator = make_player(spec, go).evaluator  # type: ignore[attr-defined]
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
    assert game["reason"] in ("end", "move cap") and game["moves"] > 10, game
    assert game["outcome"] == -1.0  # a random player (black) does not beat GNU Go
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
