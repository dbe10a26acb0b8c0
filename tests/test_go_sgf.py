"""Guards Go SGF input/output (sgfmill): a write -> load round trip keeps size, komi,
setup stones, the first player, passes, players and result; coordinates match GTP
vertices; malformed files, illegal and out-of-turn moves raise clear DistillErrors
naming the move; files are written atomically."""

from __future__ import annotations

import numpy as np
import pytest

from distill.domains.go import make, replay, vertex_to_action
from distill.domains.go.sgf import load_sgf, result_string, write_sgf
from distill.errors import CorruptFileError, DistillError


def test_round_trip_keeps_rules_setup_moves_and_names(tmp_path):
    domain = make(size=9, komi=6.5, black_stones=["C3", "G7"], first_player="white")
    moves = ["E5", "D4", "pass", "F6", "pass", "pass"]
    position = replay(domain, moves)
    path = tmp_path / "games" / "one.sgf"
    data = write_sgf(domain, position.history, players=("distill", "gnugo"), path=path)
    assert path.read_bytes() == data and not list(path.parent.glob(".*tmp"))
    loaded, actions, info = load_sgf(path)
    assert actions == position.history
    assert loaded.rules == domain.rules
    assert info["komi"] == 6.5 and info["handicap"] == 2 and info["first_player"] == "white"
    assert info["black_stones"] == ["G7", "C3"] and info["white_stones"] == []
    assert (info["black_player"], info["white_player"]) == ("distill", "gnugo")
    # 4 black stones, 1 white, the empty region touches both: 4 - 1 - 6.5 = -3.5
    assert info["result"] == result_string(position) == "W+3.5"
    again = replay(loaded, actions)
    assert np.array_equal(again.store, position.store)


def test_sgf_coordinates_are_gtp_vertices():
    _, actions, _ = load_sgf(b"(;GM[1]FF[4]SZ[19]KM[7.5];B[pd];W[dp];B[])")
    assert actions == [vertex_to_action(v, 19) for v in ("Q16", "D4", "pass")]


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (b"(;GM[1]SZ[9];B[ee", CorruptFileError, "not a valid SGF"),
        (b"no sgf here", CorruptFileError, "not a valid SGF"),
        (b"(;GM[1]SZ[9]KM[abc])", CorruptFileError, "malformed root property: could not"),
        (b"(;GM[1]SZ[9];B[ee];W[zz])", CorruptFileError, r"node 2: W\[zz\] is not a point"),
        (b"(;GM[1]SZ[3])", DistillError, "size must be in 5..19"),
        (b"(;GM[1]SZ[9];B[ee];W[ee])", DistillError, r"move 2 \(white E5\) is illegal"),
        (b"(;GM[1]SZ[9];B[ee];B[dd])", DistillError, r"move 2 \(black D6\): white was to play"),
        (b"(;GM[1]SZ[9];B[ee];AB[aa])", DistillError, "setup stones after the root"),
    ],
)
def test_bad_files_raise_clear_errors(data, error, message):
    with pytest.raises(error, match=message):
        load_sgf(data)


def test_missing_file_and_illegal_write_are_distill_errors(tmp_path):
    with pytest.raises(DistillError, match="cannot read SGF file"):
        load_sgf(tmp_path / "absent.sgf")
    with pytest.raises(DistillError, match="move 2 is illegal"):
        write_sgf(make(size=5), [12, 12])
