"""The benchmark's pandas and Polars reference implementations agree with the engine (so the
benchmark's identity check compares like with like)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pandas as pd
import polars as pl
import pytest

from pipelines.attribution.engine import run_attribution

from .conftest import SECRET
from .test_incremental import _events, _new_world

BENCH = Path(__file__).resolve().parents[2] / "bench"
QUERIES = (
    "select account_id, session_id, event_id, event_type, epoch_us(occurred_at) as occurred_at, "
    "tracking_number from raw.dni_beacons",
    "select call_id, account_id, event_id, event_type, epoch_us(occurred_at) as occurred_at, "
    "tracking_number from raw.call_events",
    "select account_id, tracking_number, number_kind, epoch_us(valid_from) as valid_from, "
    "epoch_us(valid_to) as valid_to from raw.tracking_numbers_current",
    "select account_id, session_timeout_minutes from raw.accounts_current",
)


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("seed", [5, 6])
def test_references_equal_engine(seed: int) -> None:
    con, w = _new_world()
    for feed, rows in _events(seed).items():
        w.raw.load(feed, rows)
    run_attribution(con, SECRET)
    expected = con.execute(
        "select call_id, attribution_status, candidate_count, session_id "
        "from attribution.call_attribution order by call_id"
    ).fetchall()
    assert any(r[1] == "ambiguous" for r in expected)
    tables = [con.sql(q).arrow().read_all() for q in QUERIES]

    pandas_ref = _load("attribution_ref_pandas")
    got = pandas_ref.attribute(*[t.to_pandas() for t in tables]).sort_values("call_id")
    # pandas spells missing values NA/NaN; compare as None.
    rows = [
        tuple(None if pd.isna(v) else (int(v) if i == 2 else v) for i, v in enumerate(r))
        for r in got.itertuples(index=False)
    ]
    assert rows == expected

    polars_ref = _load("attribution_ref_polars")
    got_pl = polars_ref.attribute(*[pl.from_arrow(t) for t in tables]).sort("call_id")
    assert got_pl.rows() == expected
