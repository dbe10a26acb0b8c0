"""Shared test fixtures."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from distill.flywheel.selfplay import SelfPlayBatch


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op thread: on a small shared CPU, OpenMP threads waiting on each other
    cost far more than they gain for these tiny nets. Restored afterwards."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


def make_synthetic_batch(
    rng: np.random.Generator,
    lengths: list[int],
    obs_shape: tuple[int, int, int],
    num_actions: int,
    *,
    ownership: bool = False,
    score: bool = False,
) -> SelfPlayBatch:
    """A `SelfPlayBatch` of random games of the given lengths (players alternate from 0;
    each game's final state: player `length % 2` to move, value -1), for replay and
    learner tests that need shards written by the one writer without playing games.
    Tests import it (``from conftest import make_synthetic_batch``)."""
    n, g = int(sum(lengths)), len(lengths)
    policy = rng.random((n, num_actions)).astype(np.float32)
    game = np.repeat(np.arange(g), lengths)
    ply = np.concatenate([np.arange(k) for k in lengths]).astype(np.int32)
    return SelfPlayBatch(
        obs=(rng.random((n, *obs_shape)) < 0.4).astype(np.float32),
        mask=rng.random((n, num_actions)) < 0.7,
        policy=policy / policy.sum(axis=1, keepdims=True),
        root_value=rng.uniform(-1, 1, n).astype(np.float32),
        to_play=(ply % 2).astype(np.int8),
        full_search=rng.random(n) < 0.7,
        game=game.astype(np.int64),
        ply=ply,
        action=np.zeros(n, np.int64),
        final_value=np.full(g, -1.0, np.float32),
        final_player=(np.array(lengths) % 2).astype(np.int8),
        length=np.array(lengths, np.int32),
        resigned=np.zeros(g, np.bool_),
        truncated=np.zeros(g, np.bool_),
        would_resign=np.zeros(g, np.bool_),
        false_resign=np.zeros(g, np.bool_),
        final_ownership=rng.integers(-1, 2, (g, *obs_shape[1:])).astype(np.int8)
        if ownership
        else None,
        final_score=rng.uniform(-9, 9, g).astype(np.float32) if score else None,
    )


PLUGINS = Path(__file__).resolve().parent / "plugins"
#: Entry points of the test plugins (tests/plugins), as a plugin package would declare them.
PLUGIN_ENTRY_POINTS = {
    "hex3": "hex3:make",
    "hex3-no-solver": "hex3:make_without_solver",
    "hex3-wide-encode": "hex3_wide_encode:make",
    "hex3-bad-signature": "hex3_bad_signature:make",
    "no-module": "no_such_plugin_module:make",
    "no-factory": "hex3:no_such_factory",
}


def install_test_plugins(site: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Install the test plugins the way pip would (a dist-info with entry points, in
    `site`) for this process; returns the environment a subprocess needs to see them."""
    dist = site / "distill_test_plugins-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: distill-test-plugins\nVersion: 0.1\n"
    )
    lines = [f"{name} = {target}" for name, target in PLUGIN_ENTRY_POINTS.items()]
    (dist / "entry_points.txt").write_text("[distill.domains]\n" + "\n".join(lines) + "\n")
    for path in (PLUGINS, site):
        monkeypatch.syspath_prepend(str(path))
    importlib.invalidate_caches()
    path = os.pathsep.join([str(site), str(PLUGINS), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path.rstrip(os.pathsep)}


@pytest.fixture()
def plugins(tmp_path, monkeypatch):
    """The test plugins installed for one test (see `install_test_plugins`)."""
    return install_test_plugins(tmp_path / "site", monkeypatch)


#: The tic-tac-toe smoke recipe, and overrides that shrink any tiny run to seconds (one
#: list for every test that trains: change a recipe field once, here).
SMOKE = Path(__file__).resolve().parents[1] / "recipes" / "tictactoe-smoke.yaml"
TINY = [
    "search.num_simulations=6",
    "selfplay.cheap_simulations=2",
    "learner.batch_size=16",
    "arena.games=2",
    "arena.error_positions=4",
    "arena.references=[random]",
]


def sets(overrides: list[str]) -> list[str]:
    """``["a=1", "b=2"]`` -> ``["--set", "a=1", "--set", "b=2"]`` (CLI arguments)."""
    return [x for o in overrides for x in ("--set", o)]


def one_error(capsys: pytest.CaptureFixture[str], verb: str) -> str:
    """The captured stderr, checked to be one ``distill VERB: error: ...`` line."""
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    assert err.startswith(f"distill {verb}: error: ")
    return err
