"""Headless Chromium for the dashboards' screenshot and browser tests.

Playwright's Python package drives the system's Debian `chromium` (Playwright's own browser
download is never used: there is no network at run or test time). The flags keep the browser
from phoning home, so any request a page makes is the page's own.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, sync_playwright

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
)


def chromium_path() -> str:
    """The system Chromium: CALLTRACK_CHROMIUM if set, else /usr/bin/chromium or one on PATH."""
    for candidate in (
        os.environ.get("CALLTRACK_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.path.exists(candidate):
            return candidate
    raise FileNotFoundError("no chromium found: install Debian's chromium (see .ci/run)")


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()
