"""The simulated landing zone follows the contract exactly, and is deterministic."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ingest import contract
from ingest.simulate import MessRates, simulate

pytestmark = pytest.mark.xdist_group("simulate")

KEY = re.compile(r"^(?P<feed>[a-z_]+)/dt=(?P<dt>\d{4}-\d{2}-\d{2})/[A-Za-z0-9_.-]+\.parquet$")


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_feed_present_with_the_contract_schema(small_landing: Path, simulation_truth) -> None:
    corrupt = simulation_truth.messy["corrupt_file"]["key"]
    seen = set()
    for path in small_landing.rglob("*.parquet"):
        key = path.relative_to(small_landing).as_posix()
        if key.startswith("_truth/"):
            continue
        m = KEY.match(key)
        assert m, f"{key} is not {{feed}}/dt=YYYY-MM-DD/name.parquet"
        assert m["feed"] in contract.FEEDS
        dt.date.fromisoformat(m["dt"])
        if key == corrupt:
            with pytest.raises(pa.ArrowInvalid):
                pq.read_table(path)
            continue
        schema = pq.read_schema(path)
        # exactly the contract's schema: names, order, types (no pandas metadata either)
        assert schema.equals(contract.feed(m["feed"]).schema, check_metadata=False), key
        assert schema.metadata is None or b"pandas" not in schema.metadata
        seen.add(m["feed"])
    assert seen == set(contract.FEEDS)


def test_exactly_one_corrupt_file(small_landing: Path, simulation_truth) -> None:
    unreadable = []
    for path in small_landing.glob("*/dt=*/*.parquet"):
        try:
            pq.read_metadata(path)
        except Exception:
            unreadable.append(path.relative_to(small_landing).as_posix())
    assert unreadable == [simulation_truth.messy["corrupt_file"]["key"]]
    assert simulation_truth.messy["corrupt_file"]["reason_code"] in contract.QUARANTINE_REASONS


def test_recordings_live_under_the_landing_root(small_landing: Path, landing_con) -> None:
    uris = landing_con.sql(
        "select distinct recording_uri from call_events where event_type = 'call.recording_ready'"
        " and recording_uri not like '%..%'"
    ).fetchall()
    assert uris, "a small run writes recordings"
    for (uri,) in uris:
        assert uri.startswith("recordings/") and not Path(uri).is_absolute()
        assert (small_landing / uri).is_file(), uri


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    kwargs = dict(days=2, scale="small", start=dt.date(2026, 10, 24), max_recordings=3)
    a = _digests(simulate(tmp_path / "a", seed=3, **kwargs).out)
    b = _digests(simulate(tmp_path / "b", seed=3, **kwargs).out)
    c = _digests(simulate(tmp_path / "c", seed=4, **kwargs).out)
    assert a == b
    assert len(a) > 20 and any(k.startswith("recordings/") for k in a)
    assert a.keys() != c.keys() or any(a[k] != c[k] for k in a)


def test_clean_run_has_no_mess(tmp_path: Path) -> None:
    simulate(tmp_path, days=1, scale="small", mess=MessRates.clean(), recordings=False)
    from ingest.simulate import read_truth

    messy = read_truth(tmp_path).messy
    assert messy["corrupt_file"] is None
    assert messy["expected_quarantine"] == {}
    assert sum(messy["natural_duplicates"].values()) == 0
    assert sum(messy["late_events"].values()) == 0
    assert not (tmp_path / "recordings").exists()
