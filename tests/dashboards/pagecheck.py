"""Browser checks shared by the dashboard tests (sample marts and real dbt marts).

Imported by the test modules of this folder (they put it on sys.path: tests run with
--import-mode=importlib). Each page is loaded once in a fresh context that records console
errors, page errors, dialogs and every network request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page

# A name that ran as script would set this flag or open a dialog; neither may happen.
XSS_PROBE = "window.__xss"


@dataclass
class Visit:
    page: Page
    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def visit(browser: Browser, path: Path) -> Visit:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    v = Visit(page)
    page.on("console", lambda m: v.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: v.console_errors.append(str(e)))
    page.on("request", lambda r: v.requests.append(r.url))

    def on_dialog(d):  # noqa: ANN001 - Playwright's Dialog
        v.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('figure.chart'))"
        ".every(f => f.querySelector('svg.main-svg'))"
    )
    return v


def html_pages(site: list[Path]) -> list[Path]:
    return [p for p in site if p.suffix == ".html"]


@dataclass
class Facts:
    """What one load of a page showed, collected once per session (loading a page with
    Plotly is the slow part of these tests)."""

    console_errors: list[str]
    requests: list[str]
    dialogs: list[str]
    xss_flag: object
    charts: list[dict]
    tiles: list[dict]
    attrs: dict[str, str]
    main_text: str
    data_tags: int  # <b>/<img> elements in main or in chart SVG: tags from data that took effect
    legends: list[str]


def collect(browser: Browser, site: list[Path]) -> dict[str, Facts]:
    """Load every page of `site` once and record what it showed."""
    out = {}
    for path in html_pages(site):
        v = visit(browser, path)
        page = v.page
        out[path.name] = Facts(
            console_errors=v.console_errors,
            requests=v.requests,
            dialogs=v.dialogs,
            xss_flag=page.evaluate(XSS_PROBE),
            charts=page.eval_on_selector_all(
                "figure.chart",
                """figs => figs.map(f => ({
                    id: f.dataset.chart,
                    marks: f.querySelectorAll(
                        '.cartesianlayer .trace path, .cartesianlayer image').length,
                    width: f.querySelector('svg.main-svg').getBoundingClientRect().width,
                }))""",
            ),
            tiles=page.eval_on_selector_all(
                ".tile .line",
                """ls => ls.map(l => ({
                    kpi: l.closest('.tile').dataset.kpi, currency: l.dataset.currency || null,
                    raw: l.querySelector('.value').dataset.value,
                    text: l.querySelector('.value').textContent, line: l.textContent,
                    change: l.querySelector('.change').textContent}))""",
            ),
            attrs=page.evaluate("Object.assign({}, document.body.dataset)"),
            main_text=page.inner_text("main"),
            data_tags=page.locator("main b, main img, figure.chart svg b").count(),
            legends=page.eval_on_selector_all(
                "figure.chart .legendtext", "els => els.map(e => e.textContent)"
            ),
        )
        page.context.close()
    return out


def check_loads(site: list[Path], facts: dict[str, Facts]) -> None:
    """Every page loaded from disk only, without console errors, and every chart drew marks."""
    assert set(facts) == {p.name for p in html_pages(site)}
    for path in html_pages(site):
        f = facts[path.name]
        assert f.console_errors == [], (path.name, f.console_errors)
        # the page itself and plotly.min.js, from disk; nothing else
        assert f.requests and all(u.startswith("file://") for u in f.requests), f.requests
        assert f.dialogs == [] and f.xss_flag is None, path.name
        expected = len(re.findall(r'<figure class="chart"', path.read_text()))
        assert len(f.charts) == expected, path.name
        for c in f.charts:
            assert c["marks"] > 0 and c["width"] > 200, (path.name, c)


def expected_kpis(
    con: duckdb.DuckDBPyConnection, start: date, end: date, account_id: str | None
) -> dict[tuple[str, str | None], float | None]:
    """The tiles' numbers straight from the mart, by (kpi, currency)."""
    rows = con.execute(
        """select currency, sum(calls), sum(qualified_calls), sum(converted_calls),
                sum(missed_calls), sum(first_time_calls), sum(spend), sum(conversion_value)
            from marts.mart_channel_performance
            where date_local between ? and ? and (?::varchar is null or account_id = ?)
            group by currency""",
        [start, end, account_id, account_id],
    ).fetchall()

    def div(a: object, b: object) -> float | None:
        return None if a is None or b is None or b == 0 else float(a) / float(b)

    calls = sum(r[1] for r in rows)
    qualified = sum(r[2] for r in rows)
    out: dict[tuple[str, str | None], float | None] = {
        ("calls", None): float(calls),
        ("qualified_calls", None): float(qualified),
        ("conversion_rate", None): div(sum(r[3] for r in rows), calls),
        ("missed_call_rate", None): div(sum(r[4] for r in rows), calls),
        ("first_time_share", None): div(sum(r[5] for r in rows), calls),
    }
    for cur, c, q, conv, _, _, spend, value in rows:
        out[("spend", cur)] = None if spend is None else float(spend)
        out[("cost_per_call", cur)] = div(spend, c)
        out[("cost_per_qualified_call", cur)] = div(spend, q)
        out[("cpa", cur)] = div(spend, conv)
        out[("roas", cur)] = div(value, spend)
    return out


def shown(text: str) -> float | None:
    """The number a tile shows: '1,234', 'USD 1,234.50', '12.3 %', '2.50×' or '—'."""
    if text.strip() == "—":
        return None
    number = float(re.sub(r"[^0-9.\-]", "", text.replace("−", "-")))
    return number / 100 if text.strip().endswith("%") else number


def check_tiles(f: Facts, con: duckdb.DuckDBPyConnection, account_id: str | None) -> None:
    start = date.fromisoformat(f.attrs["periodStart"])
    end = date.fromisoformat(f.attrs["periodEnd"])
    prev_start = date.fromisoformat(f.attrs["previousStart"])
    prev_end = date.fromisoformat(f.attrs["previousEnd"])
    # The period ends on the latest day with calls (spread offline spend runs past it); the
    # previous one has equal length and ends just before.
    (latest,) = con.execute(
        "select max(date_local) from marts.mart_channel_performance where calls > 0"
    ).fetchone()
    assert end == latest
    assert prev_end == start - timedelta(days=1)
    assert (end - start) == (prev_end - prev_start)

    expected = expected_kpis(con, start, end, account_id)
    previous = expected_kpis(con, prev_start, prev_end, account_id)
    seen = {(x["kpi"], x["currency"]) for x in f.tiles}
    # a currency with money in either period gets its line (with "—" where it has none)
    assert seen == set(expected) | set(previous), (seen, set(expected), set(previous))
    for x in f.tiles:
        key = (x["kpi"], x["currency"])
        want = expected.get(key)
        if want is None:
            assert x["raw"] == "" and x["text"] == "—", x
            continue
        assert float(x["raw"]) == pytest.approx(want, rel=1e-9), x
        value = shown(x["text"])
        tolerance = 0.0005 if x["text"].endswith("%") else 0.005
        assert value == pytest.approx(want, abs=tolerance), x
        if x["currency"]:
            assert x["line"].startswith(x["currency"]), x  # the unit is visible
        was = x["change"].rsplit("was ", 1)[1]
        prev = previous.get(key)
        assert (shown(was) is None) == (prev is None), x
        if prev is not None:
            assert shown(was) == pytest.approx(prev, abs=tolerance), x
