"""Polling feeds from a real local HTTP server into a real database (SQLite, PostgreSQL):
every format, conditional GET, identity across polls and feeds, and every way a feed fails."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from sources.conftest import Poll
from sources.feedserver import FeedServer, Route
from sources.samples import HOSTILE, LIBYA_ITEMS, T0, TRIPOLI, atom, json_feed, rfc822, rss
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from support import FixedClock

from watcher.sources.fetch import USER_AGENT, Limits, inside_address
from watcher.store.articles import count_articles
from watcher.store.hits import count_hits
from watcher.store.sources import SourceState, load_states
from watcher.store.tables import ArticleLocationRow, ArticleVersionRow


def versions(sessions: sessionmaker[Session]) -> list[ArticleVersionRow]:
    with sessions() as session:
        return list(session.scalars(select(ArticleVersionRow).order_by(ArticleVersionRow.id)))


def state(sessions: sessionmaker[Session], name: str = "desk") -> SourceState:
    with sessions() as session:
        return load_states(session)[name]


def counts(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return count_articles(session), count_hits(session)


def test_rss_entries_become_articles_with_their_fields_and_hits(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    server.routes["/rss"] = Route(rss("Desk Wire", LIBYA_ITEMS))
    report = poll(server.url("/rss"), tags=["mena"])
    assert (report.error, report.status, report.entries, report.new, report.hits) == (
        None,
        200,
        2,
        2,
        2,
    )
    first, second = versions(sessions)
    assert first.title == "Clashes near Tripoli"
    assert first.body == "Fighting resumed south of Tripoli today."  # the HTML unmarked
    assert (first.source, first.url, first.published) == (
        "Desk Wire",
        "https://news.example.org/1",
        T0,
    )
    assert first.tags == first.source_tags == ["mena"]  # the source's, for source_tag:
    assert first.path == "source:desk:story-1"
    assert second.title == "Oil output falls"
    recorded = state(sessions)
    assert (recorded.failures, recorded.last_error, recorded.entries) == (0, None, 2)
    assert recorded.fetched_at == recorded.ok_at == recorded.new_at == clock()
    assert recorded.next_fetch_at == clock() + timedelta(minutes=15)
    assert server.seen("/rss")[0].headers["user-agent"] == USER_AGENT


def test_the_second_poll_is_conditional_and_a_304_changes_nothing(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    modified = rfc822(T0)
    server.routes["/rss"] = Route(
        rss("Desk Wire", LIBYA_ITEMS), etag='"v1"', last_modified=modified
    )
    poll(server.url("/rss"))
    clock.now += timedelta(minutes=15)
    report = poll(server.url("/rss"))
    assert (report.not_modified, report.status, report.error) == (True, 304, None)
    second = server.seen("/rss")[1].headers
    assert (second["if-none-match"], second["if-modified-since"]) == ('"v1"', modified)
    assert counts(sessions) == (2, 2)
    recorded = state(sessions)
    assert (recorded.etag, recorded.last_modified, recorded.entries) == ('"v1"', modified, 2)
    assert recorded.fetched_at == clock()
    assert recorded.new_at == T0  # nothing new since the first poll


def test_an_unchanged_feed_without_validators_archives_nothing_again(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session]
) -> None:
    server.routes["/rss"] = Route(rss("Desk Wire", LIBYA_ITEMS))
    poll(server.url("/rss"))
    report = poll(server.url("/rss"))
    assert (report.entries, report.fresh, report.new, report.hits) == (2, 0, 0, 0)
    assert counts(sessions) == (2, 2)
    assert len(versions(sessions)) == 2


def test_atom_and_json_feed_and_the_same_story_in_two_feeds_is_one_article(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session]
) -> None:
    story = {"title": "Clashes near Tripoli", "link": "https://news.example.org/1"}
    text = "<p>Fighting resumed south of <b>Tripoli</b> today.</p>"
    server.routes["/atom"] = Route(
        atom("Atom Desk", [{"id": "urn:1", **story, "content": text, "summary": "Fighting."}]),
        content_type="application/atom+xml",
    )
    server.routes["/json"] = Route(
        json_feed(
            "JSON Desk",
            [
                {
                    "id": "j1",
                    "url": story["link"],
                    "title": story["title"],
                    "summary": "Fighting.",
                    "content_html": text,
                    "date_published": "2026-03-01T10:00:00Z",
                }
            ],
        ),
        content_type="application/feed+json",
    )
    atom_report = poll(server.url("/atom"))
    json_report = poll(server.url("/json"), name="other")
    assert (atom_report.new, json_report.new, json_report.duplicate) == (1, 0, 1)
    assert counts(sessions) == (1, 1)
    (version,) = versions(sessions)
    assert (version.title, version.lead, version.body) == (
        "Clashes near Tripoli",
        "Fighting.",
        "Fighting resumed south of Tripoli today.",
    )
    assert version.published == datetime(2026, 3, 1, 10, tzinfo=UTC)
    with sessions() as session:
        paths = set(session.scalars(select(ArticleLocationRow.path)))
    assert paths == {"source:desk:urn:1", "source:other:j1"}


def test_an_updated_entry_is_a_new_version_of_its_article(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session]
) -> None:
    server.routes["/rss"] = Route(rss("Desk Wire", LIBYA_ITEMS[:1]))
    poll(server.url("/rss"))
    corrected = {**LIBYA_ITEMS[0], "description": "Fighting resumed near Tripoli, officials said."}
    server.routes["/rss"] = Route(rss("Desk Wire", [corrected]))
    report = poll(server.url("/rss"))
    assert (report.new, report.changed, report.hits) == (0, 1, 0)  # libya hit it already
    first, second = versions(sessions)
    assert first.article_id == second.article_id
    assert second.body == "Fighting resumed near Tripoli, officials said."
    assert counts(sessions) == (1, 1)


def test_gzip_is_asked_for_and_undone(server: FeedServer, poll: Poll) -> None:
    server.routes["/rss"] = Route(rss("Desk Wire", LIBYA_ITEMS), gzip=True)
    report = poll(server.url("/rss"))
    assert (report.error, report.new) == (None, 2)
    assert "gzip" in server.seen("/rss")[0].headers["accept-encoding"]


def test_hostile_text_is_kept_as_plain_text_without_controls(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session]
) -> None:
    items = [
        {"title": HOSTILE, "guid": "h1", "description": f"<p>{HOSTILE}</p><script>x()</script>"}
    ]
    server.routes["/rss"] = Route(rss("Desk <Wire> \x02", items))
    assert poll(server.url("/rss")).new == 1
    (version,) = versions(sessions)
    assert version.title == "Tripoli <script>alert('x')</script> ]]> \u202e" + TRIPOLI
    assert version.body == "Tripoli ]]> \u202e" + TRIPOLI
    assert version.source == "Desk <Wire>"
    assert not any(c in version.title + version.body for c in "\x01\x02\x7f")


def failure(poll: Poll, server: FeedServer, route: Route, limits: Limits | None = None) -> str:
    server.routes["/feed"] = route
    report = poll(server.url("/feed"), **({"limits": limits} if limits else {}))
    assert report.error is not None
    return report.error


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        pytest.param(Route(status=500, body=b"oops"), "HTTP 500 Internal Server Error", id="500"),
        pytest.param(Route(status=404), "HTTP 404 Not Found", id="404"),
        pytest.param(
            Route(b"<html><head><title>Home</title></head><body>Hi</body></html>", "text/html"),
            "not a feed: the server sent an HTML page (text/html) — check the URL",
            id="html",
        ),
        pytest.param(
            Route(b'<rss version="2.0"><channel><title>x</title><item><title>cut'),
            "malformed feed: ",
            id="malformed",
        ),
        pytest.param(Route(b"\x00\x01binary"), "not an RSS, Atom or JSON feed", id="binary"),
        pytest.param(Route(b'{"items": 1}', "application/json"), "not a JSON Feed", id="json"),
        pytest.param(
            Route(endless=True), "response too big (2,000,000,000 bytes announced", id="2GB"
        ),
        pytest.param(
            Route(endless=True, announce=False),
            "response too big (over the limit",
            id="unannounced",
        ),
        pytest.param(
            Route(gzip.compress(b" " * 50_000_000), headers={"Content-Encoding": "gzip"}),
            "response too big (over the limit",
            id="gzip-bomb",
        ),
    ],
)
def test_each_failure_is_recorded_with_its_reason(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session], route: Route, reason: str
) -> None:
    assert reason in failure(poll, server, route)
    recorded = state(sessions)
    assert recorded.failures == 1
    assert recorded.last_error is not None
    assert reason in recorded.last_error
    assert counts(sessions) == (0, 0)


def test_a_slow_server_is_given_up_at_the_timeout(server: FeedServer, poll: Poll) -> None:
    limits = Limits(timeout_s=0.5, max_size=100_000, max_redirects=3)
    reason = failure(poll, server, Route(rss("x", LIBYA_ITEMS), delay_s=30), limits)
    assert reason == "no answer within 0.5 s (read timeout)"


def test_an_html_page_names_the_feeds_it_links_to(server: FeedServer, poll: Poll) -> None:
    page = (
        b'<!doctype html><html><head><link rel="alternate" type="application/rss+xml"'
        b' href="/news.rss"></head></html>'
    )
    reason = failure(poll, server, Route(page, "text/html; charset=utf-8"))
    assert reason.endswith(f"its feeds: {server.url('/news.rss')}")


def test_redirects_are_followed_up_to_the_limit_and_a_loop_is_named(
    server: FeedServer, poll: Poll
) -> None:
    server.routes["/feed"] = Route(rss("Desk Wire", LIBYA_ITEMS))
    for hop in range(1, 5):
        target = "/feed" if hop == 1 else f"/hop{hop - 1}"
        server.routes[f"/hop{hop}"] = Route(status=301, headers={"Location": target})
    assert poll(server.url("/hop3")).new == 2  # three redirects: the limit
    too_many = poll(server.url("/hop4"), name="far")
    assert too_many.error == f"more than 3 redirects (last to {server.url('/feed')})"
    server.routes["/a"] = Route(status=302, headers={"Location": "/b"})
    server.routes["/b"] = Route(status=302, headers={"Location": "/a"})
    loop = poll(server.url("/a"), name="loop")
    assert (
        loop.error == f"redirect loop: {server.url('/a')} → {server.url('/b')} → {server.url('/a')}"
    )


def test_failures_back_off_1_2_4_minutes_up_to_the_interval_then_recover(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session], clock: FixedClock
) -> None:
    server.routes["/feed"] = Route(status=500)
    waits = []
    for _ in range(6):
        poll(server.url("/feed"), interval="10m")
        recorded = state(sessions)
        waits.append(recorded.next_fetch_at - clock())
        clock.now = recorded.next_fetch_at
    assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 10, 10]
    assert (recorded.failures, recorded.failing_since) == (6, T0)
    server.routes["/feed"] = Route(rss("Desk Wire", LIBYA_ITEMS))
    assert poll(server.url("/feed"), interval="10m").new == 2
    healed = state(sessions)
    assert (healed.failures, healed.failing_since, healed.last_error) == (0, None, None)


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_honoured(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session], clock: FixedClock, status: int
) -> None:
    failure(poll, server, Route(status=status, headers={"Retry-After": "3600"}))
    assert state(sessions).next_fetch_at == clock() + timedelta(hours=1)


def test_a_new_url_drops_the_old_validators(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session]
) -> None:
    server.routes["/old"] = Route(rss("Desk Wire", LIBYA_ITEMS), etag='"old"')
    server.routes["/new"] = Route(rss("Desk Wire", LIBYA_ITEMS), etag='"new"')
    poll(server.url("/old"))
    assert poll(server.url("/new")).status == 200
    assert "if-none-match" not in server.seen("/new")[0].headers
    assert state(sessions).url == server.url("/new")


def test_full_text_fetches_each_new_entrys_page_once(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session]
) -> None:
    paragraphs = "".join(
        f"<p>Paragraph {n}: the talks in Tripoli went on late into the night, said officials.</p>"
        for n in range(8)
    )
    server.routes["/story"] = Route(
        f"<html><head><title>Talks</title></head><body><nav>Menu Home</nav><article>"
        f"<h1>Talks</h1>{paragraphs}</article><footer>Cookies</footer></body></html>".encode(),
        "text/html; charset=utf-8",
    )
    items = [
        {"title": "Talks", "guid": "t1", "link": server.url("/story"), "description": "Teaser."},
        {"title": "Gone", "guid": "t2", "link": server.url("/gone"), "description": "Kept text."},
    ]
    server.routes["/rss"] = Route(rss("Desk Wire", items))
    report = poll(server.url("/rss"), full_text=True)
    assert (report.new, report.error) == (2, None)
    assert report.notes == [
        f"page {server.url('/gone')}: HTTP 404 Not Found; the feed's text is kept"
    ]
    talks, gone = versions(sessions)
    assert talks.lead == "Teaser."
    assert "Paragraph 7: the talks in Tripoli" in talks.body
    assert "Menu" not in talks.body
    assert "Cookies" not in talks.body
    assert gone.body == "Kept text."
    poll(server.url("/rss"), full_text=True)
    assert len(server.seen("/story")) == 1  # an entry already handled is not fetched again


def test_entries_without_any_text_are_skipped_and_said_so(
    server: FeedServer, poll: Poll, sessions: sessionmaker[Session]
) -> None:
    server.routes["/rss"] = Route(rss("Desk Wire", [*LIBYA_ITEMS, {"link": "https://x.org/e"}]))
    report = poll(server.url("/rss"))
    assert report.notes == ["1 entries with neither a title nor any text skipped"]
    assert report.new == 2
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ArticleVersionRow)) == 2


def test_entries_cannot_make_watcher_fetch_pages_inside_the_network(
    server: FeedServer, poll: Poll
) -> None:
    """Entries linking to this machine under another name than the feed's host are not
    fetched (the feed's own host may be: an intranet's feed links to its pages). Only loopback
    addresses appear here: were the guard broken, nothing would leave the machine."""
    items = [
        {"title": "Admin", "guid": "a", "link": "http://localhost:9/admin", "description": "x"},
        {"title": "Other", "guid": "o", "link": "http://127.0.0.2:9/", "description": "y"},
        {"title": "Six", "guid": "6", "link": "http://[::1]:9/", "description": "z"},
        {"title": "Same", "guid": "s", "link": server.url("/story"), "description": "w"},
    ]
    server.routes["/rss"] = Route(rss("Desk Wire", items))
    server.routes["/story"] = Route(status=404)
    report = poll(server.url("/rss"), full_text=True)
    assert report.new == 4
    refused = "is inside this network; a feed's entry may not make watcher fetch it"
    assert [note.split(": ", 1)[1] for note in report.notes] == [
        f"localhost {refused}; the feed's text is kept",
        f"127.0.0.2 {refused}; the feed's text is kept",
        f"::1 {refused}; the feed's text is kept",
        "HTTP 404 Not Found; the feed's text is kept",  # the feed's own host: fetched
    ]
    server.routes["/hop"] = Route(status=302, headers={"Location": "http://127.0.0.3:9/"})
    hop = [{"title": "Hop", "guid": "h", "link": server.url("/hop"), "description": "v"}]
    server.routes["/rss2"] = Route(rss("Desk Wire", hop))
    redirected = poll(server.url("/rss2"), full_text=True, name="other")
    assert redirected.notes == [
        f"page {server.url('/hop')}: 127.0.0.3 {refused}; the feed's text is kept"
    ]


@pytest.mark.parametrize(
    ("url", "inside"),
    [
        ("http://localhost/x", "localhost"),
        ("http://a.localhost./x", "a.localhost"),
        ("http://127.0.0.1:8080/", "127.0.0.1"),
        ("http://10.1.2.3/", "10.1.2.3"),
        ("http://172.16.0.1/", "172.16.0.1"),
        ("http://192.168.1.1/", "192.168.1.1"),
        ("http://169.254.169.254/latest", "169.254.169.254"),
        ("http://[fe80::1]/", "fe80::1"),
        ("http://[fd00::1]/", "fd00::1"),
        ("http://0.0.0.0/", "0.0.0.0"),  # noqa: S104 - an address to refuse, not to bind
        ("https://news.example.org/a", None),
        ("https://93.184.216.34/", None),
    ],
)
def test_which_addresses_are_inside_the_network(url: str, inside: str | None) -> None:
    assert inside_address(url) == inside
