"""Guards `distill export`: one checkpoint of a trained run becomes a small run directory
of its own with the same weights and no optimizer state, which plays as ``run:DIR`` and
starts a new flywheel on ``train --resume``; and the bad inputs that must fail with one
line, exit 2 and nothing written (an existing --out, a missing, corrupt or misfitting
checkpoint)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import SMOKE, TINY, one_error, sets

import distill
from distill.arena.specs import make_player
from distill.cli import main
from distill.domain import Position
from distill.learn import read_checkpoint


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tic-tac-toe run with two trained generations (two checkpoints)."""
    root = tmp_path_factory.mktemp("export-run") / "run"
    argv = ["train", str(SMOKE), "--run-dir", str(root), "--quiet"]
    assert main(argv + sets([*TINY, "budget.generations=2"])) == 0
    return root


def same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_export_keeps_the_weights_drops_the_optimizer_and_records_the_source(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net"
    assert main(["export", str(run_dir), "--out", str(out), "--checkpoint", "gen-00001"]) == 0
    printed = capsys.readouterr().out
    assert "gen-00001.ckpt" in printed and f"distill play {out}" in printed
    source = read_checkpoint(run_dir / "checkpoints" / "gen-00001.ckpt")
    exported = read_checkpoint(out / "checkpoints" / "gen-00000.ckpt")
    assert same_weights(source["net"], exported["net"])
    assert source["optimizer"] is not None and exported["optimizer"] is None
    assert exported["steps_done"] == 0 and exported["net_config"] == source["net_config"]
    size = (out / "checkpoints" / "gen-00000.ckpt").stat().st_size
    assert size < (run_dir / "checkpoints" / "gen-00001.ckpt").stat().st_size / 2
    state = json.loads((out / "state.json").read_text())
    assert (state["generation"], state["checkpoints"], state["shards"]) == (
        0, ["gen-00000.ckpt"], []
    )  # fmt: skip
    assert (out / "recipe.yaml").read_text() == (run_dir / "recipe.yaml").read_text()
    provenance = json.loads((out / "export.json").read_text())
    assert (provenance["domain"], provenance["source_checkpoint"]) == (
        "tictactoe",
        "gen-00001.ckpt",
    )
    assert provenance["source_generation"] == 1
    row = provenance["metrics"]  # the generation that wrote gen-00001: row 0
    assert (row["generation"], row["games"]) == ("0", "8"), row
    assert exported["extra"]["exported"] == provenance
    assert not list(tmp_path.glob(".*export-tmp"))


def test_the_export_plays_like_its_source_and_starts_a_new_run(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "net"
    assert main(["export", str(run_dir), "--out", str(out)]) == 0  # the latest: gen-00002
    game = distill.make("tictactoe")
    ttt, mine = (make_player(f"run:{d},sims=12", game) for d in (run_dir, out))
    position = Position(game).play_all([4])
    a, b = (p.search([position], np.random.default_rng(3)) for p in (ttt, mine))  # type: ignore[attr-defined]
    assert np.array_equal(a.visit_counts, b.visit_counts)
    assert np.allclose(a.root_value, b.root_value)
    # The flywheel continues from the exported weights, from generation 0.
    argv = ["train", "--resume", str(out), "--quiet", *sets(["budget.generations=1"])]
    assert main(argv) == 0, capsys.readouterr().err
    state = json.loads((out / "state.json").read_text())
    assert state["finished"] and state["checkpoints"] == ["gen-00000.ckpt", "gen-00001.ckpt"]


def test_an_existing_out_or_a_missing_checkpoint_is_one_error(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "keep.txt").write_text("mine")
    assert main(["export", str(run_dir), "--out", str(taken)]) == 2
    assert "already exists and is not empty" in one_error(capsys, "export")
    assert [p.name for p in taken.iterdir()] == ["keep.txt"]
    out = tmp_path / "net"
    argv = ["export", str(run_dir), "--out", str(out), "--checkpoint", "gen-00009"]
    assert main(argv) == 2
    err = one_error(capsys, "export")
    assert "no such checkpoint" in err and "gen-00002.ckpt" in err
    assert main(["export", str(tmp_path / "nowhere"), "--out", str(out)]) == 2
    assert "does not exist" in one_error(capsys, "export")
    assert not out.exists() and not list(tmp_path.glob(".*export-tmp"))


@pytest.mark.parametrize("defect", ["corrupt", "misfit"])
def test_a_bad_checkpoint_is_refused_before_anything_is_written(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], defect: str
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    if defect == "corrupt":  # one flipped byte in the latest checkpoint
        path = broken / "checkpoints" / "gen-00002.ckpt"
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
        expected = "gen-00002.ckpt"
    else:  # the recipe asks for a wider net than the one trained
        recipe = broken / "recipe.yaml"
        text = recipe.read_text()
        assert "channels: 16" in text, text
        recipe.write_text(text.replace("channels: 16", "channels: 24", 1))
        expected = "weights do not fit the run's network"
    out = tmp_path / "net"
    assert main(["export", str(broken), "--out", str(out)]) == 2
    assert expected in one_error(capsys, "export")
    assert not out.exists() and not list(tmp_path.glob(".*export-tmp"))
