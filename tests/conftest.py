"""Shared test fixtures."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import pytest
import torch


@pytest.fixture(scope="module")
def one_torch_thread():
    """One intra-op thread: on a small shared CPU, OpenMP threads waiting on each other
    cost far more than they gain for these tiny nets. Restored afterwards."""
    saved = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(saved)


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
