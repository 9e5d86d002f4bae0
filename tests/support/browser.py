"""Headless Debian Chromium through Playwright (never a downloaded browser), for the browser tests."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]


@contextmanager
def chromium_page(url: str, dialogs: list[str] | None = None, ready: str = "#rag-input textarea") -> Iterator:
    """A 1400×1000 page opened at ``url`` once ``ready`` shows; dialogs are dismissed and recorded in ``dialogs``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            if dialogs is not None:
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(url)
            page.wait_for_selector(ready)
            yield page
        finally:
            browser.close()
