"""Time splits never validate on the past; metrics computed by hand on small tables."""

from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from models.config import SplitConfig
from models.metrics import calibration_table, evaluate, top_fraction_lift
from models.split import forward_folds, time_split


def _calls(days: list[int]) -> pl.DataFrame:
    start = datetime(2026, 3, 2)  # a Monday
    return pl.DataFrame(
        {
            "call_id": [f"c{i}" for i in range(len(days))],
            "ended_at": [start + timedelta(days=d, hours=10) for d in days],
        }
    )


def test_validation_is_the_last_weeks(features: pl.DataFrame) -> None:
    split = time_split(features, SplitConfig(validation_weeks=2))
    assert split.method == "weeks"
    assert split.train["ended_at"].max() < split.valid["ended_at"].min()
    assert len(split.train) + len(split.valid) == len(features)
    assert split.cutoff.weekday() == 0  # weeks start on Monday
    valid_weeks = {d.isocalendar()[1] for d in split.valid["ended_at"].to_list()}
    assert len(valid_weeks) == 2


@pytest.mark.parametrize(
    ("days", "weeks", "n_valid"),
    [
        ([0, 1, 8, 9, 15], 1, 1),  # three weeks, last one validates (day 15)
        ([0, 1, 8, 9, 15], 2, 3),  # last two weeks: days 8, 9, 15
        ([0, 1, 2, 3], 1, 1),  # one week only: the last quarter of calls by time
        ([0, 1, 8, 9], 2, 1),  # two weeks cannot give two validation weeks + training
    ],
)
def test_week_split_and_its_fallback(days: list[int], weeks: int, n_valid: int) -> None:
    split = time_split(_calls(days), SplitConfig(validation_weeks=weeks))
    assert len(split.valid) == n_valid
    assert len(split.train) >= 1
    assert split.train["ended_at"].max() < split.valid["ended_at"].min()


def test_forward_folds_never_test_on_the_past() -> None:
    folds = list(forward_folds(100, 4))
    assert len(folds) == 4
    for train, test in folds:
        assert train.max() < test.min()


@pytest.mark.parametrize(
    ("y", "p", "expected"),
    [
        # 10 calls, 2 converted (base 0.2); top decile = the top call, converted -> lift 5
        ([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0.9, 0.1, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2], 5.0),
        # the top call did not convert -> lift 0
        ([0, 1, 1, 0, 0, 0, 0, 0, 0, 0], [0.9, 0.1, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2], 0.0),
        # all tied: the top decile is an average call -> lift 1, whatever the row order
        ([1, 0, 0, 0, 0, 0, 0, 0, 0, 1], [0.5] * 10, 1.0),
        # a two-valued rule: 4 tied at the top, 2 of them converted -> expected rate 0.5
        ([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0.8, 0.8, 0.8, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 2.5),
    ],
)
def test_top_decile_lift(y: list[int], p: list[float], expected: float) -> None:
    assert top_fraction_lift(np.array(y), np.array(p)) == pytest.approx(expected)


def test_calibration_table_bins_every_call() -> None:
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.05, 0.15, 0.55, 0.95, 1.0])
    table = calibration_table(y, p)
    assert sum(r["calls"] for r in table) == 5
    top = table[-1]
    assert top["bin"] == "0.9-1.0" and top["calls"] == 2 and top["observed_rate"] == 1.0


def test_metrics_undefined_with_one_class() -> None:
    m = evaluate(np.array([0, 0, 0]), np.array([0.1, 0.2, 0.3]))
    assert m["roc_auc"] is None and m["pr_auc"] is None and m["top_decile_lift"] is None
    assert m["brier"] == pytest.approx((0.01 + 0.04 + 0.09) / 3)


def test_perfect_ranking_metrics() -> None:
    m = evaluate(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9]))
    assert m["roc_auc"] == 1.0 and m["pr_auc"] == 1.0
