"""Guards `distill pretrain`: SGF games become replay positions with the right targets
(move played, result, final Tromp-Taylor ownership and score only for games that ended
by two passes), training on them moves the net toward the moves played, the run it
writes resumes into self-play from the pretrained checkpoint, `--holdout` games are kept
out of training and scored every epoch, and bad input (handicap,
other rules, size or komi, a corrupt file) is one line naming the file, exit 2, nothing
written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import torch

import distill
from distill.cli import main
from distill.domains.go.sgf import write_sgf
from distill.inference import NetEvaluator
from distill.learn import build_net_from_checkpoint
from distill.nets import build_net
from distill.recipe import load_recipe
from distill.replay import read_shard
from distill.warmstart.pretrain import (
    SgfGame,
    game_arrays,
    heldout_arrays,
    heldout_metrics,
    read_collection,
    split_holdout,
)

SMOKE = Path(__file__).resolve().parents[1] / "recipes" / "go9-smoke.yaml"
PASS = 81
TENGEN = 40  # E5: every test game opens there


def random_game(rng: np.random.Generator, plies: int, first: int | None = TENGEN) -> list[int]:
    """`plies` random legal non-pass moves (the first one `first`), then two passes."""
    domain = distill.make("go", size=9, komi=7.5)
    store = domain.new_store(1)
    domain.reset(store, [0])
    actions = []
    for ply in range(plies):
        legal = np.flatnonzero(domain.legal_mask(store, [0])[0][:PASS])
        action = first if ply == 0 and first is not None else int(rng.choice(legal))
        actions.append(action)
        domain.step(store, [0], store, [0], [action])
    return [*actions, PASS, PASS]


def write_games(directory: Path, count: int, plies: int = 20) -> None:
    domain = distill.make("go", size=9, komi=7.5)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for k in range(count):
        write_sgf(domain, random_game(rng, plies), path=directory / f"g{k:03d}.sgf")


def cross_entropy(net: torch.nn.Module, arrays: dict[str, np.ndarray]) -> float:
    """Mean -log prior(move played) of `net` over the shard's positions."""
    obs = arrays["obs"].astype(np.float32)
    logits, _ = NetEvaluator(net.eval())(obs, arrays["mask"])
    log_prior = torch.log_softmax(torch.as_tensor(logits), dim=1)
    return float(-(log_prior * torch.as_tensor(arrays["policy"])).sum(dim=1).mean())


def test_targets_of_a_game_that_ended_by_two_passes() -> None:
    domain = distill.make("go", size=9, komi=7.5)
    actions = random_game(np.random.default_rng(1), 12)
    arrays = game_arrays(domain, SgfGame(Path("x.sgf"), actions, None, True), 7)
    count = len(actions)
    assert arrays["policy"].shape == (count, 82)
    np.testing.assert_array_equal(arrays["policy"].argmax(axis=1), actions)
    np.testing.assert_array_equal(arrays["player"], np.arange(count) % 2)
    store = domain.new_store(1)
    domain.reset(store, [0])
    for action in actions:
        domain.step(store, [0], store, [0], [action])
    score = domain.final_score(store[0])  # black's margin
    black_value = np.sign(score)
    np.testing.assert_array_equal(
        arrays["root_value"], np.where(np.arange(count) % 2, -1, 1) * black_value
    )
    np.testing.assert_array_equal(arrays["game_ownership"][0], domain.ownership(store[0]))
    assert arrays["game_score"][0] == pytest.approx(score)
    assert not arrays["game_resigned"][0] and not arrays["game_truncated"][0]


def test_a_resigned_game_takes_its_result_and_no_final_targets() -> None:
    domain = distill.make("go", size=9, komi=7.5)
    actions = random_game(np.random.default_rng(2), 9)[:-2]  # black played last: white to move
    arrays = game_arrays(domain, SgfGame(Path("x.sgf"), actions, 1, False), 0)  # W+R
    assert arrays["game_resigned"][0]
    assert arrays["game_final_player"][0] == 1 and arrays["game_final_value"][0] == 1.0
    np.testing.assert_array_equal(arrays["root_value"], np.where(np.arange(9) % 2, 1, -1))


def test_pretrain_learns_the_moves_and_hands_off_to_the_flywheel(tmp_path, capsys) -> None:
    sgf_dir, run = tmp_path / "sgf", tmp_path / "run"
    write_games(sgf_dir, 12)
    overrides = ["learner.lr=0.02", "learner.batch_size=32", "learner.warmup_steps=0"]
    args = ["pretrain", str(SMOKE), "--sgf", str(sgf_dir), "--out", str(run), "--epochs", "6"]
    assert main(args + [x for o in overrides for x in ("--set", o)]) == 0, capsys.readouterr().err
    assert "pretrained on 12 games" in capsys.readouterr().out
    state = json.loads((run / "state.json").read_text())
    assert state["checkpoints"] == ["gen-00000.ckpt"] and state["generation"] == 0
    shards = sorted((run / "pretrain").iterdir())
    assert sum(read_shard(s).arrays["game_id"].shape[0] for s in shards) == 12
    # Training moved the net toward the moves played: lower cross-entropy on them than
    # the recipe's untrained net (same seed) has.
    arrays = read_shard(shards[0]).arrays
    trained = build_net_from_checkpoint(run / "checkpoints" / "gen-00000.ckpt")
    torch.manual_seed(0)
    recipe = load_recipe(SMOKE)
    fresh = build_net(recipe.network, trained.obs_shape, trained.num_actions)
    loss_trained, loss_fresh = (cross_entropy(net, arrays) for net in (trained, fresh))
    assert loss_trained < loss_fresh - 0.1, (loss_trained, loss_fresh)
    # The flywheel continues from the pretrained net.
    assert main(["train", "--resume", str(run), "--quiet"]) == 0, capsys.readouterr().err
    state = json.loads((run / "state.json").read_text())
    assert state["finished"] and state["checkpoints"][0] == "gen-00000.ckpt"
    assert len(state["checkpoints"]) == 3


BAD = {
    "handicap": (b"(;FF[4]GM[1]SZ[9]KM[7.5]HA[2]AB[cc][gg];W[ee])", "handicap or setup"),
    "ruleset": (b"(;FF[4]GM[1]SZ[9]KM[7.5]RU[Japanese];B[ee];W[cc])", "Japanese"),
    "size": (b"(;FF[4]GM[1]SZ[13]KM[7.5];B[ee];W[cc])", "board size 13"),
    "komi": (b"(;FF[4]GM[1]SZ[9]KM[6.5];B[ee];W[cc])", "komi 6.5"),
    "corrupt": (b"(;FF[4]GM[1]SZ[9]KM[7.5];B[ee];W[zz])", "node 2"),
    "no result": (b"(;FF[4]GM[1]SZ[9]KM[7.5];B[ee];W[cc])", "no result"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_refused_by_file_and_writes_nothing(case, tmp_path, capsys) -> None:
    sgf_dir, run = tmp_path / "sgf", tmp_path / "run"
    write_games(sgf_dir, 2, plies=4)
    data, expected = BAD[case]
    (sgf_dir / "bad.sgf").write_bytes(data)
    assert main(["pretrain", str(SMOKE), "--sgf", str(sgf_dir), "--out", str(run)]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == "" and len(err.splitlines()) == 1, err
    assert "bad.sgf" in err and expected in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sgf"]


def test_missing_directory_and_existing_run_are_refused(tmp_path, capsys) -> None:
    assert main(["pretrain", str(SMOKE), "--sgf", str(tmp_path / "none")]) == 2
    assert "is not a directory" in capsys.readouterr().err
    sgf_dir, run = tmp_path / "sgf", tmp_path / "run"
    write_games(sgf_dir, 1, plies=4)
    run.mkdir()
    (run / "keep").write_text("x")
    assert main(["pretrain", str(SMOKE), "--sgf", str(sgf_dir), "--out", str(run)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert (run / "keep").read_text() == "x"


def test_holdout_games_are_kept_out_of_training_and_scored_every_epoch(tmp_path, capsys) -> None:
    sgf_dir, run = tmp_path / "sgf", tmp_path / "run"
    write_games(sgf_dir, 10)
    overrides = ["learner.lr=0.02", "learner.batch_size=32", "learner.warmup_steps=0"]
    args = ["pretrain", str(SMOKE), "--sgf", str(sgf_dir), "--out", str(run), "--epochs", "3"]
    args += ["--holdout", "3", *(x for o in overrides for x in ("--set", o))]
    assert main(args) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "pretrained on 7 games" in out and "held out 3 games" in out
    shards = sorted((run / "pretrain").iterdir())
    assert sum(read_shard(s).arrays["game_id"].shape[0] for s in shards) == 7
    rows = list(csv.DictReader((run / "pretrain.csv").open()))
    assert [row["epoch"] for row in rows] == ["1", "2", "3"]
    # The scores are the net's on the held-out games: recomputed from the checkpoint.
    domain = distill.make("go", **load_recipe(SMOKE).domain.kwargs)
    games = read_collection(sgf_dir, domain)
    train_games, held = split_holdout(games, 3, load_recipe(SMOKE).seed)
    assert len(held) == 3 and not {g.path for g in held} & {g.path for g in train_games}
    net = build_net_from_checkpoint(run / "checkpoints" / "gen-00000.ckpt")
    scores = heldout_metrics(net, heldout_arrays(domain, held))
    assert float(rows[-1]["heldout/policy_ce"]) == pytest.approx(scores["policy_ce"], rel=1e-4)
    assert float(rows[-1]["heldout/value_mse"]) == pytest.approx(scores["value_mse"], rel=1e-4)
    assert 0.0 <= scores["policy_top1"] <= 1.0 and scores["policy_ce"] > 0


def test_a_holdout_that_leaves_nothing_to_train_on_is_refused(tmp_path, capsys) -> None:
    sgf_dir, run = tmp_path / "sgf", tmp_path / "run"
    write_games(sgf_dir, 3, plies=4)
    args = ["pretrain", str(SMOKE), "--sgf", str(sgf_dir), "--out", str(run), "--holdout", "3"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "--holdout must be in 0..2" in err and len(err.splitlines()) == 1, err
    assert not run.exists()


def test_init_fine_tunes_a_trained_net_and_refuses_one_that_does_not_fit(tmp_path, capsys) -> None:
    sgf_dir, first, second = tmp_path / "sgf", tmp_path / "first", tmp_path / "second"
    write_games(sgf_dir, 6)
    overrides = ["learner.lr=0.02", "learner.batch_size=32", "learner.warmup_steps=0"]
    sets = [x for o in overrides for x in ("--set", o)]
    args = ["pretrain", str(SMOKE), "--sgf", str(sgf_dir), "--epochs", "4"]
    assert main([*args, "--out", str(first), *sets]) == 0, capsys.readouterr().err
    # A tiny learning rate: the fine-tuned net stays where --init put it, which is the
    # first run's net and not the fresh one the recipe's seed would build.
    tiny = ["--set", "learner.lr=1e-7", "--set", "learner.warmup_steps=0"]
    args[-1] = "1"
    assert main([*args, "--out", str(second), "--init", str(first), *tiny]) == 0
    assert "fine-tuned on 6 games" in capsys.readouterr().out
    ckpt = "checkpoints/gen-00000.ckpt"
    trained = build_net_from_checkpoint(first / ckpt)
    start = trained.state_dict()
    tuned = build_net_from_checkpoint(second / ckpt).state_dict()
    torch.manual_seed(0)
    net = build_net(load_recipe(SMOKE).network, trained.obs_shape, trained.num_actions)
    fresh = net.state_dict()
    key = next(k for k, v in start.items() if v.is_floating_point() and v.numel() > 8)
    assert torch.allclose(tuned[key], start[key], atol=1e-4)
    assert not torch.allclose(tuned[key], fresh[key], atol=1e-2)
    # Another architecture, or nothing at the path: one line, exit 2, nothing written.
    wide = ["--set", "network.resnet.channels=24"]
    for init, expected in ((first, "do not fit the recipe's network"), (tmp_path / "x", "no such")):
        out = tmp_path / "refused"
        assert main([*args, "--out", str(out), "--init", str(init), *wide]) == 2
        err = capsys.readouterr().err.strip()
        assert expected in err and len(err.splitlines()) == 1, err
        assert not out.exists() and not (tmp_path / ".refused.pretrain-tmp").exists()
