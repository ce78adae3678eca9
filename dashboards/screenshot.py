"""Screenshot of the overview for the README: `python -m dashboards.screenshot`.

Builds the dashboards from a warehouse (default: the configured one; `--sample` uses a small
synthetic marts warehouse) into a temporary folder and captures `index.html` in headless
Chromium at a laptop-sized viewport.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import Browser

from dashboards.browser import chromium
from dashboards.build import build_dashboards
from dashboards.sample import build_sample_warehouse

# A common laptop width; tall enough for the tiles and the charts with their legends.
VIEWPORT = {"width": 1366, "height": 1010}


def screenshot(
    index: Path, png: Path, *, full_page: bool = False, browser: Browser | None = None
) -> Path:
    """Capture `index` (an HTML file) into `png` once its charts have rendered, in `browser`
    or in a Chromium started for the purpose."""
    png.parent.mkdir(parents=True, exist_ok=True)
    if browser is None:
        with chromium() as own:
            return screenshot(index, png, full_page=full_page, browser=own)
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1)
    try:
        page = context.new_page()
        page.goto(index.resolve().as_uri())
        page.wait_for_load_state("load")
        # Plotly draws after load; wait until every chart has its SVG.
        page.wait_for_function(
            "Array.from(document.querySelectorAll('figure.chart'))"
            ".every(f => f.querySelector('svg.main-svg'))"
        )
        # Responsive charts re-fit once the page's final width is known (a scrollbar appears
        # as the page grows); give that resize its debounce time.
        page.wait_for_timeout(600)
        page.screenshot(path=str(png), full_page=full_page)
    finally:
        context.close()
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards.screenshot", description=__doc__)
    parser.add_argument("--warehouse", help="DuckDB warehouse (default: CALLTRACK_WAREHOUSE)")
    parser.add_argument("--sample", action="store_true", help="use the synthetic sample marts")
    parser.add_argument("--out", default="docs/img/overview.png", help="PNG to write")
    parser.add_argument("--full-page", action="store_true", help="capture the whole page")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.sample:
            warehouse = build_sample_warehouse(Path(tmp) / "sample.duckdb")
        elif args.warehouse:
            warehouse = Path(args.warehouse)
        else:
            from pipelines.settings import Settings

            warehouse = Path(Settings.from_env().warehouse_path)
        pages = build_dashboards(warehouse, Path(tmp) / "site", log=lambda _: None)
        png = screenshot(pages[0], Path(args.out), full_page=args.full_page)
    print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
