"""A real browser: headless Debian Chromium (driven by Playwright) loads the index and an
article page, finds the rules and the <mark> highlights, and logs no console error (a CSP
violation or a failed load would be one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from web.desk import Desk
from web.fixtures import desk, server
from web.live import LiveServer

__all__ = ["desk", "server"]  # fixtures, imported for pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium (apt-get install -y chromium)"
)


@pytest.fixture
def browser_page(server: LiveServer) -> Iterator[tuple[Any, list[str]]]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            yield page, errors
        finally:
            browser.close()


def test_index_and_article_page_render_without_console_errors(
    browser_page: tuple[Any, list[str]], server: LiveServer, desk: Desk
) -> None:
    page, errors = browser_page
    page.goto(server.url, wait_until="load")
    assert page.title() == "watcher: rules and recent hits"
    assert page.locator("tr.rule").count() == 3
    assert page.locator("#rule-oil .rule-title").inner_text() == "Oil & gas <prices>"
    assert page.locator('link[rel="alternate"]').count() == 12
    page.locator("li.hit a", has_text="Wagner fighters in Libya").first.click()
    page.wait_for_load_state("load")
    assert "/articles/" in page.url
    marks = page.locator("mark")
    assert marks.all_inner_texts() == ["Wagner", "Libya", "Wagner", "Libya"]
    assert marks.first.is_visible()
    background = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # the stylesheet applied
    assert sorted(page.locator("li.matched-rule code").all_inner_texts()) == ["libya", "wagner"]
    assert errors == []


def test_the_policy_blocks_inline_code_and_the_test_would_see_it(
    browser_page: tuple[Any, list[str]], server: LiveServer
) -> None:
    page, errors = browser_page
    page.goto(server.url, wait_until="load")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.head.appendChild(s); }"
    )
    assert page.evaluate("() => window.injected === undefined")
    assert any("Content Security Policy" in error for error in errors), errors
