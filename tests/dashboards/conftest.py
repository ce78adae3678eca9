"""Fixtures of the dashboard tests: a sample marts warehouse and the site built from it.

Session-scoped because building the warehouse and the site takes a few seconds; the tests that
use them are marked `xdist_group("dashboards_site")` so one worker builds them once.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from dashboards import build_dashboards
from dashboards.browser import chromium
from dashboards.sample import build_sample_warehouse


@pytest.fixture(scope="session")
def sample_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_warehouse(tmp_path_factory.mktemp("dash_wh") / "warehouse.duckdb")


@pytest.fixture(scope="session")
def sample_site(sample_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("dash_site")
    return build_dashboards(sample_warehouse, out, log=lambda _: None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium per session (per xdist worker)."""
    with chromium() as b:
        yield b
