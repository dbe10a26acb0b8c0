"""Guards `distill compare`: the points it reads from each run's metrics.csv (error rates
per player and bucket against wall time), the JSON and PNG it writes, and its user errors
(no error rates, labels that do not fit) as one line with exit code 2."""

from __future__ import annotations

import json

import pytest
from conftest import one_error

from distill.cli import main
from distill.compare import compare_runs
from distill.flywheel.run_dir import RunDir
from distill.metrics import ArenaMetrics, ErrorRates, FitMetrics, GenerationMetrics


def fake_run(root, rates: list[float], *, errors: bool = True) -> RunDir:
    """A run directory whose metrics.csv has one arena per rate (search and policy, two
    buckets), 60 s apart."""
    run = RunDir.create(root, "name: fake\n")
    for g, rate in enumerate(rates):
        found = tuple(
            ErrorRates(player, bucket, 2 * rate, rate)
            for player in ("policy", "search")
            for bucket in ("begin", "end")
        )
        arena = ArenaMetrics(errors=found if errors else ())
        row = GenerationMetrics(
            generation=g,
            elapsed_s=60.0 * (g + 1),
            fit=FitMetrics(loss=1.0, policy_entropy=0.5),
            arena=arena,
        )
        run.append_metrics(row.to_row())
    return run


def test_points_follow_the_metrics(tmp_path):
    a = fake_run(tmp_path / "a", [0.5, 0.25])
    b = fake_run(tmp_path / "b", [0.125])
    data = compare_runs([a.root, b.root], ["first", "second"])
    first, second = data["runs"]
    assert [p["minutes"] for p in first["points"]] == [1.0, 2.0]
    assert first["points"][1]["errors"]["search"]["end"] == {
        "not_optimal": 0.5,
        "outcome_change": 0.25,
    }
    assert first["points"][0]["policy_entropy"] == 0.5
    assert second["label"] == "second" and second["points"][0]["generation"] == 1


def test_cli_writes_json_and_png(tmp_path, capsys):
    runs = [str(fake_run(tmp_path / name, [0.5, 0.25]).root) for name in ("x", "y")]
    assert main(["compare", *runs, "--out", str(tmp_path / "out")]) == 0
    data = json.loads((tmp_path / "out" / "compare.json").read_text())
    assert [r["label"] for r in data["runs"]] == ["x", "y"]
    assert (tmp_path / "out" / "compare.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("labels", "errors", "expected"),
    [
        ("one", True, "1 labels for 2 runs"),
        ("same,same", True, "each run needs its own label"),
        (None, False, "no exact error rates to compare"),
    ],
)
def test_user_errors_are_one_line(tmp_path, capsys, labels, errors, expected):
    runs = [str(fake_run(tmp_path / n, [0.5], errors=errors).root) for n in ("p", "q")]
    extra = ["--labels", labels] if labels else []
    out = tmp_path / "out"
    assert main(["compare", *runs, "--out", str(out), *extra]) == 2
    assert expected in one_error(capsys, "compare")
    assert not out.exists()
