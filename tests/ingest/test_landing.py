"""Landing-zone keys and listing (local folder; S3 in test_s3.py)."""

import datetime as dt
from pathlib import Path

import pytest

from ingest import synth
from ingest.landing import LocalLanding, arrival_days, open_landing, parse_key
from pipelines.landing.partitions import arrival_days as partition_keys
from pipelines.settings import Settings

KEYS = [
    # a feed's Parquet file in a dt folder
    ("dni_beacons/dt=2026-10-01/a.parquet", ("dni_beacons", dt.date(2026, 10, 1))),
    # not a feed
    ("recordings/dt=2026-10-01/a.parquet", None),
    # not Parquet
    ("call_events/dt=2026-10-01/a.csv", None),
    # no dt= folder, or an impossible day
    ("call_events/2026-10-01/a.parquet", None),
    ("call_events/dt=2026-13-01/a.parquet", None),
    # nested deeper than the layout
    ("call_events/dt=2026-10-01/x/a.parquet", None),
    # in-progress / hidden uploads
    ("call_events/dt=2026-10-01/_tmp.parquet", None),
    ("call_events/dt=2026-10-01/.a.parquet", None),
]


@pytest.mark.parametrize(("key", "expected"), KEYS)
def test_parse_key(key: str, expected: tuple | None) -> None:
    assert parse_key(key) == expected


def test_listing_and_arrival_days(tmp_path: Path) -> None:
    d1, d2 = dt.date(2026, 10, 1), dt.date(2026, 10, 3)
    synth.write(synth.beacons(0, 5, d1), tmp_path, "dni_beacons", d1, "a")
    synth.write(synth.call_events(0, 5, d2), tmp_path, "call_events", d2, "a")
    landing = open_landing(str(tmp_path))
    assert isinstance(landing, LocalLanding)
    files = landing.list_files()
    assert [f.key for f in files] == [
        "dni_beacons/dt=2026-10-01/a.parquet",
        "call_events/dt=2026-10-03/a.parquet",
    ]
    assert all(len(f.checksum) == 32 for f in files)
    assert [f.key for f in landing.list_files(["call_events"], ["2026-10-01"])] == []
    assert arrival_days(landing) == ["2026-10-01", "2026-10-03"]
    assert partition_keys(Settings(landing_uri=str(tmp_path))) == ["2026-10-01", "2026-10-03"]
    assert partition_keys(Settings(landing_uri=str(tmp_path / "missing"))) == []
