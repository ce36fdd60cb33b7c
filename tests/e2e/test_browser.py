"""A real browser: headless Debian Chromium (driven by Playwright) loads the index, rule, tag
and article pages, finds the rules and the <mark> highlights, and logs no console error (a
CSP violation or a failed load would be one); and lays them out on a phone-wide screen (no
horizontal scrolling, no query broken mid-word) and on a desktop (a readable measure)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e.chromium import launched, needs_chromium
from support import EXAMPLE, REPO, FixedClock
from web.desk import HOSTILE_BODY, HOSTILE_HEADLINE, HOSTILE_TITLE, T0, Desk, article, open_desk
from web.fixtures import desk, server
from web.live import LiveServer
from web.pagecheck import article_href

from watcher.articles import ReadContext, read_article
from watcher.web import build_app

__all__ = ["desk", "server"]  # fixtures, imported for pytest


pytestmark = needs_chromium


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SEED_HEADLINE = "Haftar announces raids on Tripoli, Putin sends reinforcements"
ALL_LEAD_HEADLINE = "Tripoli port reopens"
# A seeds-layout text with no blank line after its header: the reader puts it all in the lead.
ALL_LEAD = (
    "The Limited Times\n\nTripoli port reopens\n\n5/21/2020, 5:38:06 PM\n\n"
    + "Ships docked in Tripoli on Thursday after a week of closure, officials said.\n" * 12
)

# Where the text of `element` wraps between two letters or digits (a word cut in two).
MID_WORD_BREAKS = """element => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const cuts = [];
  let last = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      const char = node.data[i];
      if (last && rect.top > last.top + 1 && /[\\p{L}\\p{N}]/u.test(last.char)
          && /[\\p{L}\\p{N}]/u.test(char)) cuts.push(last.char + "|" + char);
      last = {top: rect.top, char};
    }
  }
  return cuts;
}"""
# The number of characters on each rendered line of `element`'s text.
LINE_LENGTHS = """element => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const lines = [];
  let top = null;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      if (node.data[i] === "\\n") { top = null; continue; }
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      if (top === null || rect.top > top + 1) { lines.push(0); top = rect.top; }
      lines[lines.length - 1] += 1;
    }
  }
  return lines;
}"""


@pytest.fixture
def newsroom_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The shipped rules over the shipped seed, a text that is all lead, a hostile article and
    one with a long unbroken word (layout does not depend on the database: SQLite only)."""
    with open_desk(tmp_path / "project", f"sqlite:///{tmp_path / 'w.db'}") as shipped:
        shipped.with_rules((REPO / "config" / "rules.yaml").read_text(encoding="utf-8"))
        context = ReadContext(UTC, "Desk", T0)
        seed = read_article(EXAMPLE, EXAMPLE.read_bytes(), context).articles
        all_lead = read_article(Path("port.txt"), ALL_LEAD.encode(), context).articles
        others = [
            article(HOSTILE_TITLE, HOSTILE_BODY, source="<b>Src</b>"),
            article("Benghazi " + "x" * 300, "Benghazi https://example.org/" + "a" * 300),
        ]
        shipped.ingest([*seed, *all_lead, *others], T0)
        with LiveServer(build_app(shipped.services, shipped.ruleset)) as live:
            yield live


@pytest.fixture
def browser() -> Iterator[Any]:
    with launched() as browser:
        yield browser


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


def test_phone_wide_pages_do_not_scroll_sideways_or_cut_queries(
    browser: Any, newsroom_server: LiveServer
) -> None:
    page, errors = watched(browser.new_page(viewport=PHONE))
    paths = [
        "",
        "rules/raids",
        "rules/wagner-libya",
        "tags/mena",
        article_href(newsroom_server, SEED_HEADLINE).lstrip("/"),
        article_href(newsroom_server, ALL_LEAD_HEADLINE).lstrip("/"),
        article_href(newsroom_server, HOSTILE_HEADLINE).lstrip("/"),
    ]
    for path in paths:
        page.goto(f"{newsroom_server.url}{path}", wait_until="load")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (path, width)
        for query in page.locator("code.query").all():
            assert query.evaluate(MID_WORD_BREAKS) == [], (path, query.inner_text())
    assert errors == []


def test_articles_have_a_readable_measure_and_a_lead_only_when_there_is_a_body(
    browser: Any, newsroom_server: LiveServer
) -> None:
    page, errors = watched(browser.new_page(viewport=DESKTOP))
    page.goto(newsroom_server.url + article_href(newsroom_server, SEED_HEADLINE).lstrip("/"))
    lines = page.locator(".article .body").evaluate(LINE_LENGTHS)
    assert len(lines) > 10
    assert 60 <= max(lines) <= 80, lines  # about 70 characters a line
    lead = page.locator(".article .lead")
    assert int(lead.evaluate("p => getComputedStyle(p).fontWeight")) >= 600  # a real lead
    page.goto(newsroom_server.url + article_href(newsroom_server, ALL_LEAD_HEADLINE).lstrip("/"))
    assert page.locator(".article .lead").count() == 0
    body = page.locator(".article .body")
    assert body.inner_text().startswith("Ships docked in Tripoli on Thursday")
    assert body.evaluate("b => getComputedStyle(b).fontWeight") == "400"
    assert max(body.evaluate(LINE_LENGTHS)) <= 80
    assert errors == []


def test_a_direction_override_in_an_article_does_not_turn_the_page_around(
    browser: Any, tmp_path: Path
) -> None:
    with open_desk(tmp_path / "project", f"sqlite:///{tmp_path / 'w.db'}") as overridden:
        reversed_source = article("Libya news", "Libya today.", source="\u202eAgence")
        overridden.ingest([reversed_source], T0)
        with LiveServer(build_app(overridden.services, overridden.ruleset)) as live:
            page, errors = watched(browser.new_page())
            page.goto(live.url, wait_until="load")
            meta = page.locator("li.hit .meta")
            assert meta.locator(".source").inner_text() == "\u202eAgence"
            assert right_of(meta.locator("time"), meta.locator(".source"))
            page.locator("li.hit a.headline").click()
            page.wait_for_load_state("load")
            meta = page.locator(".article p.meta")
            assert right_of(meta.locator("time"), meta.locator(".source"))
            assert errors == []


def right_of(later: Any, earlier: Any) -> bool:
    """Whether `later` is laid out after `earlier` on a left-to-right line."""
    return bool(later.bounding_box()["x"] >= earlier.bounding_box()["x"] + 1)
