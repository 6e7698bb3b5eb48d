"""Debian's Chromium driven by Playwright, for every browser test: found once, launched alike.

The flags are the ones this kind of machine needs headless and as root; without the
background-networking ones Chromium keeps trying hosts the closed network refuses.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def require() -> Any:
    """Playwright's sync API, or skip the calling test module when Chromium or Playwright is
    missing (call it at module level)."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); the browser tests "
                    "need it", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api", reason="the playwright package is needed")


@contextmanager
def launched(sync_api: Any) -> Iterator[Any]:
    """A headless Chromium, closed on exit."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
