"""The dashboards built from the sample marts, in a real headless Chromium (Debian's, driven
by Playwright), from file://. Each page is loaded once per session (`pagecheck.collect`);
interactive checks (sorting, print) open their page again.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import Browser

from dashboards.screenshot import VIEWPORT, screenshot

sys.path.insert(0, str(Path(__file__).parent))
from pagecheck import Facts, check_loads, check_tiles, collect, shown, visit  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("dashboards_site")]


@pytest.fixture(scope="session")
def loaded(browser: Browser, sample_site: list[Path]) -> dict[str, Facts]:
    return collect(browser, sample_site)


def test_sample_site_in_chromium(
    sample_site: list[Path],
    sample_warehouse: Path,
    loaded: dict[str, Facts],
    subtests: pytest.Subtests,
) -> None:
    """The checks over one load of every page, as subtests of one test: split into tests,
    pytest-xdist could hand them to both workers, and each would load every page again."""
    with subtests.test("every page loads offline without errors and every chart renders"):
        check_loads(sample_site, loaded)
    with subtests.test("names with HTML or script show as text and never run"):
        _hostile_names_stay_text(loaded)
    with subtests.test("KPI tiles equal the marts for the same periods"):
        _kpi_tiles_equal_the_marts(loaded, sample_warehouse)


def _hostile_names_stay_text(loaded: dict[str, Facts]) -> None:
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


def _kpi_tiles_equal_the_marts(loaded: dict[str, Facts], sample_warehouse: Path) -> None:
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        check_tiles(loaded["index.html"], con, None)
        accounts = [f for name, f in loaded.items() if name.startswith("account-")]
        assert accounts
        for f in accounts:
            account_id = f.attrs["accountId"]
            check_tiles(f, con, account_id)
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
        numbers = [shown(t) for t in values if t != "—"]
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
