"""Guards `distill bench search-leaves`: each leaves setting is measured on both
positions in every repeat, against the first setting of the same run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from distill.cli import main


@pytest.mark.parametrize("recipe", ["go9-smoke", "tictactoe-smoke"])  # Gumbel, PUCT
def test_bench_search_leaves_measures_each_setting_side_by_side(
    recipe: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bench", "search-leaves", "--recipe", recipe, "--leaves", "1", "2",
            "--seconds", "0.05", "--repeats", "2", "--plies", "4"]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    rows = [json.loads(line) for line in captured.out.splitlines() if line.startswith("{")]
    assert [(row["variant"], row["leaves"]) for row in rows] == [("float32", 1), ("float32", 2)]
    assert rows[0]["ratio"] == 1.0
    base = rows[0]["simulations_per_s"]
    for row in rows:
        assert len(row["samples"]) == 4  # 2 repeats x 2 positions
        assert all(rate > 0 for rate in row["samples"])
        assert row["ratio"] == pytest.approx(row["simulations_per_s"] / base)
    assert "timed search of one game" in captured.err


def test_bench_search_leaves_refuses_zero_leaves(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["bench", "search-leaves", "--leaves", "0"])
    assert exc.value.code == 2
    assert "--leaves" in capsys.readouterr().err


def test_bench_search_leaves_times_inference_variants_of_the_same_net(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["bench", "search-leaves", "--recipe", "go9-smoke", "--leaves", "2",
            "--variants", "float32", "bfloat16", "frozen", "--seconds", "0.05",
            "--repeats", "1"]  # fmt: skip
    assert main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [row["variant"] for row in rows] == ["float32", "bfloat16", "frozen"]
    assert all(row["leaves"] == 2 and min(row["samples"]) > 0 for row in rows)


def test_the_variants_evaluate_the_same_net() -> None:
    """The three inference variants give (nearly) the logits and values of one net."""
    import distill
    from distill.bench.search_leaves import VARIANTS, evaluator
    from distill.flywheel.generation import Learner
    from distill.recipe import load_recipe

    recipe = load_recipe("go9-smoke")
    domain = distill.make(recipe.domain.id, **recipe.domain.kwargs)
    net = Learner.create(recipe, domain).module.net
    position = domain.initial().play_all(["E5", "C3"])
    obs, mask = position.observe()[None], position.legal_mask()[None]
    outputs = [evaluator(net, variant)(obs, mask) for variant in VARIANTS]
    logits, values = [out[0] for out in outputs], [out[1] for out in outputs]
    legal = mask[0]
    for other in (1, 2):
        assert np.allclose(logits[other][0][legal], logits[0][0][legal], atol=0.05)
        assert np.allclose(values[other], values[0], atol=0.05)
