"""Tests for watcher.articles.html: trafilatura's headline, time, site name and main text."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from watcher.articles import ReadContext
from watcher.articles.html import read_html
from watcher.errors import IngestError
from watcher.model import Article

ROME = ZoneInfo("Europe/Rome")
MTIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CTX = ReadContext(timezone=ROME, default_source="Local desk", mtime=MTIME)

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Storm hits coast | Daily Planet</title>
<meta property="og:site_name" content="Daily Planet">
<meta name="description" content="A violent storm left thousands without power.">
<meta property="article:published_time" content="{published}">
<meta property="article:tag" content="weather">
<link rel="canonical" href="https://example.com/news/storm">
<script>var tracker = "xyzzy-head-script";</script>
<style>p {{ color: red; }} .plugh-style {{}}</style>
</head>
<body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Storm hits coast</h1>
<p>A violent storm hit the coast on Thursday, leaving thousands of homes without power
across the region.</p>
<script>document.write("xyzzy-body-script");</script>
<p>Officials said repairs would take several days while crews cleared fallen trees from
the roads and restored the lines.</p>
</article>
<footer><p>Copyright Daily Planet. All rights reserved.</p></footer>
</body>
</html>
"""

BARE = """<!DOCTYPE html>
<html><head><title>Notes</title></head>
<body><div><p>Just a paragraph of plain notes about the harbour meeting, written in a hurry
without any metadata at all.</p><p>A second paragraph follows here.</p></div></body></html>
"""


def read(html: str) -> Article:
    reading = read_html(html, CTX)
    assert reading.warnings == ()
    [article] = reading.articles
    return article


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the HTML reader must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_article_page() -> None:
    article = read(PAGE.format(published="2020-05-21T17:38:06+02:00"))
    assert article.title == "Storm hits coast"
    assert article.source == "Daily Planet"
    assert article.url == "https://example.com/news/storm"
    assert article.lead == "A violent storm left thousands without power."
    assert article.tags == ("weather",)
    assert article.published == datetime(
        2020, 5, 21, 17, 38, 6, tzinfo=timezone(timedelta(hours=2))
    )
    assert article.body == (
        "A violent storm hit the coast on Thursday, leaving thousands of homes without power"
        " across the region.\n\n"
        "Officials said repairs would take several days while crews cleared fallen trees from"
        " the roads and restored the lines."
    )


def test_keywords_become_tags() -> None:
    page = PAGE.replace(
        'property="article:tag" content="weather"', 'name="keywords" content="a, b"'
    )
    assert read(page.format(published="2020-05-21")).tags == ("a", "b")


def test_scripts_styles_and_chrome_do_not_leak() -> None:
    article = read(PAGE.format(published="2020-05-21"))
    text = "\n".join([article.title, article.lead, article.body])
    for needle in ("xyzzy", "plugh", "document.write", "color: red", "Home", "Copyright"):
        assert needle not in text


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        pytest.param("2020-05-21T17:38:06Z", "2020-05-21T17:38:06+00:00", id="utc"),
        pytest.param("2020-05-21T17:38:06", "2020-05-21T17:38:06+02:00", id="no-zone-is-ctx-zone"),
        pytest.param("2020-01-21", "2020-01-21T00:00:00+01:00", id="date-only"),
        pytest.param("2999-01-01T10:00:00Z", "2999-01-01T10:00:00+00:00", id="future-no-clock"),
        pytest.param("1987-03-02T17:33:23Z", "1987-03-02T17:33:23+00:00", id="archive-before-1995"),
        pytest.param("1850-06-01T08:00:00Z", "1850-06-01T08:00:00+00:00", id="nineteenth-century"),
    ],
)
def test_published(published: str, expected: str) -> None:
    article = read(PAGE.format(published=published))
    assert article.published.isoformat() == expected


def test_page_without_metadata() -> None:
    reading = read_html(BARE, CTX)
    assert reading.warnings == ()
    [article] = reading.articles
    assert article.title == "Notes"
    assert article.source == "Local desk"
    assert article.url is None
    assert article.published == MTIME
    assert article.body.startswith("Just a paragraph of plain notes")
    assert article.body.endswith("\n\nA second paragraph follows here.")


@pytest.mark.parametrize(
    "html",
    [
        pytest.param("<html><head><title>x</title></head><body></body></html>", id="no-text"),
        pytest.param("<html><body><script>var a = 1;</script></body></html>", id="script-only"),
        pytest.param("<html><body>" + "<b>" * 100_000 + "Libya</body></html>", id="nesting-bomb"),
    ],
)
def test_no_text_is_an_error_said_once(html: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(IngestError, match=r"^no article text found in the HTML page$"):
        read_html(html, CTX)
    # The extractor's own complaint ("discarding data: None") would only repeat it, vaguely.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
