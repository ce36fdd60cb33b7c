"""watcher.web.views through the real server: the index, article pages, escaping, CSP, valid
HTML. The rule and tag pages are in test_views_rules_tags.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import lxml.html
import pytest
from web.desk import HOSTILE_BODY, HOSTILE_HEADLINE, HOSTILE_TITLE, T0, Desk, article, open_desk
from web.feedcheck import check_feed
from web.live import LiveServer
from web.pagecheck import article_href, assert_valid_html, page

from watcher.articles import ReadContext, read_article
from watcher.feeds import build_all
from watcher.percolator.spans import MAX_SPANS
from watcher.web import build_app
from watcher.web.views import PAGE_TEXT_LIMIT


def uid_of(desk: Desk, title: str) -> str:
    entries = check_feed("all.atom", (desk.feeds_dir / "all.atom").read_bytes()).entries
    return next(e.id for e in entries if e.title == title).rsplit(":", 1)[1]


def test_index_lists_rules_with_stats_and_subscribe_links(server: LiveServer) -> None:
    html = page(server, "/")
    rows = {row.get("id"): row for row in html.cssselect("tr.rule")}
    assert set(rows) == {"rule-libya", "rule-wagner", "rule-oil"}  # not the disabled rule
    oil = rows["rule-oil"]
    assert oil.cssselect(".rule-title")[0].text_content() == "Oil & gas <prices>"
    assert oil.cssselect("a.rule-link")[0].get("href") == "/rules/oil"
    assert oil.cssselect("code.query")[0].text_content() == "oil"
    assert oil.cssselect("td.count")[0].text_content() == "2"
    # The newest hit (recorded 13:00) is the untitled dispatch, published at 11:00.
    assert oil.cssselect("td.last-hit")[0].text_content() == "2026-03-01 11:00 UTC"
    assert oil.cssselect("td.last-hit time")[0].get("datetime") == "2026-03-01T11:00:00+00:00"
    libya = rows["rule-libya"]
    assert libya.cssselect("td.count")[0].text_content() == "3"
    assert libya.cssselect("td.last-hit")[0].text_content() == "2026-03-01 11:00 UTC"
    assert [(a.text_content(), a.get("href")) for a in libya.cssselect("a.tag")] == [
        ("mena", "/tags/mena")
    ]
    assert rows["rule-wagner"].cssselect("td.last-hit")[0].text_content() == "2026-03-01 07:00 UTC"
    tag_links = {a.get("href") for a in html.cssselect("ul.tags a.tag")}
    assert tag_links == {"/tags/mena", "/tags/russia"}
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


def test_index_lists_recent_hits_newest_first_with_snippets(server: LiveServer) -> None:
    hits = page(server, "/").cssselect("li.hit")
    assert len(hits) == 6  # every (rule, article) hit
    headlines = [hit.cssselect("a.headline")[0].text_content() for hit in hits]
    untitled = "Untitled dispatch: the Libya talks in Geneva ended without a deal on…"
    # Recorded together at 13:00: the later published article first, as in the feeds.
    wagner = "Wagner fighters in Libya"
    assert headlines[:4] == [untitled, untitled, wagner, wagner]
    assert set(headlines[4:]) == {"Clashes near Tripoli", "Oil output falls"}
    assert hits[0].cssselect("a.headline")[0].get("href").startswith("/articles/")
    snippets = {
        (hit.cssselect("a.rule")[0].text_content(), hit.cssselect("p.snippet")[0].text_content())
        for hit in hits
    }
    assert ("wagner", "Wagner mercenaries were seen near Sirte, Libya, said officials.") in snippets
    marks = {
        (hit.cssselect("a.rule")[0].get("href"), hit.cssselect("p.snippet mark")[0].text_content())
        for hit in hits
    }
    assert marks == {
        ("/rules/libya", "Libya"),
        ("/rules/oil", "oil"),
        ("/rules/wagner", "Wagner"),
        ("/rules/libya", "Tripoli"),
        ("/rules/oil", "Oil"),
    }


def test_article_page_highlights_every_match_and_names_its_rules(
    server: LiveServer, desk: Desk
) -> None:
    html = page(server, f"/articles/{uid_of(desk, 'Wagner fighters in Libya')}")
    marks = [mark.text_content() for mark in html.cssselect("mark")]
    assert marks == ["Wagner", "Libya", "Wagner", "Libya"]  # title, then body
    assert html.cssselect("h1")[0].text_content() == "Wagner fighters in Libya"
    rules = [li.cssselect("code")[0].text_content() for li in html.cssselect("li.matched-rule")]
    assert sorted(rules) == ["libya", "wagner"]
    links = {a.get("href") for a in html.cssselect("li.matched-rule a.rule")}
    assert links == {"/rules/libya", "/rules/wagner"}
    assert html.cssselect(".article p.lead") == []  # no lead in this article
    assert html.cssselect("a.original")[0].get("href") == "https://news.example.com/wagner?id=1&x=2"
    assert "The Limited Times" in html.cssselect("p.meta")[0].text_content()


def test_unknown_article_and_path_are_404_pages(server: LiveServer) -> None:
    for path in ("/articles/" + "0" * 64, "/nope", "/feeds/rules/nope.xml"):
        reply = server.request(path)
        assert reply.status == 404
        assert "Not found" in reply.text
        assert_valid_html(reply.body)


NO_BLANK_LINE = (
    "The Limited Times\n\nTripoli port reopens\n\n5/21/2020, 5:38:06 PM\n\n"
    "Ships docked in Tripoli on Thursday.\nThe port had been closed for a week.\n"
    "Officials said traffic would resume slowly.\n"
)


def test_a_text_that_is_all_lead_is_shown_as_body_not_as_a_bold_lead(
    tmp_path: Path, database_url: str
) -> None:
    context = ReadContext(UTC, "Desk", T0)
    [read] = read_article(Path("port.txt"), NO_BLANK_LINE.encode(), context).articles
    assert (read.lead.count("\n"), read.body) == (2, "")  # the reader puts it all in the lead
    with open_desk(tmp_path / "project", database_url) as desk:
        desk.ingest([read], T0)
        with LiveServer(build_app(desk.services, desk.ruleset)) as server:
            html = page(server, article_href(server, "Tripoli port reopens"))
    assert html.cssselect(".article p.lead") == []
    body = html.cssselect(".article div.body")[0]
    assert body.text_content() == read.lead
    assert [mark.text_content() for mark in body.cssselect("mark")] == ["Tripoli"]


def test_pages_forbid_inline_scripts(server: LiveServer, desk: Desk) -> None:
    article_path = f"/articles/{uid_of(desk, 'Oil output falls')}"
    for path in ("/", article_path, "/rules/libya", "/tags/mena", "/nope", "/?before=x"):
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
    pages = ("/", f"/articles/{uid_of(desk, HOSTILE_HEADLINE)}", "/rules/libya", "/tags/mena")
    for path in pages:
        reply = server.request(path)
        assert reply.status == 200
        assert b"<script" not in reply.body
        assert b"<img" not in reply.body
        assert b"<b>" not in reply.body
        assert b"javascript:" not in reply.body
        for control in (b"\x01", b"\x02", b"\x07", b"\x1b"):  # ESC, BEL: terminal controls
            assert control not in reply.body
        assert_valid_html(reply.body)
        html = lxml.html.fromstring(reply.body)
        assert html.cssselect("script") == []
        assert "<script>alert(" in html.text_content()  # shown as text
        assert "<b>Src</b>" in html.text_content()
    for path in ("/", "/rules/libya", "/tags/mena"):
        [snippet] = page(server, path).cssselect("li.hit p.snippet")
        assert [mark.text_content() for mark in snippet.cssselect("mark")] == ["Libya"]
        assert "<script>alert('b')</script>" in snippet.text_content()
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


def test_a_huge_article_makes_a_bounded_page_and_keeps_bounded_marks(
    tmp_path: Path, database_url: str
) -> None:
    body = "Libya " * 100_000  # 600,000 characters, 100,000 matches
    with open_desk(tmp_path / "project", database_url) as desk:
        desk.ingest([article("Big", body)], T0)
        build_all(desk.services.sessions, desk.config.feeds, desk.ruleset)
        with LiveServer(build_app(desk.services, desk.ruleset)) as server:
            reply = server.request(f"/articles/{uid_of(desk, 'Big')}")
    assert reply.status == 200
    assert len(reply.body) < 500_000
    html = lxml.html.fromstring(reply.body)
    assert len(html.cssselect("mark")) == MAX_SPANS
    [cut] = html.cssselect("span.cut")
    assert cut.text_content() == f"[… {len(body) - PAGE_TEXT_LIMIT:,} more characters not shown]"
