"""Plotly charts as HTML fragments that use the shared `plotly.min.js` next to the pages.

Plotly renders a pseudo-HTML subset (<b>, <br>, <a>) in titles, ticks, legends and hover text,
so every string from data is html-escaped before it reaches a figure: Plotly then shows the
entities as the literal characters. (Its JSON encoder already escapes `<` and `/`, so a name
cannot close the chart's script tag either.)
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from typing import Any

import plotly.graph_objects as go

from dashboards.metrics import Period
from dashboards.render import esc


def text(value: object) -> str:
    """A data string for Plotly: `&`, `<`, `>` as entities so no tag can form. Quotes stay
    as they are: outside a tag they are harmless, and Plotly does not decode `&quot;`."""
    return html.escape("" if value is None else str(value), quote=False)


PALETTE = ("#2457a6", "#e07b39", "#3f9e6e", "#b3261e", "#7a5cb8", "#8c6d3f", "#c2459c", "#5b6776")
# Sentiment and outcome colours are fixed so the same value looks the same on every chart.
VALUE_COLOURS = {
    "positive": "#3f9e6e",
    "neutral": "#a9b4c2",
    "negative": "#b3261e",
    "booked": "#3f9e6e",
    "price_inquiry": "#2457a6",
    "complaint": "#b3261e",
    "wrong_number": "#8c6d3f",
    "spam": "#5b6776",
    "voicemail": "#e07b39",
    "other": "#a9b4c2",
}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CONFIG = {"displaylogo": False, "responsive": True, "displayModeBar": False}


def _layout(fig: go.Figure, *, height: int = 320, y_title: str = "", x_title: str = "") -> None:
    fig.update_layout(
        template="plotly_white",
        height=height,
        margin={"l": 56, "r": 16, "t": 16, "b": 40},
        font={"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12},
        legend={"orientation": "h", "y": -0.18, "x": 0},
        hoverlabel={"namelength": -1},
    )
    fig.update_yaxes(title_text=text(y_title), rangemode="tozero")
    if x_title:
        fig.update_xaxes(title_text=text(x_title))


def empty(what: str) -> str:
    """Said instead of drawing an empty chart (an axis with nothing on it reads as zero)."""
    return f'<p class="note" data-empty="chart">{esc(what)}</p>'


def to_div(fig: go.Figure, chart_id: str, label: str) -> str:
    div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=chart_id, config=CONFIG)
    attrs = f'data-chart="{esc(chart_id)}" aria-label="{esc(label)}"'
    return f'<figure class="chart" {attrs}>{div}</figure>'


def trend(
    daily: Sequence[dict[str, Any]], period: Period, chart_id: str, series: Sequence[str]
) -> str:
    """Daily calls (summed over currencies: counts add up) with the reporting period shaded."""
    if not daily:
        return empty("No calls yet.")
    by_day: dict[date, dict[str, float]] = {}
    for r in daily:
        acc = by_day.setdefault(r["date_local"], {})
        for s in series:
            acc[s] = acc.get(s, 0) + float(r[s] or 0)
    days = sorted(by_day)
    names = {"calls": "Calls", "qualified_calls": "Qualified calls", "missed_calls": "Missed calls"}
    fig = go.Figure()
    for i, s in enumerate(series):
        fig.add_trace(
            go.Scatter(
                x=days,
                y=[by_day[d][s] for d in days],
                name=names.get(s, s),
                mode="lines+markers",
                marker={"size": 4},
                line={"color": PALETTE[i], "width": 2},
                hovertemplate="%{x|%a %d %b}: %{y:,} "
                + names.get(s, s).lower()
                + "<extra></extra>",
            )
        )
    fig.add_vrect(
        x0=period.start, x1=period.end, fillcolor="#2457a6", opacity=0.06, line_width=0,
        annotation_text="reporting period", annotation_position="top left",
    )  # fmt: skip
    _layout(fig, y_title="calls per day")
    return to_div(fig, chart_id, "Daily calls")


def spend_by_currency(daily: Sequence[dict[str, Any]], chart_id: str) -> str:
    """Daily spend, one line per currency (money is never added across currencies)."""
    if all(r["spend"] is None for r in daily):
        return empty("No spend recorded yet.")
    fig = go.Figure()
    currencies = sorted({r["currency"] for r in daily if r["currency"] is not None})
    for i, cur in enumerate(currencies):
        rows = [r for r in daily if r["currency"] == cur]
        fig.add_trace(
            go.Scatter(
                x=[r["date_local"] for r in rows],
                y=[None if r["spend"] is None else float(r["spend"]) for r in rows],
                name=f"Spend ({text(cur)})",
                mode="lines",
                line={"color": PALETTE[i % len(PALETTE)], "width": 2},
                hovertemplate="%{x|%a %d %b}: " + text(cur) + " %{y:,.2f}<extra></extra>",
            )
        )
    _layout(fig, y_title="spend per day")
    return to_div(fig, chart_id, "Daily spend by currency")


def missed_heatmap(cells: Sequence[dict[str, Any]], chart_id: str) -> str:
    """Missed-call rate by local day of week × hour; cells without calls stay empty (null)."""
    if not any(c["calls"] for c in cells):
        return empty("No calls yet.")
    z: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    hover: list[list[str]] = [["no calls"] * 24 for _ in range(7)]
    for c in cells:
        d, h = int(c["day_of_week_local"]), int(c["hour_local"])
        calls, missed = int(c["calls"] or 0), int(c["missed_calls"] or 0)
        if calls:
            z[d][h] = missed / calls
            hover[d][h] = f"{missed:,} missed of {calls:,} calls ({missed / calls:.0%})"
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[f"{h:02d}:00" for h in range(24)],
            y=list(DAY_NAMES),
            text=hover,
            hovertemplate="%{y} %{x}: %{text}<extra></extra>",
            colorscale=[[0, "#f1f6fb"], [0.35, "#f3c39b"], [1, "#b3261e"]],
            zmin=0,
            zmax=1,
            xgap=1,
            ygap=1,
            colorbar={"title": {"text": "missed"}, "tickformat": ".0%"},
        )
    )
    _layout(fig, height=300, x_title="local hour of day")
    fig.update_yaxes(autorange="reversed", rangemode="normal", title_text="local day")
    return to_div(fig, chart_id, "Missed-call rate by local day and hour")


def caller_mix(daily: Sequence[dict[str, Any]], chart_id: str) -> str:
    if not daily:
        return empty("No calls in this period.")
    fig = go.Figure()
    parts = (("first_time", "First-time"), ("repeat", "Repeat"), ("unknown", "Unknown caller"))
    for i, (key, name) in enumerate(parts):
        fig.add_trace(
            go.Bar(
                x=[r["date_local"] for r in daily],
                y=[r[key] for r in daily],
                name=name,
                marker_color=(PALETTE[0], PALETTE[1], "#a9b4c2")[i],
                hovertemplate="%{x|%a %d %b}: %{y:,} " + name.lower() + " calls<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    _layout(fig, y_title="calls per day")
    return to_div(fig, chart_id, "First-time and repeat callers per day")


def mix_by_channel(rows: Sequence[dict[str, Any]], chart_id: str, label: str) -> str:
    """Share of each value (sentiment or outcome) within each channel's transcribed calls."""
    channels = sorted({r["channel"] for r in rows})
    values = sorted({r["value"] for r in rows}, key=lambda v: (v not in VALUE_COLOURS, v))
    totals = {ch: sum(r["calls"] for r in rows if r["channel"] == ch) for ch in channels}
    fig = go.Figure()
    for i, v in enumerate(values):
        counts = {r["channel"]: r["calls"] for r in rows if r["value"] == v}
        fig.add_trace(
            go.Bar(
                y=[text(ch) for ch in channels],
                x=[counts.get(ch, 0) / totals[ch] for ch in channels],
                customdata=[counts.get(ch, 0) for ch in channels],
                orientation="h",
                name=text(v),
                marker_color=VALUE_COLOURS.get(v, PALETTE[i % len(PALETTE)]),
                hovertemplate="%{y}: %{x:.0%} "
                + text(v)
                + " (%{customdata:,} calls)<extra></extra>",
            )
        )
    fig.update_layout(barmode="stack")
    _layout(fig, height=max(240, 90 + 34 * len(channels)), x_title="share of transcribed calls")
    # Legend above the bars: below, it would collide with the axis title.
    fig.update_layout(
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        margin={"t": 48},
    )
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_yaxes(rangemode="normal", autorange="reversed")
    return to_div(fig, chart_id, label)


def pool_peaks(rows: Sequence[dict[str, Any]], chart_id: str, names: dict[str, str]) -> str:
    """Daily peak concurrent sessions per pool against the pool's size."""
    if not rows:
        return empty("No pool data in this period.")
    fig = go.Figure()
    pools = sorted({(r["account_id"], r["pool_id"]) for r in rows})
    for i, (acct, pool) in enumerate(pools):
        pr = [r for r in rows if (r["account_id"], r["pool_id"]) == (acct, pool)]
        colour = PALETTE[i % len(PALETTE)]
        name = text(f"{names.get(acct, acct)} · {pool}")
        fig.add_trace(
            go.Scatter(
                x=[r["date_local"] for r in pr],
                y=[r["peak_concurrent_sessions"] for r in pr],
                name=f"{name}: peak sessions",
                mode="lines+markers",
                marker={"size": 4},
                line={"color": colour, "width": 2},
                hovertemplate="%{x|%a %d %b}: peak %{y} sessions<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[r["date_local"] for r in pr],
                y=[r["pool_size"] for r in pr],
                name=f"{name}: pool size",
                mode="lines",
                line={"color": colour, "width": 1.5, "dash": "dash", "shape": "hv"},
                hovertemplate="%{x|%a %d %b}: %{y} numbers in pool<extra></extra>",
            )
        )
    _layout(fig, y_title="sessions / numbers")
    return to_div(fig, chart_id, "Pool size and daily peak concurrent sessions")
