"""Guards the typed metrics record: a row written by the loop reads back equal, every
column is declared once with a unit and a meaning (and documented), the error-column
names round-trip, and rows of older runs still read."""

from __future__ import annotations

from pathlib import Path

import pytest

from distill.metrics import (
    ArenaMetrics,
    ErrorRates,
    FitMetrics,
    GenerationMetrics,
    LadderMetrics,
    SelfPlayMetrics,
    columns,
    error_columns,
    parse_error_column,
    parse_rows,
)

ROOT = Path(__file__).resolve().parents[1]


def full_record() -> GenerationMetrics:
    return GenerationMetrics(
        generation=3,
        games=512,
        positions=4000,
        learner_steps=320,
        elapsed_s=61.5,
        fit=FitMetrics(loss=1.25, loss_policy=0.75, loss_value=0.5, samples_per_s=900.0),
        selfplay=SelfPlayMetrics(positions_per_s=700.0, resigned=3, false_resign=0),
        arena=ArenaMetrics(
            elo=512.5,
            elo_ci95=88.0,
            games=30,
            score=0.55,
            opponents="gen-00003 mcts:sims=64,leaves=1",
            seconds=2.5,
            share=0.08,
            perfect=False,
            losing_lines=2,
            errors=(
                ErrorRates("search", "middle", 0.25, 0.125),
                ErrorRates("policy", "late_game", 0.5, 0.0),
            ),
        ),
        ladder=LadderMetrics(
            elo=-250.0,
            elo_low=-400.0,
            elo_high=-120.0,
            anchor="GNU Go level 10 = 0, through gnugo:level=0 = -107",
            games=20,
            win_rates="random=1.00 gnugo-level-0=0.20",
            seconds=30.5,
            share=0.04,
        ),
    )


def as_csv_cells(row: dict[str, object]) -> dict[str, str]:
    return {k: str(v) for k, v in row.items()}


def test_a_row_reads_back_equal():
    record = full_record()
    assert GenerationMetrics.from_row(as_csv_cells(record.to_row())) == record
    bare = GenerationMetrics(generation=0, games=8, positions=50, learner_steps=4, elapsed_s=1.0)
    row = bare.to_row()
    assert set(row) == {"generation", "games", "positions", "learner_steps", "elapsed_s"}
    assert GenerationMetrics.from_row(as_csv_cells(row)) == bare


def test_every_column_is_declared_once_with_unit_and_meaning():
    names = [c.name for c in columns()]
    assert len(names) == len(set(names))
    assert all(c.meaning for c in columns())
    assert set(full_record().to_row()) - set(names) == {
        "search_err_middle",
        "search_blunder_middle",
        "policy_err_late_game",
        "policy_blunder_late_game",
    }
    documented = (ROOT / "docs" / "ratings.md").read_text()
    missing = [n for n in names if f"`{n}`" not in documented]
    assert not missing, f"docs/ratings.md does not describe {missing}"


@pytest.mark.parametrize(
    ("player", "bucket"), [("search", "middle"), ("policy", "end"), ("search", "late_game")]
)
def test_error_columns_round_trip(player, bucket):
    not_optimal, outcome = error_columns(player, bucket)
    assert parse_error_column(not_optimal) == (player, bucket, "not_optimal")
    assert parse_error_column(outcome) == (player, bucket, "outcome_change")


@pytest.mark.parametrize("name", ["elo", "selfplay_eval_share", "vs_random_win", "arena_s", "x_"])
def test_other_columns_are_not_error_columns(name):
    assert parse_error_column(name) is None


def test_rows_of_older_runs_still_read_and_bad_cells_name_the_line():
    old = {
        "generation": "4",
        "games": "640",
        "positions": "5000",
        "learner_steps": "400",
        "elapsed_s": "30.5",
        "elo": "645.2",
        "elo_ci95": "400.1",
        "vs_random_win": "1",  # a column that no longer exists: ignored
        "search_err_middle": "0.1",
        "search_blunder_middle": "0.05",
        "policy_err_end": "",  # an empty cell: no value
    }
    (record,) = parse_rows([old])
    assert record.arena == ArenaMetrics(
        elo=645.2, elo_ci95=400.1, errors=(ErrorRates("search", "middle", 0.1, 0.05),)
    )
    assert record.fit is None and record.selfplay is None
    with pytest.raises(ValueError, match=r"metrics.csv line 3: column 'elo': 'high' is not"):
        parse_rows([old, {**old, "elo": "high"}])


def test_the_report_of_an_older_run_plots_its_elo_column(tmp_path):
    from distill.flywheel.run_dir import RunDir
    from distill.report import write_report

    run = RunDir.create(tmp_path / "old", "name: old\n")
    header = "generation,games,positions,learner_steps,elapsed_s,elo,elo_ci95,vs_random_win,"
    header += "search_err_middle,search_blunder_middle\n"
    rows = "".join(
        f"{g},{64 * g},{500 * g},{80 * g},{10 * g},{100 * g},90,1,0.2,0.1\n" for g in range(3)
    )
    run.metrics_path.write_text(header + rows)
    names = {p.name for p in write_report(run.root)}
    assert names == {"elo.png", "errors.png", "learning_curve.png"}
