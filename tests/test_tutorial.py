"""Guards the "write a domain plugin" tutorial: its code runs, passes the conformance
checker, and joins the registry through the entry-point group, as the page says."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

import distill
from distill.testing import check_domain

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial"


@pytest.fixture()
def nim_on_path(tmp_path, monkeypatch):
    """Put the tutorial module on sys.path plus a dist-info declaring its entry point."""
    dist = tmp_path / "nim_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: nim-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text('[distill.domains]\nnim = "nim:make"\n'.replace('"', ""))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(TUTORIAL))
    importlib.invalidate_caches()
    yield importlib.import_module("nim")
    sys.modules.pop("nim", None)


def test_tutorial_domain_passes_check_domain(nim_on_path):
    check_domain(nim_on_path.make())


def test_tutorial_plugin_registers_through_entry_point(nim_on_path):
    assert "nim" in distill.list_domains()
    game = distill.make("nim").initial().play("3")
    assert str(game) == "18 stones, player 1 to move"


def test_tutorial_rules(nim_on_path):
    game = distill.make("nim").initial()
    for move in ["3"] * 7:  # 21 stones, seven takes of three: player 0 takes the last one
        game.play(move)
    assert game.is_over and game.value == -1.0 and game.to_play == 1
    with pytest.raises(distill.IllegalActionError):
        game.play("1")
    with pytest.raises(distill.MoveParseError):
        distill.make("nim").initial().play("4")
