"""A real browser: headless Debian Chromium (driven by Playwright) loads the index, rule, tag
and article pages, finds the rules and the <mark> highlights, and logs no console error (a
CSP violation or a failed load would be one)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from support import FixedClock
from web.desk import T0, Desk
from web.fixtures import desk, server
from web.live import LiveServer

from watcher.web import build_app

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
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def browser_page(server: LiveServer, browser: Any) -> tuple[Any, list[str]]:
    return watched(browser.new_page())


def watched(page: Any) -> tuple[Any, list[str]]:
    """The page, and the list its console errors and uncaught exceptions are logged to."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


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


def test_rule_and_tag_pages_render_their_chart_without_console_errors(
    browser_page: tuple[Any, list[str]], server: LiveServer
) -> None:
    page, errors = browser_page
    page.goto(server.url, wait_until="load")
    page.locator("#rule-wagner a.rule-link").click()
    page.wait_for_load_state("load")
    assert page.url == f"{server.url}rules/wagner"
    assert page.locator("li.hit p.snippet mark").all_inner_texts() == ["Wagner"]
    chart = page.locator("figure.chart svg")
    assert chart.is_visible()
    assert chart.evaluate("svg => svg.getBoundingClientRect().height") > 0
    page.locator("dd.tags a.tag", has_text="russia").click()
    page.wait_for_load_state("load")
    assert page.url == f"{server.url}tags/russia"
    assert page.locator("tr.rule").count() == 1
    assert errors == []


def test_the_chart_bars_are_drawn_by_the_stylesheet(browser: Any, desk: Desk) -> None:
    clocked = dataclasses.replace(desk.services, clock=FixedClock(T0 + timedelta(days=1)))
    with LiveServer(build_app(clocked, desk.ruleset)) as live:
        page, errors = watched(browser.new_page())
        page.goto(f"{live.url}rules/libya", wait_until="load")
        bar = page.locator("figure.chart rect.bar")
        assert bar.count() == 1
        box = bar.bounding_box()
        assert box is not None
        assert box["height"] > 0
        assert box["width"] > 0
        assert bar.evaluate("b => getComputedStyle(b).fill") != "rgb(0, 0, 0)"  # not the default
        page.locator("figure.chart summary").click()
        assert page.locator("table.days").is_visible()
        assert errors == []
