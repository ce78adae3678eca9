"""The dashboards in a real headless Chromium (Debian's, driven by Playwright), from file://.

One browser per session; each test opens pages in a fresh context that records console errors,
page errors, dialogs and every network request, so a page that reaches past file:// or runs a
name from the data fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser, Page

from dashboards.browser import chromium
from dashboards.screenshot import VIEWPORT, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("dashboards_site")]

# A name that ran as script would set this flag or open a dialog; neither may happen.
XSS_PROBE = "window.__xss"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


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


@pytest.fixture(scope="session")
def loaded(browser: Browser, sample_site: list[Path]) -> dict[str, Facts]:
    out = {}
    for path in html_pages(sample_site):
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


def test_every_page_loads_offline_without_errors_and_charts_render(
    sample_site: list[Path], loaded: dict[str, Facts]
) -> None:
    assert set(loaded) == {p.name for p in html_pages(sample_site)}
    for path in html_pages(sample_site):
        f = loaded[path.name]
        assert f.console_errors == [], path.name
        # the page itself and plotly.min.js, from disk; nothing else
        assert f.requests and all(u.startswith("file://") for u in f.requests), f.requests
        expected = len(re.findall(r'<figure class="chart"', path.read_text()))
        assert len(f.charts) == expected, path.name
        for c in f.charts:
            assert c["marks"] > 0 and c["width"] > 200, (path.name, c)


def test_hostile_names_show_as_text_and_never_run(loaded: dict[str, Facts]) -> None:
    for name, f in loaded.items():
        assert f.dialogs == [] and f.xss_flag is None, name
        assert f.data_tags == 0, name  # no tag from data became an element
    overview = loaded["index.html"].main_text
    assert "Hale & Partners <script>alert(1)</script>" in overview
    assert '"Bob\'s" <b>bold</b> Plumbing' in overview
    channels = loaded["channels.html"].main_text
    assert "Emergency <script>alert(1)</script>" in channels
    assert "Spring promo <img src=x onerror=alert(2)>" in channels
    # Plotly draws names into SVG text (legends): literal there too, not markup.
    legend = loaded["pools.html"].legends
    assert any("<script>alert(1)</script>" in t for t in legend), legend
    assert any('"Bob\'s" <b>bold</b>' in t for t in legend), legend


def _expected_kpis(
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


def _shown(text: str) -> float | None:
    """The number a tile shows: '1,234', 'USD 1,234.50', '12.3 %', '2.50×' or '—'."""
    if text.strip() == "—":
        return None
    number = float(re.sub(r"[^0-9.\-]", "", text.replace("−", "-")))
    return number / 100 if text.strip().endswith("%") else number


def _check_tiles(f: Facts, con: duckdb.DuckDBPyConnection, account_id: str | None) -> None:
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

    expected = _expected_kpis(con, start, end, account_id)
    previous = _expected_kpis(con, prev_start, prev_end, account_id)
    seen = {(x["kpi"], x["currency"]) for x in f.tiles}
    assert seen == set(expected), (seen, set(expected))
    for x in f.tiles:
        key = (x["kpi"], x["currency"])
        want = expected[key]
        if want is None:
            assert x["raw"] == "" and x["text"] == "—", x
            continue
        assert float(x["raw"]) == pytest.approx(want, rel=1e-9), x
        shown = _shown(x["text"])
        tolerance = 0.0005 if x["text"].endswith("%") else 0.005
        assert shown == pytest.approx(want, abs=tolerance), x
        if x["currency"]:
            assert x["line"].startswith(x["currency"]), x  # the unit is visible
        was = x["change"].rsplit("was ", 1)[1]
        prev = previous.get(key)
        assert (_shown(was) is None) == (prev is None), x
        if prev is not None:
            assert _shown(was) == pytest.approx(prev, abs=tolerance), x


def test_kpi_tiles_equal_the_marts(loaded: dict[str, Facts], sample_warehouse: Path) -> None:
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        _check_tiles(loaded["index.html"], con, None)
        accounts = [f for name, f in loaded.items() if name.startswith("account-")]
        assert accounts
        for f in accounts:
            account_id = f.attrs["accountId"]
            _check_tiles(f, con, account_id)
            # one account, one currency: every money line is in it
            (cur,) = con.execute(
                "select currency from marts.dim_accounts where account_id = ?", [account_id]
            ).fetchone()
            assert {x["currency"] for x in f.tiles if x["currency"]} == {cur}
    finally:
        con.close()


def test_tables_sort_by_number_with_nulls_last(browser: Browser, sample_site: list[Path]) -> None:
    v = visit(browser, sample_site[0].parent / "channels.html")
    table = v.page.locator("table[aria-label=campaigns]")
    header = table.locator("thead th").filter(has_text="Cost per call")
    col = table.locator("thead th").all_inner_texts().index(header.inner_text())

    def column() -> list[str]:
        return table.locator(f"tbody tr td:nth-child({col + 1})").all_inner_texts()

    header.locator("button").click()
    asc = column()
    header.locator("button").click()
    desc = column()
    for values, reverse in ((asc, False), (desc, True)):
        numbers = [_shown(t) for t in values if t != "—"]
        assert numbers == sorted(numbers, reverse=reverse)
        # "—" (no spend) rows exist in the sample and stay at the bottom both ways
        assert "—" in values and values[values.index("—") :] == ["—"] * values.count("—")
    assert header.get_attribute("aria-sort") == "descending"
    v.page.context.close()


def test_print_layout_hides_navigation(browser: Browser, sample_site: list[Path]) -> None:
    v = visit(browser, sample_site[0])
    v.page.emulate_media(media="print")
    assert v.page.locator("nav").is_hidden()
    assert v.page.locator(".tile").first.is_visible()
    pdf = v.page.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    v.page.context.close()


def test_screenshot_script_writes_a_png(
    browser: Browser, sample_site: list[Path], tmp_path: Path
) -> None:
    png = screenshot(sample_site[0], tmp_path / "overview.png", browser=browser)
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG")
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert (width, height) == (VIEWPORT["width"], VIEWPORT["height"])
