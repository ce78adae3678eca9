"""Validation rules, one case each: a valid base row is broken in one way and the row must be
rejected with the expected reason code (or accepted, for the safe casts of design.md)."""

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from ingest import synth
from ingest.contract import FEEDS, QUARANTINE_REASONS
from ingest.validate import ROW_NUMBER_COLUMN, schema_drift, validation_plan

DAY = dt.date(2026, 10, 1)
ROOT = "/landing"


def _validate(feed: str, table: pa.Table, root: str = ROOT) -> list[dict]:
    table = table.append_column(ROW_NUMBER_COLUMN, pa.array(range(table.num_rows), pa.int64()))
    plan = validation_plan(FEEDS[feed], table.schema)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("src", table)
    params = {"arrival_date": DAY, "landing_root": root}
    params = {k: v for k, v in params.items() if f"${k}" in plan.sql}
    return con.execute(plan.sql, params).to_arrow_table().to_pylist()


def _with(table: pa.Table, row: int, **values: object) -> pa.Table:
    """`table` with the given columns of row `row` replaced (types kept)."""
    for name, value in values.items():
        col = table.column(name).to_pylist()
        col[row] = value
        table = table.set_column(
            table.schema.get_field_index(name), name, pa.array(col, table.schema.field(name).type)
        )
    return table


def _beacon(etype: str = "number.assigned") -> pa.Table:
    t = synth.beacons(0, 8, DAY)
    idx = t.column("event_type").to_pylist().index(etype)
    return t.slice(idx, 1)


def _call(etype: str) -> pa.Table:
    t = synth.call_events(0, 8, DAY)
    idx = t.column("event_type").to_pylist().index(etype)
    return t.slice(idx, 1)


def test_valid_rows_pass() -> None:
    rows = _validate("dni_beacons", synth.beacons(0, 200, DAY))
    assert [r["_reason_code"] for r in rows] == [None] * 200
    rows = _validate("call_events", synth.call_events(0, 200, DAY))
    assert {r["_reason_code"] for r in rows} == {None}


BEACON_CASES = [
    # event_type outside the enumeration of the feed
    ({"event_type": "session.ended"}, "unknown_event_type"),
    # event_type itself is required on every row
    ({"event_type": None}, "missing_required_field"),
    # event_id is the idempotency key: required
    ({"event_id": None}, "missing_required_field"),
    # number.assigned must say which number
    ({"tracking_number": None}, "missing_required_field"),
    # a number that is not E.164
    ({"tracking_number": "555-1234"}, "invalid_e164"),
    # E.164 does not start with +0
    ({"tracking_number": "+0123456789"}, "invalid_e164"),
    # future schema
    ({"schema_version": 2}, "unsupported_schema_version"),
    # schema_version is required too
    ({"schema_version": None}, "missing_required_field"),
    # before 2000: a producer bug
    ({"occurred_at": dt.datetime(1999, 12, 31, tzinfo=dt.UTC)}, "timestamp_out_of_range"),
    # far future relative to the arrival day: a clock bug
    ({"occurred_at": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)}, "timestamp_out_of_range"),
]


@pytest.mark.parametrize(("change", "reason"), BEACON_CASES)
def test_beacon_rules(change: dict, reason: str) -> None:
    rows = _validate("dni_beacons", _with(_beacon(), 0, **change))
    assert rows[0]["_reason_code"] == reason
    assert rows[0]["_reason_detail"]
    assert reason in QUARANTINE_REASONS


def test_page_url_required_only_on_page_events() -> None:
    # page.viewed without page_url is missing a required field; a heartbeat without it is fine
    assert (
        _validate("dni_beacons", _with(_beacon("page.viewed"), 0, page_url=None))[0]["_reason_code"]
        == "missing_required_field"
    )
    assert (
        _validate("dni_beacons", _with(_beacon("session.heartbeat"), 0, page_url=None))[0][
            "_reason_code"
        ]
        is None
    )


CALL_CASES = [
    # call.ended needs end_status
    ("call.ended", {"end_status": None}, "missing_required_field"),
    # end_status outside its enum
    ("call.ended", {"end_status": "exploded"}, "invalid_enum"),
    # negative seconds
    ("call.ended", {"duration_seconds": -5, "talk_seconds": 0}, "invalid_value"),
    # talk longer than the whole call
    ("call.ended", {"duration_seconds": 10, "talk_seconds": 11}, "invalid_value"),
    # recording_channels is 1 or 2
    ("call.recording_ready", {"recording_channels": 3}, "invalid_enum"),
    # traversal out of the landing root
    ("call.recording_ready", {"recording_uri": "../../etc/passwd"}, "invalid_path"),
    ("call.recording_ready", {"recording_uri": "recordings/../../x.wav"}, "invalid_path"),
    # an absolute path elsewhere on disk
    ("call.recording_ready", {"recording_uri": "/etc/passwd"}, "invalid_path"),
    # another scheme
    ("call.recording_ready", {"recording_uri": "http://evil/x.wav"}, "invalid_path"),
    # a Windows-style separator could hide a traversal
    ("call.recording_ready", {"recording_uri": "recordings\\..\\x.wav"}, "invalid_path"),
    # an absolute path under the root is fine
    ("call.recording_ready", {"recording_uri": "/landing/recordings/a.wav"}, None),
    ("call.recording_ready", {"recording_uri": "file:///landing/recordings/a.wav"}, None),
    # a prefix of the root is not the root
    ("call.recording_ready", {"recording_uri": "/landing2/recordings/a.wav"}, "invalid_path"),
    # caller numbers must be E.164 too (when present)
    ("call.started", {"caller_number": "12345"}, "invalid_e164"),
    # ... and may be null (blocked caller id)
    ("call.started", {"caller_number": None}, None),
    # destination required on call.started
    ("call.started", {"destination_number": None}, "missing_required_field"),
]


@pytest.mark.parametrize(("etype", "change", "reason"), CALL_CASES)
def test_call_rules(etype: str, change: dict, reason: str | None) -> None:
    assert _validate("call_events", _with(_call(etype), 0, **change))[0]["_reason_code"] == reason


def test_safe_casts_and_uncastable_values() -> None:
    t = _beacon()
    # int64 schema_version, naive timestamps (UTC), large_string ids: compatible, accepted
    cast = t.set_column(1, "schema_version", t.column("schema_version").cast(pa.int64()))
    cast = cast.set_column(4, "occurred_at", pa.array([dt.datetime(2026, 10, 1, 12)]))
    cast = cast.set_column(2, "event_id", t.column("event_id").cast(pa.large_string()))
    row = _validate("dni_beacons", cast)[0]
    assert row["_reason_code"] is None
    assert row["occurred_at"] == dt.datetime(2026, 10, 1, 12, tzinfo=dt.UTC)
    # a timestamp column arriving as text that is not a timestamp: uncastable
    bad = t.set_column(4, "occurred_at", pa.array(["yesterday-ish"]))
    row = _validate("dni_beacons", bad)[0]
    assert row["_reason_code"] == "uncastable_value"
    assert "yesterday-ish" in row["_original_json"]
    # a list where a scalar belongs
    nested = t.set_column(1, "schema_version", pa.array([[1]]))
    assert _validate("dni_beacons", nested)[0]["_reason_code"] == "uncastable_value"


def test_money_from_float_and_required_when() -> None:
    f = FEEDS["ad_spend"]
    base = {
        "account_id": "a",
        "schema_version": 1,
        "platform": "meta_ads",
        "date": DAY,
        "ad_account_id": "x",
        "campaign_id": "c",
        "impressions": 10,
        "clicks": 1,
        "currency": "USD",
    }
    # spend as float64 casts to decimal(18, 2)
    t = pa.table({**{k: [v] for k, v in base.items()}, "spend": [12.5]})
    t = t.set_column(1, "schema_version", pa.array([1], pa.int32()))
    row = _validate("ad_spend", t)[0]
    assert row["_reason_code"] is None and str(row["spend"]) == "12.50"
    # meta_ads without spend breaks `spend` required where platform = 'meta_ads'
    row = _validate("ad_spend", t.drop_columns(["spend"]))[0]
    assert row["_reason_code"] == "missing_required_field"
    assert "spend" in row["_reason_detail"]
    # google_ads needs cost_micros instead
    g = t.set_column(t.schema.get_field_index("platform"), "platform", pa.array(["google_ads"]))
    assert _validate("ad_spend", g)[0]["_reason_code"] == "missing_required_field"
    assert set(f.field_names) >= set(base)


def test_schema_drift() -> None:
    t = _beacon().drop_columns(["utm_content"]).append_column("surprise", pa.array([1]))
    drift = schema_drift(FEEDS["dni_beacons"], t.schema)
    assert drift.extra_columns == ("surprise",)
    assert drift.missing_columns == ("utm_content",)
    row = _validate("dni_beacons", t)[0]
    assert row["_reason_code"] is None and row["utm_content"] is None


def test_no_data_value_in_sql() -> None:
    # The SQL depends on the schema only: two files with the same schema, different values,
    # give the same text.
    a = validation_plan(FEEDS["call_events"], synth.call_events(0, 4, DAY).schema).sql
    b = validation_plan(FEEDS["call_events"], synth.call_events(99, 4, DAY).schema).sql
    assert a == b and "recordings/call" not in a
