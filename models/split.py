"""Time-aware splits: a model is always judged on calls that happened after the ones it learned
from, as it will be used (scoring tomorrow's calls with a model trained on last month's)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from models.config import SplitConfig
from models.features import utc_naive


@dataclass(frozen=True)
class TimeSplit:
    train: pl.DataFrame
    valid: pl.DataFrame
    cutoff: datetime  # train: ended_at < cutoff; valid: ended_at >= cutoff
    method: str  # "weeks" or "fraction"

    def window(self) -> dict[str, str | None]:
        def span(f: pl.DataFrame) -> tuple[str | None, str | None]:
            if f.is_empty():
                return None, None
            return str(f["ended_at"].min().date()), str(f["ended_at"].max().date())

        (ts, te), (vs, ve) = span(self.train), span(self.valid)
        return {
            "train_start": ts,
            "train_end": te,
            "valid_start": vs,
            "valid_end": ve,
            "cutoff": self.cutoff.isoformat(),
            "method": self.method,
        }


def week_start(ts: datetime) -> date:
    d = ts.date()
    return d - timedelta(days=d.weekday())  # Monday-based weeks of the call's end (UTC)


def time_split(frame: pl.DataFrame, config: SplitConfig) -> TimeSplit:
    """Last `validation_weeks` calendar weeks of `frame` (by `ended_at`) for validation.

    If the data cover too few weeks to keep at least one training week, validate on the last
    `fallback_validation_fraction` of calls by time instead (recorded as method "fraction").
    """
    if frame.is_empty():
        raise ValueError("no rows to split")
    frame = utc_naive(frame).sort(["ended_at", "call_id"])
    weeks = sorted({week_start(t) for t in frame["ended_at"].to_list()})
    if len(weeks) > config.validation_weeks >= 1:
        first_valid = weeks[-config.validation_weeks]
        cutoff = datetime(first_valid.year, first_valid.month, first_valid.day)
        method = "weeks"
    else:
        idx = int(len(frame) * (1 - config.fallback_validation_fraction))
        idx = min(max(idx, 1), len(frame) - 1)
        cutoff = frame["ended_at"][idx]
        method = "fraction"
    # `load_features` gives naive UTC instants, so the cutoff compares without a zone.
    return TimeSplit(
        train=frame.filter(pl.col("ended_at") < cutoff),
        valid=frame.filter(pl.col("ended_at") >= cutoff),
        cutoff=cutoff,
        method=method,
    )


def forward_folds(n_rows: int, n_folds: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Forward-chaining folds over rows sorted by time: fold k trains on the first k blocks and
    tests on block k+1 (sklearn's TimeSeriesSplit), so no fold tests on the past of its train."""
    from sklearn.model_selection import TimeSeriesSplit

    yield from TimeSeriesSplit(n_splits=n_folds).split(np.arange(n_rows))
