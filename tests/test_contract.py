"""The contract in code: schemas follow design.md's type rules; the docs are generated from it."""

from pathlib import Path

import pyarrow as pa
import pytest

from ingest import contract

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("feed", contract.FEEDS.values(), ids=lambda f: f.name)
def test_every_feed_carries_tenant_and_version(feed: contract.Feed) -> None:
    assert feed.schema.field("account_id").type == pa.string()
    assert feed.schema.field("schema_version").type == pa.int32()
    assert set(feed.required_fields()) >= {"account_id", "schema_version"}


@pytest.mark.parametrize(
    "feed", [f for f in contract.FEEDS.values() if f.kind == "event"], ids=lambda f: f.name
)
def test_event_feeds_have_idempotency_fields(feed: contract.Feed) -> None:
    # Event feeds dedupe by event_id and are validated per event_type.
    assert feed.key == ("event_id",)
    assert feed.schema.field("occurred_at").type == pa.timestamp("us", tz="UTC")
    assert feed.field("event_type").enum == feed.event_types


def test_types_follow_design_rules() -> None:
    # money is decimal(18,2); counts and seconds int64; cost_micros int64; days date32
    assert contract.AD_SPEND.schema.field("spend").type == pa.decimal128(18, 2)
    assert contract.AD_SPEND.schema.field("cost_micros").type == pa.int64()
    assert contract.AD_SPEND.schema.field("date").type == pa.date32()
    assert contract.CALL_EVENTS.schema.field("talk_seconds").type == pa.int64()


def test_required_fields_per_event_type() -> None:
    ended = contract.CALL_EVENTS.required_fields("call.ended")
    assert {"end_status", "duration_seconds", "talk_seconds"} <= set(ended)
    started = contract.CALL_EVENTS.required_fields("call.started")
    assert "caller_number" not in started  # blocked caller ids are null
    assert "tracking_number" in contract.DNI_BEACONS.required_fields("number.assigned")


def test_pii_fields_marked() -> None:
    assert "caller_number" in contract.CALL_EVENTS.pii_fields
    assert "ip_address" in contract.DNI_BEACONS.pii_fields


def test_contract_docs_are_generated_from_code() -> None:
    docs = (ROOT / "docs" / "contract.md").read_text()
    assert docs.strip() == contract.render_markdown().strip(), (
        "docs/contract.md is stale: run `calltrack contract --write docs/contract.md`"
    )
