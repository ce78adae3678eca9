"""The site built from a sample marts warehouse, checked as files (the browser tests load it)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from dashboards import build_dashboards, queries
from dashboards.build import PLOTLY_FILE
from dashboards.sample import IMG_NAME, QUOTED_NAME, SCRIPT_NAME

pytestmark = pytest.mark.xdist_group("dashboards_site")


def _pages(site: list[Path]) -> list[Path]:
    return [p for p in site if p.suffix == ".html"]


def test_writes_index_first_and_a_page_per_account_and_location(
    sample_site: list[Path], sample_warehouse: Path
) -> None:
    names = [p.name for p in sample_site]
    assert names[0] == "index.html"
    for name in ("channels.html", "missed.html", "callers.html", "pools.html", PLOTLY_FILE):
        assert name in names
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    n_accounts, n_locations = con.execute(
        "select count(distinct account_id), count(distinct (account_id, location_id))"
        " filter (where location_id is not null) from marts.mart_location_performance"
    ).fetchone()
    con.close()
    assert sum(n.startswith("account-") for n in names) == n_accounts
    assert sum(n.startswith("location-") for n in names) == n_locations >= 2


def test_plotly_is_one_local_file_never_a_cdn_or_inlined(sample_site: list[Path]) -> None:
    js = next(p for p in sample_site if p.name == PLOTLY_FILE)
    assert js.stat().st_size > 1_000_000  # the real library, written once
    for page in _pages(sample_site):
        text = page.read_text()
        srcs = re.findall(r'<script[^>]*\bsrc="([^"]*)"', text)
        assert srcs in ([PLOTLY_FILE], []), page.name
        assert not re.search(r"""(src|href)=["'](https?:)?//""", text), page.name
        assert page.stat().st_size < 400_000, f"{page.name} looks like it embeds Plotly"


def test_names_from_data_are_escaped(sample_site: list[Path]) -> None:
    for page in _pages(sample_site):
        text = page.read_text()
        for hostile in (SCRIPT_NAME, IMG_NAME, "<b>bold</b>"):
            assert hostile not in text, f"{hostile!r} unescaped in {page.name}"
    overview = (sample_site[0].parent / "index.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in overview
    assert "&quot;Bob&#x27;s&quot; &lt;b&gt;bold&lt;/b&gt;" in overview
    assert QUOTED_NAME not in overview


def test_footer_reports_the_page_weight(sample_site: list[Path]) -> None:
    for page in _pages(sample_site):
        m = re.search(r"page weight ([0-9.]+) KB", page.read_text())
        assert m, page.name
        assert abs(float(m.group(1)) * 1024 - page.stat().st_size) < 0.06 * 1024, page.name


def test_no_caller_identifiers_in_pages(sample_site: list[Path], sample_warehouse: Path) -> None:
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    keys = [r[0] for r in con.execute("select caller_key from marts.fct_calls limit 50").fetchall()]
    con.close()
    text = "".join(p.read_text() for p in _pages(sample_site))
    assert not [k for k in keys if k and k in text]


def test_building_twice_gives_the_same_files(
    sample_site: list[Path], sample_warehouse: Path, tmp_path: Path
) -> None:
    again = build_dashboards(sample_warehouse, tmp_path / "again", log=lambda _: None)
    assert [p.name for p in again] == [p.name for p in sample_site]
    for a, b in zip(again, sample_site, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def _copy_with(sample_warehouse: Path, tmp_path: Path, *sql: str) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(sample_warehouse, copy)
    con = duckdb.connect(str(copy))
    for statement in sql:
        con.execute(statement)
    con.close()
    return copy


def test_no_transcripts_gives_an_explicit_note(sample_warehouse: Path, tmp_path: Path) -> None:
    wh = _copy_with(
        sample_warehouse,
        tmp_path,
        "update marts.fct_calls set transcript_status = null, sentiment_label = null,"
        " outcome = null, sentiment_score = null",
    )
    out = tmp_path / "site"
    build_dashboards(wh, out, log=lambda _: None)
    text = (out / "callers.html").read_text()
    assert 'data-empty="transcripts"' in text and "No transcripts yet" in text
    assert 'data-chart="sentiment"' not in text


def test_unknown_money_shows_a_dash_not_zero(sample_warehouse: Path, tmp_path: Path) -> None:
    wh = _copy_with(
        sample_warehouse,
        tmp_path,
        "update marts.mart_channel_performance set spend = null, cost_per_call = null,"
        " cost_per_qualified_call = null, cost_per_conversion = null, roas = null",
    )
    out = tmp_path / "site"
    build_dashboards(wh, out, log=lambda _: None)
    text = (out / "index.html").read_text()
    spend_tile = re.search(r'<div class="tile" data-kpi="spend">(.*?)</div></div></div>', text)
    assert spend_tile
    values = re.findall(r'<span class="value" data-value="">([^<]*)</span>', spend_tile.group(0))
    assert values and set(values) == {"—"}


def test_an_empty_warehouse_gives_a_page_that_says_so(
    sample_warehouse: Path, tmp_path: Path
) -> None:
    wh = _copy_with(
        sample_warehouse,
        tmp_path,
        *[f"delete from marts.{t}" for t in queries.REQUIRED_TABLES],
    )
    out = tmp_path / "site"
    files = build_dashboards(wh, out, log=lambda _: None)
    assert files[0].name == "index.html"
    assert "run the pipeline first" in files[0].read_text()


def test_missing_marts_fail_with_their_names(sample_warehouse: Path, tmp_path: Path) -> None:
    wh = _copy_with(sample_warehouse, tmp_path, "drop table marts.mart_number_pool_health")
    with pytest.raises(RuntimeError, match="mart_number_pool_health"):
        build_dashboards(wh, tmp_path / "site", log=lambda _: None)


def test_build_reports_page_weights(sample_warehouse: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    build_dashboards(sample_warehouse, tmp_path / "site", log=lines.append)
    assert any(re.match(r"dashboards: index\.html [0-9.]+ KB", line) for line in lines)
    assert "in all" in lines[-1]


def test_stale_account_pages_are_removed(sample_warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "account-gone-12345678.html").write_text("old")
    (out / "notes.html").write_text("not ours")
    build_dashboards(sample_warehouse, out, log=lambda _: None)
    assert not (out / "account-gone-12345678.html").exists()
    assert (out / "notes.html").exists()


def test_queries_read_the_marts_schema_only() -> None:
    source = Path(queries.__file__).read_text()
    # SQL reads (`from schema.table`, `join schema.table`), not Python imports.
    schemas = set(
        re.findall(r"(?<!^)\b(?:from|join)\s+([a-z_]+)\.[a-z_]+\b(?! import)", source, re.M)
    )
    # information_schema only to list which marts exist
    assert schemas == {"marts", "information_schema"}
