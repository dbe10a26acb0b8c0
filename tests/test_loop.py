"""Guards the outer loop end to end on the tic-tac-toe smoke recipe (in process): the run
directory layout, state.json bookkeeping, one metrics row per generation, checkpoints that
load, the budget rules, and the resume rules (unrecorded files discarded, listed files
required, a finished run left alone)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import SMOKE as SMOKE_PATH
from conftest import TINY as BASE_TINY

from distill.arena.gamelog import GameLog, read_ratings
from distill.errors import CorruptFileError, DistillError
from distill.flywheel.loop import load_run_recipe, train
from distill.flywheel.run_dir import RunDir, RunState
from distill.learn import read_checkpoint
from distill.metrics import parse_rows
from distill.progress import Progress
from distill.recipe import load_recipe, recipe_to_yaml
from distill.replay import read_shard

SMOKE = SMOKE_PATH
TINY = [*BASE_TINY, "arena.rate_policy=true"]


def new_run(root: Path, *overrides: str) -> RunDir:
    recipe = load_recipe(SMOKE, [*TINY, *overrides])
    return RunDir.create(root, recipe_to_yaml(recipe))


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    run = new_run(tmp_path_factory.mktemp("loop") / "run")
    out = io.StringIO()
    state = train(run, Progress(out))
    return run, state, out.getvalue()


def test_run_directory_layout_and_state(finished_run):
    run, state, _ = finished_run
    for name in (
        "recipe.yaml",
        "state.json",
        "metrics.csv",
        "checkpoints",
        "replay",
        "games",
        "tb",
        "report",
    ):
        assert (run.root / name).exists(), name
    assert state.finished and state.generation == 2 and state.phase == "selfplay"
    assert state.checkpoints == ["gen-00001.ckpt", "gen-00002.ckpt"]
    assert state.shards == [f"g00000{g}-r000{r}.shard" for g in (0, 1) for r in (0, 1)]
    assert sorted(p.name for p in run.replay.iterdir()) == state.shards
    assert state.games == 16 == sum(read_shard(run.replay / s).num_games for s in state.shards)
    assert state.positions == sum(read_shard(run.replay / s).num_positions for s in state.shards)
    assert (
        state.learner_steps
        == 8
        == read_checkpoint(run.checkpoints / "gen-00002.ckpt")["steps_done"]
    )
    assert run.read_state() == state
    assert load_run_recipe(run).search.num_simulations == 6  # the resolved recipe is kept
    assert (run.games / "gen-00001.txt").read_text().count("result") == 4


def test_metrics_have_one_row_per_generation(finished_run):
    run, _, printed = finished_run
    rows = run.read_metrics()
    assert [r["generation"] for r in rows] == ["0", "1"]
    for key in (
        "loss",
        "loss_policy",
        "loss_value",
        "selfplay_positions_per_s",
        "elo",
        "elo_ci95",
        "arena_games",
        "arena_opponents",
        "arena_share",
        "search_err_middle",
        "policy_blunder_end",
    ):
        assert rows[-1][key] != "", key
    assert 0.0 <= float(rows[-1]["search_err_end"]) <= 1.0
    assert printed.count("gen ") == 2 and "finished 2 generations" in printed  # plain, no TTY


def test_every_arena_rates_the_new_network_against_the_pool(finished_run):
    run, _, _ = finished_run
    games = GameLog(run.root / "arena").read()
    assert {g.generation for g in games} == {0, 1}
    calibration = [sorted(g.players) for g in games if g.purpose == "calibration"]
    assert calibration == [["gen-00000", "random"]] * 2 + [["gen-00000:policy", "random"]] * 2
    first = [g for g in games if g.generation == 0 and g.purpose == "rating"]
    # the first arena: the new network's search against the initial network's search and
    # the anchor, its raw policy against the initial raw policy and the anchor, 2 games each
    assert sorted(sorted(g.players) for g in first) == sorted(
        [["gen-00000", "gen-00001"]] * 2
        + [["gen-00001", "random"]] * 2
        + [["gen-00000:policy", "gen-00001:policy"]] * 2
        + [["gen-00001:policy", "random"]] * 2
    )
    assert {g.players[0] for g in first} > {"gen-00000", "gen-00001", "random"}  # colours swap
    anchor, table = read_ratings(run.root / "arena")
    assert anchor == "random"
    rated = {r.name: r for r in table}
    nets = {f"gen-0000{g}{v}" for g in range(3) for v in ("", ":policy")}
    assert set(rated) == {"random", *nets}
    assert rated["random"].elo == 0.0 and rated["gen-00002:policy"].generation == 2
    metrics = parse_rows(run.read_metrics())
    arena = metrics[-1].arena
    assert arena is not None and arena.elo is not None and arena.policy_elo is not None
    assert arena.elo == pytest.approx(rated["gen-00002"].elo, abs=0.1)
    assert arena.policy_elo == pytest.approx(rated["gen-00002:policy"].elo, abs=0.1)


def test_a_redone_arena_replaces_the_games_of_the_killed_one(finished_run, tmp_path):
    run, state, _ = finished_run
    import shutil

    copy = RunDir(tmp_path / "copy")
    shutil.copytree(run.root, copy.root)
    before = GameLog(copy.root / "arena").read()
    # killed after the arena of generation 1 wrote its games, before state.json moved on
    copy.write_state(
        RunState(**{**state.__dict__, "generation": 1, "finished": False, "phase": "learned"})
    )
    out = io.StringIO()
    train(copy, Progress(out))
    assert "dropped 12 rating game(s)" in out.getvalue()
    after = GameLog(copy.root / "arena").read()
    assert len(after) == len(before)
    assert [g.players for g in after] == [g.players for g in before]


def test_resuming_a_finished_run_changes_nothing(finished_run):
    run, state, _ = finished_run
    before = {p: p.stat().st_mtime_ns for p in run.replay.iterdir()}
    again = train(run, Progress(io.StringIO()))
    assert again == state
    assert {p: p.stat().st_mtime_ns for p in run.replay.iterdir()} == before


def test_unrecorded_files_are_discarded_and_metrics_truncated(finished_run, tmp_path):
    run, state, _ = finished_run
    copy = RunDir(tmp_path / "copy")
    import shutil

    shutil.copytree(run.root, copy.root)
    rewound = RunState(
        **{
            **state.__dict__,
            "generation": 1,
            "finished": False,
            "shards": state.shards[:3],
            "checkpoints": state.checkpoints[:1],
            "rounds_done": 1,
        }
    )
    (copy.replay / ".g000001-r0001.shard.x.tmp").write_bytes(b"half")
    removed = copy.discard_unrecorded(rewound)
    assert sorted(p.name for p in removed) == [
        ".g000001-r0001.shard.x.tmp",
        "g000001-r0001.shard",
        "gen-00002.ckpt",
    ]
    assert [r["generation"] for r in copy.read_metrics()] == ["0"]
    (copy.replay / state.shards[0]).unlink()
    with pytest.raises(CorruptFileError, match=r"listed in state\.json but missing"):
        copy.discard_unrecorded(rewound)


def test_wall_clock_budget_stops_after_the_generation(tmp_path):
    run = new_run(
        tmp_path / "run", "budget.generations=5", "budget.max_minutes=0.0001", "arena.every=5"
    )
    state = train(run, Progress(io.StringIO(), quiet=True))
    assert state.finished and state.generation == 1
    assert run.read_metrics()[0]["elo"] != ""  # the last generation is always evaluated


def test_create_refuses_an_existing_run(finished_run):
    run, _, _ = finished_run
    with pytest.raises(DistillError, match="already exists and is not empty"):
        RunDir.create(run.root, "name: x\n")


def test_a_run_cannot_be_trained_by_two_processes_at_once(finished_run):
    run, _, _ = finished_run
    busy = pytest.raises(DistillError, match="in use by another distill process")
    with run.locked(), busy, RunDir.open(run.root).locked():
        pass
    with run.locked():  # released again
        pass


def test_arena_share_postpones_a_regular_arena_that_would_not_fit(tmp_path):
    """With arenas costing 10 s each: after 200 s of run and one 10 s arena, a second
    one fits a 10% share ((10 + 10) / 210 < 0.1); after 120 s it does not; the run's
    last generation gets its arena whatever the share."""
    from distill.flywheel.generation import arena_fits
    from distill.metrics import ArenaMetrics, GenerationMetrics

    recipe = load_recipe(SMOKE, [*TINY, "arena.time_share=0.1", "budget.generations=10"])
    run = RunDir.create(tmp_path / "run", recipe_to_yaml(recipe))
    assert arena_fits(recipe, run, RunState(generation=1, elapsed_s=50.0))  # no arena yet
    row = GenerationMetrics(generation=0, elapsed_s=40.0, arena=ArenaMetrics(seconds=10.0))
    run.append_metrics(row.to_row())
    assert arena_fits(recipe, run, RunState(generation=5, elapsed_s=200.0))
    assert not arena_fits(recipe, run, RunState(generation=5, elapsed_s=120.0))
    assert arena_fits(recipe, run, RunState(generation=9, elapsed_s=120.0))  # the last
    unlimited = load_recipe(SMOKE, [*TINY, "arena.time_share=null"])
    assert arena_fits(unlimited, run, RunState(generation=5, elapsed_s=120.0))
