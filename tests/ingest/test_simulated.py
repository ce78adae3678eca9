"""Ingesting the simulator's small landing zone gives exactly the mess it injected
(`_truth/messy.json`): quarantine counts per feed and reason, natural duplicates, the corrupt
file; and loading it again, or in another order, changes nothing."""

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.contract import FEEDS
from ingest.load import invariant_violations, load_landing, table_hashes

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def messy(small_landing: Path) -> dict:
    return json.loads((small_landing / "_truth" / "messy.json").read_text())


def test_quarantine_matches_injected_mess(loaded_warehouse: Path, messy: dict) -> None:
    with duckdb.connect(str(loaded_warehouse), read_only=True) as con:
        for feed in FEEDS:
            got = dict(
                con.execute(
                    f"select reason_code, count(*) from quarantine.{feed} "  # feed: contract name
                    "where reason_code <> 'corrupt_file' group by 1"
                ).fetchall()
            )
            assert got == messy["expected_quarantine"].get(feed, {}), feed
            dups = con.execute(
                "select coalesce(sum(rows_duplicate), 0) from raw._loaded_files where feed = ?",
                [feed],
            ).fetchone()[0]
            assert dups == messy["natural_duplicates"].get(feed, 0), feed
        corrupt = con.execute(
            "select feed, file_key from raw._loaded_files where status = 'corrupt'"
        ).fetchall()
        assert corrupt == [(messy["corrupt_file"]["feed"], messy["corrupt_file"]["key"])]
        feed = messy["corrupt_file"]["feed"]
        assert feed in FEEDS  # a contract feed name, safe as an identifier
        q = con.execute(
            f"select reason_code from quarantine.{feed} where _file_key = ?",
            [messy["corrupt_file"]["key"]],
        ).fetchall()
        assert q == [(messy["corrupt_file"]["reason_code"],)]
        assert invariant_violations(con) == []
        # one row per event id in every event feed
        for feed in ("call_events", "dni_beacons", "conversions"):
            n, distinct = con.execute(
                f"select count(*), count(distinct event_id) from raw.{feed}"
            ).fetchone()
            assert n == distinct > 0


def test_reload_in_reverse_day_order_gives_the_same_tables(
    small_landing: Path, loaded_warehouse: Path, tmp_path: Path
) -> None:
    with duckdb.connect(str(loaded_warehouse), read_only=True) as con:
        expected = table_hashes(con, load_ids=False)
    copy = tmp_path / "w.duckdb"
    shutil.copy(loaded_warehouse, copy)
    con = duckdb.connect(str(copy))
    assert load_landing(con, small_landing).files == []  # rerun: nothing new
    assert table_hashes(con, load_ids=False) == expected
    con.close()
    # a different loading order (newest day first) gives the same rows where nothing
    # depends on order: the event feeds' accepted rows and the quarantine counts
    reverse = duckdb.connect(str(tmp_path / "reverse.duckdb"))
    days = sorted({p.name[3:] for p in small_landing.glob("*/dt=*")}, reverse=True)
    for day in days:
        load_landing(reverse, small_landing, days=[day])
    got = table_hashes(reverse, load_ids=False)
    for feed in ("accounts", "tracking_numbers", "offline_spend"):
        assert got[f"raw.{feed}"] == expected[f"raw.{feed}"]
    for table, (n, _) in expected.items():
        assert got[table][0] == n, table
