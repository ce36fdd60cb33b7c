"""The rule and tag pages through the real server: facts, chart, hit lists with snippets,
keyset paging with `?before=`, 400 for a bad cursor, 404 for unknown names."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import lxml.html
import pytest
from support import FixedClock
from web.desk import T0, Desk, article
from web.live import LiveServer
from web.pagecheck import assert_valid_html, page

from watcher.web import build_app

# The desk's hits were recorded on 2026-03-01 (UTC); the pages are read the next day.
READ_AT = T0 + timedelta(days=1)
LISTS = ("/", "/rules/libya", "/tags/mena")


@pytest.fixture
def read_next_day(desk: Desk) -> Iterator[LiveServer]:
    services = dataclasses.replace(desk.services, clock=FixedClock(READ_AT))
    with LiveServer(build_app(services, desk.ruleset)) as live:
        yield live


@pytest.fixture
def two_a_page(desk: Desk) -> Iterator[LiveServer]:
    with LiveServer(build_app(desk.services, desk.ruleset, page_size=2)) as live:
        yield live


def listed(html: lxml.html.HtmlElement) -> list[tuple[str, str]]:
    """Each listed hit as (article link, rule)."""
    return [
        (hit.cssselect("a.headline")[0].get("href"), hit.cssselect(".rule")[0].text_content())
        for hit in html.cssselect("li.hit")
    ]


def test_rule_page_shows_query_tags_feeds_and_totals(read_next_day: LiveServer) -> None:
    html = page(read_next_day, "/rules/libya")
    assert html.cssselect("h1")[0].text_content() == "Libya libya"
    assert html.cssselect("dd code.query")[0].text_content() == "Libya OR Tripoli"
    assert [(a.text_content(), a.get("href")) for a in html.cssselect("dd.tags a.tag")] == [
        ("mena", "/tags/mena")
    ]
    feeds = [a.get("href") for a in html.cssselect("dd.feeds a")]
    assert feeds == ["/feeds/rules/libya.xml", "/feeds/rules/libya.atom"]
    discovered = [link.get("href") for link in html.cssselect('head link[rel="alternate"]')]
    assert discovered == feeds
    assert html.cssselect("dd.count")[0].text_content() == "3"
    last = html.cssselect("dd.last-hit")[0]
    assert [t.get("datetime") for t in last.cssselect("time")] == [
        "2026-03-01T11:00:00+00:00",  # the newest hit's article, published
        "2026-03-01T13:00:00+00:00",  # when that hit was recorded
    ]
    assert "published" in last.text_content()
    assert "recorded" in last.text_content()
    oil = page(read_next_day, "/rules/oil")
    assert oil.cssselect("h1 .rule-title")[0].text_content() == "Oil & gas <prices>"
    assert oil.cssselect("title")[0].text_content() == "Oil & gas <prices> (oil) — watcher"


def test_rule_page_charts_the_last_30_days_by_recording_day(read_next_day: LiveServer) -> None:
    html = page(read_next_day, "/rules/libya")
    [svg] = html.cssselect("figure.chart svg")
    assert svg.get("role") == "img"
    title = svg.cssselect("title#chart-title")[0].text_content()
    assert svg.get("aria-labelledby") == "chart-title"
    assert title == (
        "Hits recorded per day (UTC), 2026-02-01 to 2026-03-02: 3 hits in all,"
        " most on 2026-03-01 (3)."
    )
    assert "recorded" in html.cssselect("#activity h2")[0].text_content()
    assert "UTC day" in html.cssselect("figcaption")[0].text_content()
    [bar] = svg.cssselect("rect.bar")
    assert bar.cssselect("title")[0].text_content() == "2026-03-01: 3"
    assert float(bar.get("height")) > 0
    rows = [
        (row.cssselect("time")[0].get("datetime"), row.cssselect("td.count")[0].text_content())
        for row in html.cssselect("figure.chart table.days tbody tr")
    ]
    assert len(rows) == 30
    assert rows[:2] == [("2026-03-02", "0"), ("2026-03-01", "3")]  # today first
    assert rows[-1] == ("2026-02-01", "0")
    assert {count for _, count in rows[2:]} == {"0"}


def test_the_chart_window_moves_with_the_clock(desk: Desk) -> None:
    services = dataclasses.replace(desk.services, clock=FixedClock(T0 + timedelta(days=30)))
    with LiveServer(build_app(services, desk.ruleset)) as live:
        html = page(live, "/rules/libya")
    assert html.cssselect("figure.chart rect.bar") == []
    assert "0 hits in all" in html.cssselect("figcaption")[0].text_content()
    assert html.cssselect("dd.count")[0].text_content() == "3"  # the total is for all time


def test_rule_page_lists_its_latest_hits_with_snippets(read_next_day: LiveServer) -> None:
    html = page(read_next_day, "/rules/libya")
    hits = html.cssselect("#hits li.hit")
    assert [h.cssselect("a.headline")[0].text_content() for h in hits] == [
        "Untitled dispatch: the Libya talks in Geneva ended without a deal on…",
        "Wagner fighters in Libya",
        "Clashes near Tripoli",
    ]
    snippets = [h.cssselect("p.snippet")[0] for h in hits]
    assert [[m.text_content() for m in s.cssselect("mark")] for s in snippets] == [
        ["Libya"],
        ["Libya"],
        ["Tripoli"],
    ]
    assert (
        snippets[1].text_content()
        == "Wagner mercenaries were seen near Sirte, Libya, said officials."
    )
    assert html.cssselect("nav.pages") == []  # one page


def test_a_headline_only_match_shows_the_lead_not_the_headline_again(
    desk: Desk, read_next_day: LiveServer
) -> None:
    desk.ingest(
        [article("Oil minister resigns", "He gave no reason.", lead="The minister left today.")],
        T0 + timedelta(hours=2),
    )
    [newest, *_] = page(read_next_day, "/rules/oil").cssselect("#hits li.hit")
    assert newest.cssselect("a.headline")[0].text_content() == "Oil minister resigns"
    assert newest.cssselect("p.snippet")[0].text_content() == "The minister left today."


def test_a_disabled_rule_has_a_page_without_feeds(read_next_day: LiveServer) -> None:
    html = page(read_next_day, "/rules/dormant")
    assert "disabled" in html.cssselect("dd.feeds")[0].text_content()
    assert html.cssselect("dd.feeds a") == []
    assert html.cssselect('head link[rel="alternate"]') == []
    # Its tag is on no enabled rule, so it has no feed and no page.
    assert html.cssselect("dd.tags a") == []
    assert html.cssselect("dd.tags span.tag")[0].text_content() == "sleepy"
    assert html.cssselect("dd.count")[0].text_content() == "0"
    assert html.cssselect("dd.last-hit")[0].text_content() == "never"
    assert html.cssselect("#hits p.empty")[0].text_content() == "No hits yet."


def test_tag_page_lists_its_rules_feeds_and_hits(read_next_day: LiveServer) -> None:
    html = page(read_next_day, "/tags/mena")
    assert html.cssselect("h1")[0].text_content() == "Tag mena"
    assert [row.get("id") for row in html.cssselect("tr.rule")] == ["rule-libya", "rule-wagner"]
    assert [a.get("href") for a in html.cssselect("p.subscribe a")] == [
        "/feeds/tags/mena.xml",
        "/feeds/tags/mena.atom",
    ]
    wagner = html.cssselect("#rule-wagner")[0]
    assert wagner.cssselect("td.count")[0].text_content() == "1"
    assert wagner.cssselect("td.last-hit")[0].text_content() == "2026-03-01 07:00 UTC"
    rules = [rule for _, rule in listed(html)]
    assert sorted(rules) == ["libya", "libya", "libya", "wagner"]
    assert all(hit.cssselect("p.snippet mark") for hit in html.cssselect("li.hit"))


@pytest.mark.parametrize(
    "path",
    ["/rules/nope", "/rules/LIBYA", "/rules/libya/more", "/tags/nope", "/tags/sleepy", "/tags/"],
)
def test_unknown_rules_and_tags_are_404_pages(server: LiveServer, path: str) -> None:
    reply = server.request(path)
    assert reply.status == 404
    assert "Not found" in reply.text
    assert_valid_html(reply.body)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    ("query", "reason"),
    [
        pytest.param("before=x", "not three numbers", id="garbage"),
        pytest.param("before=", "not three numbers", id="empty"),
        pytest.param("before=1.2.3%00", "not three numbers", id="nul"),
        pytest.param("before=%3Cscript%3E", "not three numbers", id="markup"),
        pytest.param("before=999999999999999999.1.1", "out of range", id="year-past-9999"),
        pytest.param("before=1.2.3&before=1.2.3", "not several", id="twice"),
    ],
)
def test_a_bad_before_is_a_400_page_that_says_why(
    server: LiveServer, path: str, query: str, reason: str
) -> None:
    reply = server.request(f"{path}?{query}")
    assert reply.status == 400
    assert reply.header("content-type") == "text/html; charset=utf-8"
    assert "default-src 'none'" in (reply.header("content-security-policy") or "")
    assert_valid_html(reply.body)
    html = lxml.html.fromstring(reply.body)
    assert html.cssselect("h1")[0].text_content() == "Bad request"
    assert reason in html.cssselect("p.problem")[0].text_content()
    assert html.cssselect("main a")[0].get("href") == path
    assert b"<script" not in reply.body


def test_an_unknown_rule_is_404_whatever_its_before(server: LiveServer) -> None:
    assert server.request("/rules/nope?before=x").status == 404


@pytest.mark.parametrize("path", LISTS)
def test_older_links_walk_every_hit_once(
    server: LiveServer, two_a_page: LiveServer, path: str
) -> None:
    everything = listed(page(server, path))
    walked, target, pages = [], path, 0
    while target:
        html = page(two_a_page, target)
        pages += 1
        walked += listed(html)
        newest = html.cssselect("nav.pages a.newest")
        assert [a.get("href") for a in newest] == ([] if target == path else [path])
        older = html.cssselect("nav.pages a.older")
        target = older[0].get("href") if older else ""
    assert walked == everything
    assert pages == (len(everything) + 1) // 2


@pytest.mark.parametrize("path", LISTS)
def test_a_hit_recorded_between_pages_does_not_shift_the_next_one(
    desk: Desk, two_a_page: LiveServer, path: str
) -> None:
    first = page(two_a_page, path)
    older = first.cssselect("nav.pages a.older")[0].get("href")
    second = listed(page(two_a_page, older))
    desk.ingest([article("Tripoli and Wagner again", "Tripoli. Wagner.")], T0 + timedelta(hours=3))
    assert listed(page(two_a_page, older)) == second
    fresh = page(two_a_page, path).cssselect("li.hit a.headline")[0].text_content()
    assert fresh == "Tripoli and Wagner again"
