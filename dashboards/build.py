"""`build_dashboards`: the static HTML site, built from the marts only.

Pages: the overview (`index.html`), channels → campaigns → keywords, missed calls, callers and
transcripts, number pools, then one page per account and per location. Plotly's JS is written
once as `plotly.min.js` beside the pages and referenced relatively, so the folder works from
disk or a file share with no network. The output depends only on the warehouse (no build
timestamp), so building twice gives the same files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from plotly.offline import get_plotlyjs

from dashboards import charts, queries
from dashboards.metrics import (
    KPIS,
    LOCATION_KPIS,
    NULL,
    KpiDef,
    Period,
    change,
    change_tone,
    choose_period,
    fmt_bytes,
    fmt_change,
    fmt_value,
    kpi_value,
    per_currency,
    sum_nullable,
)
from dashboards.render import Column, esc, page, table

PLOTLY_FILE = "plotly.min.js"
KEYWORD_ROWS = 200  # the keyword table shows the top keywords by calls; the rest are counted

NAV = (
    ("index.html", "Overview"),
    ("channels.html", "Channels · campaigns · keywords"),
    ("missed.html", "Missed calls"),
    ("callers.html", "Callers & transcripts"),
    ("pools.html", "Number pools"),
)

# What each tile's number means, shown under its label so the unit is always visible.
UNITS = {
    "calls": "calls",
    "qualified_calls": "calls with talk time ≥ the account's threshold",
    "conversion_rate": "converted calls ÷ calls",
    "spend": "ad and offline spend",
    "cost_per_call": "spend ÷ calls",
    "cost_per_qualified_call": "spend ÷ qualified calls",
    "cpa": "spend ÷ converted calls",
    "roas": "conversion value ÷ spend",
    "missed_call_rate": "missed ÷ calls",
    "first_time_share": "first-time callers ÷ calls",
    "conversion_value": "value of conversions",
}


@dataclass
class Page:
    filename: str
    title: str
    body: str
    nav_current: str | None
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Tile:
    """One KPI tile line: a value (in `currency` for money) and its previous-period value."""

    kpi: KpiDef
    currency: str | None
    value: float | None
    previous: float | None

    @property
    def delta(self) -> float | None:
        return change(self.kpi.kind, self.value, self.previous)


def build_dashboards(
    warehouse_path: str | Path,
    out_dir: str | Path,
    *,
    max_period_days: int = 28,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Write the dashboards for the warehouse's marts into `out_dir`; return the files written
    (pages first, `index.html` first of all, then `plotly.min.js`)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse_path), read_only=True)
    con.execute("SET TimeZone = 'UTC'")  # instants print in UTC whatever the machine's zone
    try:
        missing = queries.missing_tables(con)
        if missing:
            raise RuntimeError(f"the warehouse lacks marts tables: {', '.join(missing)}")
        pages = _pages(con, max_period_days)
    finally:
        con.close()
    return _write(pages, out, log)


def _pages(con: duckdb.DuckDBPyConnection, max_period_days: int) -> list[Page]:
    span = queries.date_range(con)
    if span is None:
        body = '<p class="note">No calls or spend in the marts yet: run the pipeline first.</p>'
        return [Page("index.html", "Overview", body, "index.html")]
    period = choose_period(span[0], span[1], max_period_days)
    accounts = queries.accounts(con)
    slugs = {a.account_id: slug("account", a.account_id) for a in accounts}
    names = {a.account_id: a.name for a in accounts}
    attrs = {
        "period-start": period.start.isoformat(),
        "period-end": period.end.isoformat(),
        "previous-start": period.previous().start.isoformat(),
        "previous-end": period.previous().end.isoformat(),
    }
    pages = [
        Page("index.html", "Overview", _overview(con, period, accounts, slugs), "index.html"),
        Page("channels.html", "Channels, campaigns and keywords", _channels(con, period, None),
             "channels.html"),
        Page("missed.html", "Missed calls", _missed(con, accounts, slugs), "missed.html"),
        Page("callers.html", "Callers and transcripts", _callers(con, period, None),
             "callers.html"),
        Page("pools.html", "Number pools", _pools(con, period, None, names), "pools.html"),
    ]  # fmt: skip
    for a in accounts:
        pages.append(_account_page(con, period, a, slugs[a.account_id], names))
        for loc in queries.locations(con, a.account_id):
            pages.append(_location_page(con, period, a, loc, slugs[a.account_id]))
    for p in pages:
        p.attrs = {**attrs, **p.attrs}
    return pages


def slug(prefix: str, *parts: str) -> str:
    """A file name for an id: readable ASCII plus a short hash, so two ids that clean up to the
    same text (or hostile ones like `../x`) still get distinct, safe names."""
    text = "-".join(re.sub(r"[^a-z0-9]+", "-", p.lower()).strip("-")[:32] for p in parts)
    digest = hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:8]
    return f"{prefix}-{text}-{digest}.html" if text.strip("-") else f"{prefix}-{digest}.html"


# --- KPI tiles -----------------------------------------------------------------------------


def tiles_for(
    kpis: Sequence[KpiDef],
    current: Sequence[dict[str, Any]],
    previous: Sequence[dict[str, Any]],
) -> list[list[Tile]]:
    """The tiles from per-currency sums of the period and of the previous period. Money (and
    ROAS, a ratio of money) gets one line per currency; counts and rates add up across them."""
    currencies = sorted({r["currency"] for r in [*current, *previous]}, key=lambda c: c or "")
    out = []
    for kpi in kpis:
        if per_currency(kpi):
            lines = [
                Tile(
                    kpi,
                    cur,
                    kpi_value(kpi, _only(current, cur)),
                    kpi_value(kpi, _only(previous, cur)),
                )
                for cur in currencies
            ]
        else:
            now, before = _sum(current), _sum(previous)
            lines = [Tile(kpi, None, kpi_value(kpi, now), kpi_value(kpi, before))]
        out.append(lines or [Tile(kpi, None, None, None)])
    return out


def _only(rows: Sequence[dict[str, Any]], currency: str | None) -> dict[str, Any]:
    return next((r for r in rows if r["currency"] == currency), {})


# Counts of the marts (never null there): a period without rows had zero calls, which is
# data, unlike money, where no rows means no spend was recorded ("—").
COUNT_COLUMNS = (
    "calls",
    "answered_calls",
    "missed_calls",
    "qualified_calls",
    "first_time_calls",
    "converted_calls",
)


def _sum(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    keys = {k for r in rows for k in r if k != "currency"}
    totals: dict[str, Any] = dict.fromkeys(COUNT_COLUMNS, 0)
    totals.update({k: sum_nullable([r.get(k) for r in rows]) for k in keys})
    return totals


def render_tiles(tiles: list[list[Tile]], period: Period) -> str:
    prev = period.previous()
    html_tiles = []
    for lines in tiles:
        kpi = lines[0].kpi
        multi = " multi" if len(lines) > 1 else ""
        parts = []
        for t in lines:
            cur = f' data-currency="{esc(t.currency)}"' if t.currency else ""
            raw = "" if t.value is None else repr(float(t.value))
            before = fmt_value(kpi.kind, t.previous, t.currency)
            # The line already names its currency; "was" repeats only the number.
            was = fmt_value(kpi.kind, t.previous, None)
            # Money shows its currency in the number; a ratio of money (ROAS) gets a tag.
            tag = (
                f'<span class="cur">{esc(t.currency)}</span>'
                if t.currency and kpi.kind != "money"
                else ""
            )
            parts.append(
                f'<div class="line{multi}"{cur}>{tag}'
                f'<span class="value" data-value="{esc(raw)}">'
                f"{esc(fmt_value(kpi.kind, t.value, t.currency))}</span>"
                f'<span class="change {change_tone(kpi.better, t.delta)}"'
                f' title="previous {prev.days} days: {esc(before)}">'
                f"{esc(fmt_change(kpi.kind, t.delta))} vs prev. {prev.days} d · was {esc(was)}"
                "</span></div>"
            )
        html_tiles.append(
            f'<div class="tile" data-kpi="{esc(kpi.key)}"><div class="label">{esc(kpi.label)}'
            f'</div><div class="unit">{esc(UNITS.get(kpi.key, ""))}</div>{"".join(parts)}</div>'
        )
    return f'<div class="tiles">{"".join(html_tiles)}</div>'


# --- tables --------------------------------------------------------------------------------

PERFORMANCE_COLUMNS = (
    Column("Currency", "currency"),
    Column("Calls", "calls", "count"),
    Column("Qualified", "qualified_calls", "count"),
    Column("Missed-call rate", "missed_call_rate", "rate"),
    Column("Conversion rate", "conversion_rate", "rate"),
    Column("Spend", "spend", "money"),
    Column("Cost per call", "cost_per_call", "money"),
    Column("Cost per qualified call", "cost_per_qualified_call", "money"),
    Column("CPA", "cost_per_conversion", "money"),
    Column("ROAS", "roas", "ratio"),
)


def with_ratios(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Period ratios recomputed from the summed numerators and denominators (averaging the
    marts' daily ratios would weight a quiet day like a busy one)."""
    out = []
    for r in rows:
        totals = dict(r)
        for k in KPIS:
            if k.denominator:
                totals[_ratio_column(k.key)] = kpi_value(k, r)
        if "clicks" in r:
            totals["click_to_call_rate"] = kpi_value(
                KpiDef("ctc", "", "rate", "calls", "clicks"), r
            )
        out.append(totals)
    return out


def _ratio_column(kpi_key: str) -> str:
    return {"cpa": "cost_per_conversion"}.get(kpi_key, kpi_key)


def _channels(con: duckdb.DuckDBPyConnection, period: Period, account_id: str | None) -> str:
    by_channel = with_ratios(queries.channel_table(con, period, "channel", account_id))
    by_campaign = with_ratios(queries.channel_table(con, period, "campaign", account_id))
    keywords = with_ratios(queries.keyword_table(con, period, account_id))
    shown = keywords[:KEYWORD_ROWS]
    kw_cols = (
        Column("Keyword", "keyword"),
        Column("Match", "match_type"),
        Column("Campaign", "campaign"),
        Column("Ad group", "ad_group"),
        Column("Platform", "platform"),
        Column("Currency", "currency"),
        Column("Clicks", "clicks", "count"),
        Column("Calls", "calls", "count"),
        Column("Click-to-call", "click_to_call_rate", "rate"),
        Column("Qualified", "qualified_calls", "count"),
        Column("Spend", "spend", "money"),
        Column("Cost per call", "cost_per_call", "money"),
        Column("CPA", "cost_per_conversion", "money"),
        Column("ROAS", "roas", "ratio"),
    )
    channel_cols = (Column("Channel", "channel"), *PERFORMANCE_COLUMNS)
    campaign_cols = (
        Column("Channel", "channel"),
        Column("Campaign", "campaign"),
        *PERFORMANCE_COLUMNS,
    )
    more = (
        f'<p class="note">Top {len(shown):,} of {len(keywords):,} keywords by calls.</p>'
        if len(keywords) > len(shown)
        else ""
    )
    return (
        f"<h2>Channels</h2>{_period_note(period) if account_id is None else ''}"
        '<p class="note">Money is in each row\'s currency and never added across currencies. '
        "Click a column to sort.</p>"
        f'<div class="card">{table(channel_cols, by_channel, label="channels")}</div>'
        "<h2>Campaigns</h2>"
        f'<div class="card">{table(campaign_cols, by_campaign, label="campaigns")}</div>'
        f"<h2>Keywords</h2>{more}"
        f'<div class="card">{table(kw_cols, shown, label="keywords")}</div>'
    )


def _period_note(period: Period) -> str:
    prev = period.previous()
    return (
        f'<p class="note">Reporting period {esc(period.label())}, compared with the previous '
        f"{prev.days} days ({prev.start:%d %b} – {prev.end:%d %b %Y}). Days are each account's "
        "local days.</p>"
    )


# --- pages ---------------------------------------------------------------------------------


def _overview(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    accounts: Sequence[queries.Account],
    slugs: dict[str, str],
) -> str:
    tiles = tiles_for(
        KPIS,
        queries.channel_totals(con, period),
        queries.channel_totals(con, period.previous()),
    )
    daily = queries.daily_channel(con, period.end)
    rows = []
    for a in accounts:
        for r in queries.channel_totals(con, period, a.account_id):
            rows.append({"account": a.name, "account_id": a.account_id, **r})
    account_cols = (
        Column("Account", "account", link=lambda r: slugs.get(r["account_id"])),
        *PERFORMANCE_COLUMNS,
    )
    return (
        f"{_period_note(period)}{render_tiles(tiles, period)}"
        '<div class="grid2">'
        f'<div class="card"><h3>Daily calls</h3>'
        f"{charts.trend(daily, period, 'trend', ('calls', 'qualified_calls', 'missed_calls'))}"
        "</div>"
        f'<div class="card"><h3>Daily spend</h3>{charts.spend_by_currency(daily, "spend")}</div>'
        "</div>"
        "<h2>Accounts</h2>"
        f'<div class="card">{table(account_cols, with_ratios(rows), label="accounts")}</div>'
    )


def _missed(
    con: duckdb.DuckDBPyConnection,
    accounts: Sequence[queries.Account],
    slugs: dict[str, str],
) -> str:
    parts = [
        "<h2>All accounts</h2>"
        '<p class="note">Missed-call rate by local day of week and hour, over all the data. '
        "Each account counts in its own time zone. Empty cells had no calls.</p>"
        f'<div class="card">{charts.missed_heatmap(queries.missed_by_hour(con), "missed-all")}'
        "</div>"
    ]
    for i, a in enumerate(accounts):
        cells = queries.missed_by_hour(con, a.account_id)
        parts.append(
            f'<h2><a href="{esc(slugs[a.account_id])}">{esc(a.name)}</a></h2>'
            f'<div class="card">{charts.missed_heatmap(cells, f"missed-{i}")}</div>'
        )
    return "".join(parts)


def _callers(con: duckdb.DuckDBPyConnection, period: Period, account_id: str | None) -> str:
    suffix = "" if account_id is None else "-acct"
    mix = queries.caller_mix(con, period, account_id)
    by_channel = queries.caller_mix_by_channel(con, period, account_id)
    for r in by_channel:
        known = r["first_time"] + r["repeat"]
        r["first_time_share"] = r["first_time"] / r["calls"] if r["calls"] else None
        r["repeat_share"] = r["repeat"] / known if known else None
    cols = (
        Column("Channel", "channel"),
        Column("Calls", "calls", "count"),
        Column("First-time", "first_time", "count"),
        Column("Repeat", "repeat", "count"),
        Column("Unknown caller", "unknown", "count"),
        Column("First-time share", "first_time_share", "rate"),
        Column("Repeat (of known)", "repeat_share", "rate"),
    )
    out = [
        f"<h2>First-time vs repeat callers</h2>{_period_note(period) if account_id is None else ''}"
        '<p class="note">First-time: no earlier call from the same caller to the account. '
        "Unknown: caller id blocked.</p>"
        '<div class="grid2">'
        f'<div class="card">{charts.caller_mix(mix, "callers" + suffix)}</div>'
        f'<div class="card">{table(cols, by_channel, label="caller mix by channel")}</div></div>'
    ]
    sentiment = queries.transcript_mix(con, period, "sentiment_label", account_id)
    outcome = queries.transcript_mix(con, period, "outcome", account_id)
    out.append("<h2>Sentiment and outcome by channel</h2>")
    if not sentiment and not outcome:
        out.append(
            '<p class="note" data-empty="transcripts">No transcripts yet: sentiment and outcome '
            "appear here once recorded calls have been transcribed.</p>"
        )
    else:
        out.append('<p class="note">Share of transcribed calls in each channel.</p>')
        out.append('<div class="grid2">')
        if sentiment:
            out.append(
                '<div class="card"><h3>Sentiment</h3>'
                f"{charts.mix_by_channel(sentiment, 'sentiment' + suffix, 'Sentiment mix')}</div>"
            )
        if outcome:
            out.append(
                '<div class="card"><h3>Outcome</h3>'
                f"{charts.mix_by_channel(outcome, 'outcome' + suffix, 'Outcome mix')}</div>"
            )
        out.append("</div>")
    return "".join(out)


def _pools(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    account_id: str | None,
    names: dict[str, str],
) -> str:
    health = queries.pool_health(con, period, account_id)
    if not health:
        return '<p class="note">No number pools in this period.</p>'
    for r in health:
        r["account"] = names.get(r["account_id"], r["account_id"])
        size, rec = r["pool_size"], r["recommended_pool_size"]
        if size is None or rec is None:
            r["status"] = None
        elif rec > size:
            r["status"] = f"undersized: add {rec - size}"
        elif rec < size:
            r["status"] = f"oversized: {size - rec} spare"
        else:
            r["status"] = "right-sized"
    cols = (
        Column("Account", "account"),
        Column("Pool", "pool_id"),
        Column("Numbers in pool (last day)", "pool_size", "count"),
        Column("Recommended size", "recommended_pool_size", "count"),
        Column("Status", "status"),
        Column("Peak concurrent sessions", "peak_concurrent_sessions", "count"),
        Column("Days exhausted", "days_exhausted", "count"),
        Column("Minutes exhausted", "minutes_exhausted", "count"),
        Column("Calls", "calls", "count"),
        Column("Ambiguous calls", "ambiguous_calls", "count"),
        Column("Unattributed calls", "unattributed_calls", "count"),
    )
    daily = queries.pool_daily(con, period, account_id)
    suffix = "" if account_id is None else "-acct"
    return (
        f"<h2>Pool health</h2>{_period_note(period) if account_id is None else ''}"
        '<p class="note">While a pool is exhausted, visitors see the default number and their '
        "calls cannot be attributed. Recommended size: the marts' recommendation on the last "
        "day (peak concurrent sessions plus headroom).</p>"
        f'<div class="card">{table(cols, health, label="number pools")}</div>'
        f'<div class="card"><h3>Daily peak vs pool size</h3>'
        f"{charts.pool_peaks(daily, 'pools' + suffix, names)}</div>"
    )


def _account_page(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    account: queries.Account,
    filename: str,
    names: dict[str, str],
) -> Page:
    aid = account.account_id
    tiles = tiles_for(
        KPIS,
        queries.channel_totals(con, period, aid),
        queries.channel_totals(con, period.previous(), aid),
    )
    daily = queries.daily_channel(con, period.end, aid)
    locs = with_ratios(queries.location_table(con, period, aid))
    for r in locs:
        r["location"] = r["location_id"] if r["location_id"] is not None else "(no location)"
    loc_cols = (
        Column(
            "Location",
            "location",
            link=lambda r: (
                slug("location", aid, r["location_id"]) if r["location_id"] is not None else None
            ),
        ),
        Column("Currency", "currency"),
        Column("Calls", "calls", "count"),
        Column("Qualified", "qualified_calls", "count"),
        Column("Missed-call rate", "missed_call_rate", "rate"),
        Column("Conversion rate", "conversion_rate", "rate"),
        Column("Conversion value", "conversion_value", "money"),
    )
    body = (
        f'<p class="crumbs"><a href="index.html">Overview</a> › {esc(account.name)} · '
        f"currency {esc(account.currency or NULL)}</p>"
        f"{_period_note(period)}{render_tiles(tiles, period)}"
        f'<div class="card"><h3>Daily calls</h3>'
        f"{charts.trend(daily, period, 'trend', ('calls', 'qualified_calls', 'missed_calls'))}"
        "</div>"
        f'<h2>Locations</h2><div class="card">{table(loc_cols, locs, label="locations")}</div>'
        f"{_channels(con, period, aid)}"
        "<h2>Missed calls by local day and hour</h2>"
        f'<div class="card">{charts.missed_heatmap(queries.missed_by_hour(con, aid), "missed")}'
        "</div>"
        f"{_callers(con, period, aid)}{_pools(con, period, aid, names)}"
    )
    return Page(filename, account.name, body, None, {"account-id": aid})


def _location_page(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    account: queries.Account,
    location_id: str,
    account_file: str,
) -> Page:
    aid = account.account_id
    tiles = tiles_for(
        LOCATION_KPIS,
        queries.location_totals(con, period, aid, location_id),
        queries.location_totals(con, period.previous(), aid, location_id),
    )
    daily = queries.daily_location(con, period.end, aid, location_id)
    body = (
        f'<p class="crumbs"><a href="index.html">Overview</a> › '
        f'<a href="{esc(account_file)}">{esc(account.name)}</a> › location {esc(location_id)}'
        f" · currency {esc(account.currency or NULL)}</p>"
        f"{_period_note(period)}"
        '<p class="note">Spend is bought per campaign, not per location, so location pages show '
        "calls, conversions and their value.</p>"
        f"{render_tiles(tiles, period)}"
        f'<div class="card"><h3>Daily calls</h3>'
        f"{charts.trend(daily, period, 'trend', ('calls', 'qualified_calls', 'missed_calls'))}"
        "</div>"
    )
    return Page(
        slug("location", aid, location_id),
        f"{account.name} · {location_id}",
        body,
        None,
        {"account-id": aid, "location-id": location_id},
    )


# --- writing -------------------------------------------------------------------------------


def _write(pages: Sequence[Page], out: Path, log: Callable[[str], None]) -> list[Path]:
    plotly_js = get_plotlyjs().encode()
    js_path = out / PLOTLY_FILE
    if not js_path.exists() or js_path.read_bytes() != plotly_js:
        js_path.write_bytes(plotly_js)
    written: list[Path] = []
    for p in pages:
        has_charts = "data-chart=" in p.body
        shared = len(plotly_js) if has_charts else 0

        def render(weight: str, p: Page = p, has_charts: bool = has_charts) -> bytes:
            footer = (
                "calltrack · built from the warehouse's marts · "
                f'<span class="weight">page weight {esc(weight)}</span>'
            )
            return page(
                title=p.title,
                subtitle="calltrack dashboards",
                nav=NAV,
                current=p.nav_current,
                body=p.body,
                footer=footer,
                attrs=p.attrs,
                has_charts=has_charts,
            ).encode()

        # The footer states the page's own size, so render twice: the second pass measures a
        # page whose footer text has (to the displayed 0.1 KB) its final length.
        data = render(weight_text(0, shared))
        data = render(weight_text(len(data), shared))
        path = out / p.filename
        path.write_bytes(data)
        written.append(path)
        log(f"dashboards: {p.filename} {weight_text(len(data), shared)}")
    _remove_stale(out, {p.filename for p in pages})
    written.append(js_path)
    total = sum(f.stat().st_size for f in written)
    log(f"dashboards: {len(pages)} pages, {fmt_bytes(total)} in all, in {out}")
    return written


def weight_text(page_bytes: int, shared_bytes: int) -> str:
    if not shared_bytes:
        return fmt_bytes(page_bytes)
    return f"{fmt_bytes(page_bytes)} + {fmt_bytes(shared_bytes)} Plotly (shared, loaded once)"


def _remove_stale(out: Path, keep: set[str]) -> None:
    # Only our own per-account/per-location pages: the folder may hold other files.
    for f in out.glob("*.html"):
        if f.name.startswith(("account-", "location-")) and f.name not in keep:
            f.unlink()
