"""Guards `distill gtp`: every listed command answers as GTP 2 (and GNU Go / Leela Zero /
KataGo for the extensions) say, ids and preprocessing follow the spec, playing out of turn
is handled as documented, and analysis streams ``info`` lines until the next command."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import distill
from distill.arena.players import RandomPlayer, SearchPlayer
from distill.arena.specs import ROLLOUT_DEFAULTS
from distill.domains.go import GoDomain
from distill.domains.go.rollouts import LightRolloutEvaluator
from distill.gtp.analysis import serve
from distill.gtp.engine import GtpEngine
from distill.gtp.protocol import format_reply, parse_command, preprocess
from distill.search import SearchConfig

REPLY = re.compile(r"^([=?])(\d*)(?: (.*))?$", re.S)


def random_engine(**kwargs: object) -> GtpEngine:
    return GtpEngine(lambda domain: RandomPlayer(domain), seed=7, **kwargs)  # type: ignore[arg-type]


def session(engine: GtpEngine, script: str | Iterator[str]) -> list[str]:
    """Run `script` through the engine; the replies, each without its final blank line."""
    out = io.StringIO()
    serve(engine, io.StringIO(script) if isinstance(script, str) else script, out)
    text = out.getvalue()
    assert text.endswith("\n\n") or not text
    return text[:-2].split("\n\n") if text else []


def test_preprocessing_ids_and_reply_format() -> None:
    assert preprocess("  12\tplay b d4 # a comment\r") == "12 play b d4"
    assert parse_command("# only a comment") is None
    assert parse_command("   ") is None
    command = parse_command("7 PLAY  W   e5")
    assert command is not None and (command.id, command.name, command.args) == (
        "7",
        "play",
        ("W", "e5"),
    )
    assert format_reply("3", "a\n\n\nb", ok=True) == "=3 a\nb\n\n"
    assert format_reply("", "", ok=False) == "?\n\n"


def test_scripted_session_core_commands() -> None:
    script = """
1 protocol_version
2 name
3 version
4 known_command genmove
5 known_command frobnicate
list_commands
boardsize 9
clear_board
komi 6.5
10 play b D4
11 PLAY White e5  # comment after a command
12 play b d4
genmove b
undo
undo
showboard
time_settings 300 30 5
time_left w 120 0
20 final_score
quit
play b c3
"""
    replies = session(random_engine(), script)
    assert replies[:6] == [
        "=1 2",
        "=2 distill",
        f"=3 {distill.__version__}",
        "=4 true",
        "=5 false",
        replies[5],
    ]
    listed = replies[5].removeprefix("= ").split("\n")
    for name in ("protocol_version", "genmove", "final_score", "is_legal", "printsgf"):
        assert name in listed
    assert "lz-analyze" not in listed  # the random player cannot analyse
    assert replies[6:11] == ["=", "=", "=", "=10", "=11"]
    assert replies[11] == "?12 illegal move"
    assert re.fullmatch(r"= [A-HJ][1-9]|= pass", replies[12])
    assert replies[13:15] == ["=", "="]
    board = replies[15]
    assert board.startswith("= \n") and "(X)" in board  # only D4 is left, the last move
    assert replies[16:18] == ["=", "="]
    assert replies[18] == "=20 B+74.5"  # black D4 alone owns all 81 points, komi 6.5
    assert replies[19] == "="
    assert len(replies) == 20  # nothing is answered after quit


def test_extensions_is_legal_all_legal_list_stones() -> None:
    script = (
        "boardsize 5\nplay b a1\nplay w b1\nplay b b2\nplay w a2\n"
        "is_legal b a1\nis_legal w c3\nis_legal b b2\nlist_stones black\n"
        "list_stones white\nall_legal white\nplay b zz9\nis_legal x a1\n"
    )
    replies = session(random_engine(), script)
    assert replies[:5] == ["="] * 5
    assert replies[5] == "= 0"  # black A1 was captured; playing there again is suicide
    assert replies[6:8] == ["= 1", "= 0"]
    assert replies[8] == "= B2"
    assert replies[9] == "= A2 B1"
    assert "C3" in replies[10] and "B2" not in replies[10] and "pass" not in replies[10]
    assert replies[11].startswith("? invalid vertex")
    assert replies[12].startswith("? invalid color")


def test_final_score_follows_tromp_taylor() -> None:
    replies = session(
        random_engine(komi=7.5),
        "play b e5\nfinal_score\nkomi 0\nfinal_score\n"
        "play w a1\nfinal_score\nkomi 80\nfinal_score\n",
    )
    # one black stone owns the whole empty board: 81 points
    assert replies[1] == "= B+73.5"
    assert replies[3] == "= B+81"
    assert replies[5] == "= 0"  # the empty area now reaches both colours: 1 point each
    assert replies[7] == "= W+80"


def test_out_of_turn_play_inserts_a_pass() -> None:
    replies = session(
        random_engine(),
        "play w e5\nplay w d4\nlist_stones white\nprintsgf\nplay b pass\nplay b c3\nplay w pass\n",
    )
    assert replies[:2] == ["=", "="]
    assert replies[2] == "= E5 D4"  # listed from the top row down
    sgf = replies[3]
    assert sgf.startswith("= (;") and ";B[tt];W[ee];B[tt];W[df])" in sgf  # tt: pass
    assert replies[4] == "="
    assert replies[5] == "? cannot play twice in a row for one colour right after a pass"
    assert replies[6] == "="  # white passes too: the game is over
    assert session(random_engine(), "play b pass\nplay w pass\nplay b d4\ngenmove w\n")[2:] == [
        "? illegal move",
        "= pass",
    ]


def test_boardsize_komi_errors_and_loadsgf_printsgf(tmp_path: Path) -> None:
    path = tmp_path / "game.sgf"
    script = (
        f"boardsize 4\nboardsize 20\nboardsize nine\nboardsize\nkomi x\nkomi inf\nkomi 1e300\n"
        f"boardsize 7\nplay b d4\nplay w c3\nprintsgf {path}\nclear_board\nlist_stones b\n"
        f"loadsgf {path}\nlist_stones black\nloadsgf {path} 2\nlist_stones white\n"
        f"loadsgf {tmp_path / 'missing.sgf'}\nundo\nundo\n"
    )
    replies = session(random_engine(), script)
    assert replies[0].startswith("? unacceptable size")
    assert replies[1].startswith("? unacceptable size")
    assert replies[2].startswith("? board size must be an integer")
    assert replies[3].startswith("? boardsize takes 1 argument")
    assert replies[4].startswith("? komi must be a number")
    assert replies[5].startswith("? komi must be finite")
    assert replies[6].startswith("? go: komi")
    assert replies[7:11] == ["="] * 4
    assert path.exists()
    assert replies[11:13] == ["=", "="]
    assert replies[13:15] == ["= black", "= D4"]
    assert replies[15:17] == ["= white", "="]
    assert replies[17].startswith("? cannot load")
    assert replies[18:20] == ["=", "? cannot undo"]


def _live_session(engine: GtpEngine, lines: list[str], updates: int) -> list[str]:
    """Like `session`, but the last line is sent only once `updates` analysis lines are
    out (a GUI that waits for analysis), so the test does not depend on the clock."""
    out = io.StringIO()

    def script() -> Iterator[str]:
        for line in lines[:-1]:
            yield line + "\n"
        deadline = time.monotonic() + 300  # a stuck engine fails the asserts below
        while out.getvalue().count("\ninfo move ") < updates and time.monotonic() < deadline:
            time.sleep(0.01)
        yield lines[-1] + "\n"

    serve(engine, script(), out)
    return out.getvalue()[:-2].split("\n\n")


@pytest.mark.parametrize("command", ["lz-analyze", "kata-analyze"])
def test_analysis_streams_until_the_next_command(command: str) -> None:
    def factory(domain: GoDomain) -> SearchPlayer:
        config = SearchConfig(**ROLLOUT_DEFAULTS)
        return SearchPlayer(domain, LightRolloutEvaluator(domain), config, 24)

    engine = GtpEngine(factory, size=5, seed=3)
    script = ["play b c3", f"5 {command} w interval 5 maxmoves 4", "name"]
    replies = _live_session(engine, script, updates=3)
    assert replies[0] == "="
    lines = replies[1].split("\n")
    assert lines[0] == "=5"
    updates = lines[1:]
    assert len(updates) >= 3
    info = re.compile(r"info move ([A-E][1-5]|pass) visits (\d+) .*?order (\d+) pv ((\S+ ?)+)")
    for update in updates:
        moves = update.split("info ")[1:]
        assert 1 <= len(moves) <= 4
        for rank, entry in enumerate(moves):
            match = info.fullmatch("info " + entry.strip())
            assert match, entry
            assert int(match.group(3)) == rank
            assert match.group(4).split()[0] == match.group(1)  # the pv starts with the move
        if command == "kata-analyze":
            assert re.search(r"utility -?[01]\.\d{6} winrate [01]\.\d{6} prior [01]\.\d{6}", update)
        else:
            assert re.search(r"winrate \d+ prior \d+ lcb \d+", update)
    first = int(re.search(r"visits (\d+)", updates[0]).group(1))  # type: ignore[union-attr]
    last = int(re.search(r"visits (\d+)", updates[-1]).group(1))  # type: ignore[union-attr]
    assert last > first  # the tree grows from update to update
    assert replies[2] == "= distill"
    assert "lz-analyze" in session(engine, "list_commands\n")[0]


def test_every_reply_is_well_formed_under_error_load() -> None:
    script = "\n".join(
        [
            "",
            "   ",
            "#",
            "99",
            "99 ",
            "\x00\x01\x7f",
            "play",
            "play b",
            "play b d4 e5",
            "play q d4",
            "play b j0",
            "play b z1",
            "play b 44",
            "genmove",
            "genmove purple",
            "is_legal",
            "all_legal",
            "list_stones",
            "loadsgf",
            "time_settings 1 2",
            "time_settings -1 0 0",
            "time_left b x 0",
            "known_command",
            "18446744073709551617 name",
            "komi 1e999",
            "boardsize 99999999999999999999999",
            "lz-analyze",
            "kata-analyze b",
            "undo",
            "final_score extra args are ignored",
        ]
    )
    replies = session(random_engine(), script + "\nprotocol_version\n")
    for reply in replies:
        assert REPLY.match(reply), reply
    assert replies[-1] == "= 2"
    assert replies[0] == "?99 missing command name"  # "99" alone


def test_gtp_command_folds_simulations_into_the_player_spec() -> None:
    from distill.commands.gtp import player_spec
    from distill.errors import ConfigError

    assert player_spec("mcts", 800) == "mcts:sims=800"
    assert player_spec("mcts:c_init=16", 800) == "mcts:c_init=16,sims=800"
    assert player_spec("random", None) == "random"
    with pytest.raises(ConfigError, match="applies to the mcts player"):
        player_spec("random", 10)
    with pytest.raises(ConfigError, match="given twice"):
        player_spec("mcts:sims=5", 10)
