"""Guards the self-play measurements of issue 10: `distill bench gpu` (the GPU sweep)
refuses a machine without CUDA with one line and exit 2, and its whole code path (pools,
JSON lines, summary table) runs on the CPU with ``--device cpu --quick``; the in-process
`distill bench selfplay` line carries the same fields as the actor-pool one."""

from __future__ import annotations

import json

import distill.devices
from distill.bench.gpu import FULL, configurations
from distill.cli import main

FIELDS = (
    "evals_per_s",
    "positions_per_s",
    "gpu_busy_share",
    "batch_mean",
    "batch_p95",
    "host_us_per_sim",
    "forward_share",
)


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_bench_gpu_without_cuda_is_one_line_and_exit_2(capsys, monkeypatch):
    monkeypatch.setattr(distill.devices, "cuda_available", lambda: False)
    assert main(["bench", "gpu"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "needs a CUDA GPU" in err and "Traceback" not in err


def test_sweep_configurations_fit_the_cores():
    assert configurations(FULL, 16) == [
        (15, 256), (8, 256), (15, 128), (8, 128), (4, 256), (15, 64), (8, 64), (4, 128),
        (4, 64),
    ]  # fmt: skip
    assert {n for n, _ in configurations(FULL, 2)} == {1}  # one core stays the server's


def test_bench_gpu_quick_on_the_cpu_measures_each_configuration(capsys):
    argv = ["bench", "gpu", "--device", "cpu", "--quick", "--actors", "1", "--games", "2"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    (line,) = json_lines(out)
    assert (line["actors"], line["games_per_actor"], line["board"]) == (1, 2, 5)
    assert line["gpu_busy_share"] is None and line["evals_per_s"] > 0
    assert all(key in line for key in FIELDS)
    assert "distill bench gpu" in out  # the summary table


def test_bench_selfplay_in_process_line_has_the_shared_fields(capsys):
    argv = ["--domain", "go", "--size", "5", "--games", "2", "--simulations", "4"]
    from distill.bench.selfplay import main as bench_selfplay

    assert bench_selfplay([*argv, "--channels", "8", "--blocks", "1", "--max-moves", "4"]) == 0
    (line,) = json_lines(capsys.readouterr().out)
    assert all(key in line for key in FIELDS) and line["gpu_busy_share"] is None
    assert 1 <= line["batch_mean"] <= line["batch_p95"] <= 2 and line["host_us_per_sim"] > 0
