"""watcher.web.views through the real server: the index, article pages, escaping, CSP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from web.desk import T0, Desk, article, open_desk
from web.feedcheck import check_feed
from web.live import LiveServer

from watcher.feeds import build_all
from watcher.feeds.text import headline
from watcher.web import build_app

HOSTILE_TITLE = "Libya <script>alert('t')</script> ]]> \u202eطرابلس\x01"  # noqa: RUF001 - RTL text on purpose
HOSTILE_BODY = (
    "Libya <script>alert('b')</script> <img src=x onerror=alert(1)> <b><i>broken <p <a href='\">"
    " ]]> &amp; &bogus; \x02\x1f\x7f\ufffe ليبيا עברית " + "long " * 4000 + "Tripoli"
)
HOSTILE_HEADLINE = headline(HOSTILE_TITLE, "", "")


def page(server: LiveServer, path: str) -> lxml.html.HtmlElement:
    reply = server.request(path)
    assert reply.status == 200, reply.text
    assert reply.header("content-type") == "text/html; charset=utf-8"
    return lxml.html.fromstring(reply.body)


def uid_of(desk: Desk, title: str) -> str:
    entries = check_feed("all.atom", (desk.feeds_dir / "all.atom").read_bytes()).entries
    return next(e.id for e in entries if e.title == title).rsplit(":", 1)[1]


def test_index_lists_rules_with_stats_and_subscribe_links(server: LiveServer) -> None:
    html = page(server, "/")
    rows = {row.get("id"): row for row in html.cssselect("tr.rule")}
    assert set(rows) == {"rule-libya", "rule-wagner", "rule-oil"}  # not the disabled rule
    oil = rows["rule-oil"]
    assert oil.cssselect(".rule-title")[0].text_content() == "Oil & gas <prices>"
    assert oil.cssselect("code.query")[0].text_content() == "oil"
    assert oil.cssselect("td.count")[0].text_content() == "2"
    assert "2026-03-01 13:00 UTC" in oil.text_content()
    libya = rows["rule-libya"]
    assert libya.cssselect("td.count")[0].text_content() == "3"
    assert [a.text_content() for a in libya.cssselect("a.tag")] == ["mena"]
    feeds = {a.get("href") for a in libya.cssselect("td.feeds a")}
    assert feeds == {"/feeds/rules/libya.xml", "/feeds/rules/libya.atom"}
    assert html.cssselect('a[href="/feeds/feeds.opml"]')


def test_index_announces_every_feed_for_autodiscovery(server: LiveServer) -> None:
    links = page(server, "/").cssselect('head link[rel="alternate"]')
    found = {(link.get("type"), link.get("href")) for link in links}
    stems = ["rules/libya", "rules/wagner", "rules/oil", "tags/mena", "tags/russia", "all"]
    expected = {("application/rss+xml", f"/feeds/{s}.xml") for s in stems}
    expected |= {("application/atom+xml", f"/feeds/{s}.atom") for s in stems}
    assert found == expected
    for href in {href for _, href in found}:
        assert server.request(href).status == 200


def test_index_lists_recent_hits_newest_first(server: LiveServer, desk: Desk) -> None:
    hits = page(server, "/").cssselect("li.hit")
    assert len(hits) == 6  # every (rule, article) hit
    first = hits[0].cssselect("a")[0]
    assert first.text_content() in {
        "Wagner fighters in Libya",
        "Untitled dispatch: the Libya talks in Geneva ended without a deal on…",
    }
    assert hits[-1].cssselect("a")[0].text_content() in {"Clashes near Tripoli", "Oil output falls"}
    assert first.get("href").startswith("/articles/")


def test_article_page_highlights_every_match_and_names_its_rules(
    server: LiveServer, desk: Desk
) -> None:
    html = page(server, f"/articles/{uid_of(desk, 'Wagner fighters in Libya')}")
    marks = [mark.text_content() for mark in html.cssselect("mark")]
    assert marks == ["Wagner", "Libya", "Wagner", "Libya"]  # title, then body
    assert html.cssselect("h1")[0].text_content() == "Wagner fighters in Libya"
    rules = [li.cssselect("code")[0].text_content() for li in html.cssselect("li.matched-rule")]
    assert sorted(rules) == ["libya", "wagner"]
    assert html.cssselect("a.original")[0].get("href") == "https://news.example.com/wagner?id=1&x=2"
    assert "The Limited Times" in html.cssselect("p.meta")[0].text_content()


def test_unknown_article_and_path_are_404_pages(server: LiveServer) -> None:
    for path in ("/articles/" + "0" * 64, "/nope", "/feeds/rules/nope.xml"):
        reply = server.request(path)
        assert reply.status == 404
        assert "Not found" in reply.text


def test_pages_forbid_inline_scripts(server: LiveServer, desk: Desk) -> None:
    for path in ("/", f"/articles/{uid_of(desk, 'Oil output falls')}", "/nope"):
        reply = server.request(path)
        policy = reply.header("content-security-policy") or ""
        assert "default-src 'none'" in policy
        assert "script-src" not in policy
        assert "unsafe-inline" not in policy
        assert reply.header("x-content-type-options") == "nosniff"
        html = lxml.html.fromstring(reply.body)
        assert html.cssselect("script") == []
        assert html.cssselect("style") == []
        for element in html.iter():
            attributes = getattr(element, "attrib", {})
            assert not [name for name in attributes if name.lower().startswith("on")]
            assert "style" not in attributes
    css = server.request("/static/watcher.css")
    assert (css.status, css.header("content-type")) == (200, "text/css; charset=utf-8")


@pytest.fixture
def hostile_server(tmp_path: Path, database_url: str) -> Iterator[tuple[LiveServer, Desk]]:
    with open_desk(tmp_path / "project", database_url) as desk:
        desk.ingest(
            [article(HOSTILE_TITLE, HOSTILE_BODY, source="<b>Src</b>", url="javascript:x()")],
            T0,
        )
        build_all(desk.services.sessions, desk.config.feeds, desk.ruleset)
        with LiveServer(build_app(desk.services, desk.ruleset)) as server:
            yield server, desk


def test_hostile_text_is_escaped_in_pages_and_served_feeds(
    hostile_server: tuple[LiveServer, Desk],
) -> None:
    server, desk = hostile_server
    for path in ("/", f"/articles/{uid_of(desk, HOSTILE_HEADLINE)}"):
        reply = server.request(path)
        assert reply.status == 200
        assert b"<script" not in reply.body
        assert b"<img" not in reply.body
        assert b"<b>" not in reply.body
        assert b"javascript:" not in reply.body
        html = lxml.html.fromstring(reply.body)
        assert html.cssselect("script") == []
        assert "<script>alert(" in html.text_content()  # shown as text
    article_html = page(server, f"/articles/{uid_of(desk, HOSTILE_HEADLINE)}")
    assert [m.text_content() for m in article_html.cssselect("mark")] == [
        "Libya",
        "Libya",
        "Tripoli",
    ]
    for name in ("rules/libya.xml", "rules/libya.atom", "all.xml", "tags/mena.atom"):
        reply = server.request(f"/feeds/{name}")
        [entry] = check_feed(name, reply.body).entries
        assert entry.title == HOSTILE_HEADLINE
        assert b"<script" not in reply.body
