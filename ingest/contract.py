"""The landing-zone contract of design.md, in code.

This module is the single source of truth for every feed: its Arrow schema, which fields each
`event_type` requires, the enumerations, which fields are PII and how rows are deduplicated.
Validation (`ingest.validate`), the simulator (`ingest.simulate`) and the generated contract
docs (`docs/contract.md`, `calltrack contract`) all read it; nothing else restates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pyarrow as pa

SCHEMA_VERSION = 1

# Arrow types of design.md ("Types").
TEXT = pa.string()
INSTANT = pa.timestamp("us", tz="UTC")
DAY = pa.date32()
COUNT = pa.int64()
MONEY = pa.decimal128(18, 2)
VERSION = pa.int32()

FeedKind = Literal["event", "fact", "reference"]

# Bounds of a plausible event time: earlier is a producer bug, later is a clock bug.
EARLIEST_VALID_INSTANT = "2000-01-01T00:00:00+00:00"
MAX_FUTURE_SKEW_DAYS = 2

E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"


@dataclass(frozen=True)
class Field:
    name: str
    type: pa.DataType
    doc: str
    # Event types on which the field is required; "*" = every row of the feed.
    required_on: tuple[str, ...] = ()
    enum: tuple[str, ...] | None = None
    pii: bool = False
    e164: bool = False

    @property
    def arrow(self) -> pa.Field:
        return pa.field(self.name, self.type, nullable=True)


@dataclass(frozen=True)
class Feed:
    name: str
    kind: FeedKind
    doc: str
    fields: tuple[Field, ...]
    # Event feeds: the event types and nothing else. Other feeds: empty.
    event_types: tuple[str, ...] = ()
    # Dedupe key. Event feeds: event_id (idempotency). Facts: the natural key, a later arrival
    # restates the row. Reference feeds: the snapshot key, the newest snapshot is current.
    key: tuple[str, ...] = ()
    # Conditional requirements that don't fit "required on event type X", as (field, condition):
    # `field` must be non-null on rows where the SQL condition (over the row's own columns, a
    # constant written here, never built from data) holds.
    required_when: tuple[tuple[str, str], ...] = field(default=())

    @property
    def schema(self) -> pa.Schema:
        return pa.schema([f.arrow for f in self.fields])

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"{self.name} has no field {name!r}")

    def required_fields(self, event_type: str | None = None) -> list[str]:
        """Fields that must be non-null on a row of this event type (all rows if None)."""
        out = []
        for f in self.fields:
            if "*" in f.required_on or (event_type is not None and event_type in f.required_on):
                out.append(f.name)
        return out

    @property
    def enums(self) -> dict[str, tuple[str, ...]]:
        return {f.name: f.enum for f in self.fields if f.enum is not None}

    @property
    def pii_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.pii]

    @property
    def e164_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.e164]


ALL = ("*",)


def _common(event_types: tuple[str, ...] | None) -> tuple[Field, ...]:
    base = (
        Field("account_id", TEXT, "Our tenant: the business the data belongs to.", ALL),
        Field(
            "schema_version",
            VERSION,
            f"Contract version of the row (currently {SCHEMA_VERSION}).",
            ALL,
        ),
    )
    if event_types is None:
        return base
    return base + (
        Field("event_id", TEXT, "Globally unique id of the event: the idempotency key.", ALL),
        Field("event_type", TEXT, "What happened.", ALL, enum=event_types),
        Field("occurred_at", INSTANT, "When it happened (UTC).", ALL),
    )


# --- enumerations --------------------------------------------------------------------------

CALL_EVENT_TYPES = ("call.started", "call.answered", "call.ended", "call.recording_ready")
END_STATUSES = ("completed", "no_answer", "busy", "voicemail", "abandoned", "failed")
BEACON_EVENT_TYPES = ("session.started", "page.viewed", "number.assigned", "session.heartbeat")
CONVERSION_EVENT_TYPES = ("conversion.recorded",)
CONVERSION_TYPES = ("appointment_booked", "sale", "qualified_lead")
PLATFORMS = ("google_ads", "microsoft_ads", "meta_ads")
MATCH_TYPES = ("exact", "phrase", "broad")
NUMBER_KINDS = ("static", "pool", "default")
RECORDING_CHANNELS = ("1", "2")  # compared as text so one enum check serves every type

# Channels of design.md ("Channel"), in rule order. Static numbers may also carry offline
# channels (billboard, radio, directory listings), so tracking_numbers.channel is not an enum.
WEB_CHANNELS = (
    "Paid Search",
    "Paid Social",
    "Email",
    "Display",
    "Organic Search",
    "Organic Social",
    "Referral",
    "Direct",
)
UNATTRIBUTED_WEB_CHANNEL = "Website (unattributed)"

# --- feeds ---------------------------------------------------------------------------------

CALL_EVENTS = Feed(
    name="call_events",
    kind="event",
    doc="Call lifecycle events from the telephony provider's webhooks.",
    event_types=CALL_EVENT_TYPES,
    key=("event_id",),
    fields=_common(CALL_EVENT_TYPES)
    + (
        Field("call_id", TEXT, "Provider's call id.", ALL),
        Field("tracking_number", TEXT, "The number that was dialled (E.164).", ALL, e164=True),
        Field(
            "caller_number",
            TEXT,
            "Caller's number (E.164); null when caller id is blocked.",
            pii=True,
            e164=True,
        ),
        Field("caller_city", TEXT, "Caller's city, from the carrier."),
        Field("caller_region", TEXT, "Caller's region/state, from the carrier."),
        Field("caller_postal_code", TEXT, "Caller's postal code, from the carrier.", pii=True),
        Field("caller_country", TEXT, "Caller's country (ISO 3166 alpha-2), from the carrier."),
        Field(
            "destination_number",
            TEXT,
            "Where the call was forwarded (E.164).",
            ("call.started",),
            e164=True,
        ),
        Field("end_status", TEXT, "How the call ended.", ("call.ended",), enum=END_STATUSES),
        Field("duration_seconds", COUNT, "Ring + talk seconds.", ("call.ended",)),
        Field("talk_seconds", COUNT, "Talk seconds; 0 when not answered.", ("call.ended",)),
        Field(
            "recording_uri",
            TEXT,
            "Recording location: relative to landing_root, or a full s3:// or file path.",
            ("call.recording_ready",),
        ),
        Field(
            "recording_channels",
            COUNT,
            "1 = mono, 2 = dual-channel (caller left, agent right).",
            ("call.recording_ready",),
            enum=RECORDING_CHANNELS,
        ),
    ),
)

DNI_BEACONS = Feed(
    name="dni_beacons",
    kind="event",
    doc="Website session beacons from the DNI snippet.",
    event_types=BEACON_EVENT_TYPES,
    key=("event_id",),
    fields=_common(BEACON_EVENT_TYPES)
    + (
        Field("visitor_id", TEXT, "First-party cookie, stable across sessions.", ALL),
        Field("session_id", TEXT, "Website session.", ALL),
        Field("page_url", TEXT, "Full URL with query string.", ("session.started", "page.viewed")),
        Field("referrer", TEXT, "HTTP referrer of the landing page."),
        Field("utm_source", TEXT, "utm_source of the landing URL."),
        Field("utm_medium", TEXT, "utm_medium of the landing URL."),
        Field("utm_campaign", TEXT, "utm_campaign of the landing URL."),
        Field("utm_term", TEXT, "utm_term (the search keyword) of the landing URL."),
        Field("utm_content", TEXT, "utm_content of the landing URL."),
        Field("gclid", TEXT, "Google Ads click id."),
        Field("msclkid", TEXT, "Microsoft Ads click id."),
        Field("fbclid", TEXT, "Meta click id."),
        Field(
            "tracking_number",
            TEXT,
            "The number this session now shows.",
            ("number.assigned",),
            e164=True,
        ),
        Field("pool_id", TEXT, "The pool the number came from.", ("number.assigned",)),
        Field("user_agent", TEXT, "Browser user agent."),
        Field("ip_address", TEXT, "Visitor IP address.", pii=True),
    ),
)

AD_SPEND = Feed(
    name="ad_spend",
    kind="fact",
    doc=(
        "Daily ad spend per platform. A later-arriving row for the same key restates it "
        "(latest arrival wins); it is never added to it."
    ),
    key=("platform", "date", "ad_account_id", "campaign_id", "ad_group_id", "keyword_id"),
    required_when=(
        ("cost_micros", "platform in ('google_ads', 'microsoft_ads')"),
        ("spend", "platform = 'meta_ads'"),
    ),
    fields=_common(None)
    + (
        Field("platform", TEXT, "Ad platform.", ALL, enum=PLATFORMS),
        Field("date", DAY, "Day of the spend, in the ad account's timezone.", ALL),
        Field("ad_account_id", TEXT, "Ad platform account.", ALL),
        Field("campaign_id", TEXT, "Campaign id.", ALL),
        Field("campaign_name", TEXT, "Campaign name."),
        Field("ad_group_id", TEXT, "Ad group id (ad set for Meta)."),
        Field("ad_group_name", TEXT, "Ad group name (ad set for Meta)."),
        Field("keyword_id", TEXT, "Keyword (criterion) id; null for Meta."),
        Field("keyword_text", TEXT, "Keyword text; null for Meta."),
        Field("match_type", TEXT, "Keyword match type; null for Meta.", enum=MATCH_TYPES),
        Field("impressions", COUNT, "Impressions.", ALL),
        Field("clicks", COUNT, "Clicks.", ALL),
        Field("cost_micros", COUNT, "Cost in millionths of the currency unit (Google, Microsoft)."),
        Field("spend", MONEY, "Cost in currency units (Meta)."),
        Field("currency", TEXT, "ISO 4217 currency of the cost.", ALL),
    ),
)

AD_CLICKS = Feed(
    name="ad_clicks",
    kind="fact",
    doc="Google Ads click view: resolves a gclid to its campaign, ad group and keyword.",
    key=("gclid",),
    fields=_common(None)
    + (
        Field("gclid", TEXT, "Google Ads click id.", ALL),
        Field("date", DAY, "Day of the click.", ALL),
        Field("ad_account_id", TEXT, "Ad platform account.", ALL),
        Field("campaign_id", TEXT, "Campaign id.", ALL),
        Field("ad_group_id", TEXT, "Ad group id."),
        Field("keyword_id", TEXT, "Keyword id."),
        Field("keyword_text", TEXT, "Keyword text."),
        Field("match_type", TEXT, "Keyword match type.", enum=MATCH_TYPES),
    ),
)

CONVERSIONS = Feed(
    name="conversions",
    kind="event",
    doc=(
        "CRM conversions. Linked to a call by call_id; without one, to the caller's most "
        "recent call at or before the conversion within 30 days."
    ),
    event_types=CONVERSION_EVENT_TYPES,
    key=("event_id",),
    required_when=(("currency", "value is not null"),),
    fields=_common(CONVERSION_EVENT_TYPES)
    + (
        Field(
            "conversion_type",
            TEXT,
            "What the caller became.",
            ("conversion.recorded",),
            enum=CONVERSION_TYPES,
        ),
        Field("call_id", TEXT, "The call that converted, when the CRM knows it."),
        Field(
            "caller_number",
            TEXT,
            "Caller's number (E.164), when call_id is unknown.",
            pii=True,
            e164=True,
        ),
        Field("value", MONEY, "Value of the conversion in currency units."),
        Field("currency", TEXT, "ISO 4217 currency of value (required when value is set)."),
    ),
)

ACCOUNTS = Feed(
    name="accounts",
    kind="reference",
    doc="Tenants and their settings. Replaced by newer snapshots.",
    key=("account_id",),
    fields=_common(None)
    + (
        Field("name", TEXT, "Business name.", ALL),
        Field(
            "timezone", TEXT, "IANA timezone of the business: local dates and hours use it.", ALL
        ),
        Field("currency", TEXT, "ISO 4217 currency of the business.", ALL),
        Field(
            "qualified_call_seconds",
            COUNT,
            "Talk seconds from which a call is qualified (default 90).",
        ),
        Field(
            "session_timeout_minutes",
            COUNT,
            "Minutes a website session stays active after its last beacon (default 30).",
        ),
        Field(
            "attribution_lookback_days",
            COUNT,
            "Days of a visitor's sessions considered for multi-touch (default 30).",
        ),
    ),
)

TRACKING_NUMBERS = Feed(
    name="tracking_numbers",
    kind="reference",
    doc=(
        "Tracking numbers and what they stand for, with validity intervals [valid_from, valid_to) "
        "because numbers get reassigned. Replaced by newer snapshots."
    ),
    key=("tracking_number", "valid_from"),
    required_when=(("pool_id", "number_kind = 'pool'"),),
    fields=_common(None)
    + (
        Field("tracking_number", TEXT, "The published number (E.164).", ALL, e164=True),
        Field(
            "number_kind",
            TEXT,
            "static (one placement), pool (DNI) or default (pool exhausted).",
            ALL,
            enum=NUMBER_KINDS,
        ),
        Field("pool_id", TEXT, "DNI pool of a pool number."),
        Field("channel", TEXT, "Channel of a static number's placement."),
        Field("source", TEXT, "Source of a static number's placement."),
        Field("medium", TEXT, "Medium of a static number's placement."),
        Field("campaign", TEXT, "Campaign of a static number's placement."),
        Field("location_id", TEXT, "Business location the number rings (multi-location accounts)."),
        Field("valid_from", INSTANT, "Start of validity (inclusive).", ALL),
        Field("valid_to", INSTANT, "End of validity (exclusive); null = still valid."),
    ),
)

OFFLINE_SPEND = Feed(
    name="offline_spend",
    kind="reference",
    doc=(
        "Monthly offline spend (billboards, radio, directories), spread evenly over the "
        "month's days."
    ),
    key=("account_id", "month", "channel", "source", "campaign"),
    fields=_common(None)
    + (
        Field("month", DAY, "First day of the month.", ALL),
        Field("channel", TEXT, "Channel of the placement.", ALL),
        Field("source", TEXT, "Source of the placement."),
        Field("campaign", TEXT, "Campaign of the placement."),
        Field("cost", MONEY, "Cost of the month in the account's currency.", ALL),
    ),
)

FEEDS: dict[str, Feed] = {
    f.name: f
    for f in (
        CALL_EVENTS,
        DNI_BEACONS,
        AD_SPEND,
        AD_CLICKS,
        CONVERSIONS,
        ACCOUNTS,
        TRACKING_NUMBERS,
        OFFLINE_SPEND,
    )
}

# Defaults of the account settings, applied where the accounts feed leaves them null.
ACCOUNT_DEFAULTS = {
    "qualified_call_seconds": 90,
    "session_timeout_minutes": 30,
    "attribution_lookback_days": 30,
}

# Conversions link to the caller's latest call at or before them within this window.
CONVERSION_LINK_WINDOW_DAYS = 30


def feed(name: str) -> Feed:
    try:
        return FEEDS[name]
    except KeyError:
        raise KeyError(f"unknown feed {name!r}; feeds are {', '.join(FEEDS)}") from None


def render_markdown() -> str:
    """The contract as Markdown (docs/contract.md is generated from this)."""
    lines = [
        "# Landing-zone contract",
        "",
        "Generated from `ingest/contract.py` by `calltrack contract` — do not edit by hand.",
        "",
        "Layout: `{landing_root}/{feed}/dt={YYYY-MM-DD}/{any-name}.parquet`, `dt` = arrival day.",
        f"Every row carries `schema_version` = {SCHEMA_VERSION}.",
        "",
    ]
    for f in FEEDS.values():
        lines += [f"## {f.name} ({f.kind})", "", f.doc, ""]
        if f.event_types:
            lines += ["Event types: " + ", ".join(f"`{e}`" for e in f.event_types), ""]
        lines += [f"Dedupe key: {', '.join(f'`{k}`' for k in f.key)}", ""]
        lines += ["| field | type | required on | notes |", "| --- | --- | --- | --- |"]
        for fld in f.fields:
            req = "all" if "*" in fld.required_on else ", ".join(fld.required_on) or "—"
            notes = fld.doc
            if fld.enum:
                notes += " One of: " + ", ".join(f"`{v}`" for v in fld.enum) + "."
            if fld.e164:
                notes += " E.164."
            if fld.pii:
                notes += " **PII** (never leaves the raw zone in the clear)."
            lines.append(f"| {fld.name} | {fld.type} | {req} | {notes} |")
        for fld_name, condition in f.required_when:
            lines.append("")
            lines.append(f"`{fld_name}` is required where `{condition}`.")
        lines.append("")
    return "\n".join(lines)


# Reason codes of quarantine rows (quarantine.<feed>.reason_code). The simulator injects each
# kind on purpose and records the code it expects in its truth files.
QUARANTINE_REASONS: dict[str, str] = {
    "missing_required_field": "a field required for the row's event type is null or absent",
    "unknown_event_type": "event_type is not one of the feed's event types",
    "unsupported_schema_version": "schema_version is not a version this build understands",
    "invalid_enum": "a value is not one of the field's allowed values",
    "invalid_e164": "a phone number is not in E.164 form",
    "timestamp_out_of_range": "an instant is before 2000 or too far in the future",
    "uncastable_value": "a value does not cast to the contract type",
    "invalid_value": "a value breaks a rule of the contract (negative seconds, talk > duration)",
    "invalid_path": "a path from the data points outside the landing root",
    "conflicting_duplicate": "same event_id as an accepted row, different payload",
    "corrupt_file": "the Parquet file cannot be read (whole file quarantined)",
}
