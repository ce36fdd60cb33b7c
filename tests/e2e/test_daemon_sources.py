"""`watcher run` with feed sources and the intake API: polled at start and again on reload,
failures logged and recorded without stopping anything, articles posted over HTTP in feeds."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e.daemon import Daemon, configure, run_command
from sources.feedserver import FeedServer, Route, feed_server
from sources.samples import LIBYA_ITEMS, rss

TOKEN = "daemon-test-token-0123456789abcdef"  # noqa: S105 - a test token
POSTED = {
    "title": "Benghazi port reopens",
    "body": "The port in Libya reopened.",
    "url": "https://x.org/b",
}


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with feed_server() as server:
        server.routes["/wire"] = Route(rss("Desk Wire", LIBYA_ITEMS))
        server.routes["/broken"] = Route(status=500)
        server.routes["/page"] = Route(b"<html><body>Home</body></html>", "text/html")
        server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
        server.routes["/slow"] = Route(rss("Slow", LIBYA_ITEMS), delay_s=60)
        server.routes["/later"] = Route(
            rss(
                "Later Wire",
                [{"title": "Wagner in Tripoli", "guid": "w1", "description": "Libya."}],
            )
        )
        yield server


@pytest.fixture
def daemon(project: Path, database_url: str, feeds: FeedServer) -> Iterator[Daemon]:
    configure(project, settle="1s")
    config = project / "config" / "watcher.yaml"
    listed = "".join(
        f"  - name: {name}\n    url: {feeds.url('/' + name)}\n"
        for name in ("wire", "broken", "page", "loop", "slow")
    )
    config.write_text(
        config.read_text(encoding="utf-8") + f"sources:\n{listed}fetch:\n  timeout: 30s\n",
        encoding="utf-8",
    )
    running = Daemon(project, database_url)
    running.env["WATCHER_API_TOKENS"] = TOKEN
    running.start().healthy()
    yield running
    running.kill()


def in_feed(daemon: Daemon, feed: str, text: str) -> bool:
    reply = daemon.get(f"/feeds/{feed}")
    return reply.status == 200 and text in reply.text


def test_sources_are_polled_failures_recorded_and_the_api_takes_articles(
    daemon: Daemon, database_url: str, feeds: FeedServer
) -> None:
    daemon.eventually(
        lambda: in_feed(daemon, "rules/libya.xml", "Clashes near Tripoli"),
        within=15,
        what="the wire's story in the libya feed",
    )
    for line in (
        "source wire: 2 new, 0 changed, 0 duplicate of 2 entries, 1 hits",
        "source broken: failed: HTTP 500 Internal Server Error",
        "source page: failed: not a feed: the server sent an HTML page (text/html)",
        f"source loop: failed: redirect loop: {feeds.url('/loop')} → {feeds.url('/loop')}",
    ):
        daemon.eventually(lambda line=line: line in daemon.log, within=15, what=line)

    reply = httpx.post(
        f"http://127.0.0.1:{daemon.port}/api/articles",
        json=POSTED,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    assert [h["rule"] for h in reply.json()["articles"][0]["hits"]] == ["libya"]
    daemon.eventually(
        lambda: in_feed(daemon, "rules/libya.xml", "Benghazi port reopens"),
        within=5,
        what="the posted article in the libya feed",
    )
    assert TOKEN not in daemon.log

    listed = run_command(daemon.project, database_url, "sources", "list", "--format", "json")
    states = {s["name"]: s for s in json.loads(listed.stdout)}
    assert states["wire"]["state"] == "ok"
    assert states["broken"]["last_error"] == "HTTP 500 Internal Server Error"
    assert states["broken"]["state"] == "failing"
    assert "source broken" in run_command(daemon.project, database_url, "status").stdout
    assert daemon.get("/healthz").status == 200


def test_a_source_added_while_running_is_polled_at_once(daemon: Daemon, feeds: FeedServer) -> None:
    daemon.eventually(lambda: "source wire:" in daemon.log, within=15, what="the first polls")
    added = daemon.project / "config" / "sources.d" / "more.yaml"
    added.parent.mkdir()
    added.write_text(f"sources:\n  - name: later\n    url: {feeds.url('/later')}\n", "utf-8")
    daemon.eventually(
        lambda: in_feed(daemon, "rules/libya.xml", "Wagner in Tripoli"),
        within=15,
        what="the new source's story in the libya feed",
    )


def test_sigterm_during_a_slow_poll_still_exits_0_within_10_s(
    daemon: Daemon, feeds: FeedServer
) -> None:
    daemon.eventually(lambda: feeds.seen("/slow"), within=15, what="the slow source's poll")
    started = time.monotonic()
    assert daemon.stop() == 0
    assert time.monotonic() - started < 10


def _story(title: str, guid: str) -> dict[str, str]:
    return {"title": title, "guid": guid, "description": "Talks resumed in Libya today."}


@pytest.fixture
def tagged(project: Path, database_url: str) -> Iterator[Daemon]:
    """Two sources with different tags, each carrying a Libya story, and a rule that wants
    Libya from sources tagged mena only."""
    with feed_server() as server:
        server.routes["/africa"] = Route(rss("Africa Desk", [_story("Sirte talks", "a1")]))
        server.routes["/world"] = Route(rss("World Desk", [_story("Misrata talks", "w1")]))
        configure(project, settle="1s")
        config = project / "config" / "watcher.yaml"
        config.write_text(
            config.read_text(encoding="utf-8")
            + f"sources:\n  - name: africa\n    url: {server.url('/africa')}\n"
            + "    tags: [mena, africa]\n"
            + f"  - name: world\n    url: {server.url('/world')}\n    tags: [world]\n",
            encoding="utf-8",
        )
        rules = project / "config" / "rules.d" / "mena.yaml"
        rules.parent.mkdir(exist_ok=True)
        rules.write_text(
            "rules:\n  - name: libya-mena\n    query: Libya source_tag:MENA\n", encoding="utf-8"
        )
        running = Daemon(project, database_url)
        running.env["WATCHER_API_TOKENS"] = TOKEN
        running.start().healthy()
        yield running
        running.kill()


@pytest.mark.slow  # a daemon and two more watcher processes
def test_a_source_tag_rule_matches_the_entries_of_the_tagged_source_only(
    tagged: Daemon, database_url: str
) -> None:
    checked = run_command(tagged.project, database_url, "rules", "check")
    assert checked.returncode == 0, checked.stderr
    assert "Libya AND source_tag:mena" in checked.stdout  # the parsed form, folded

    tagged.eventually(
        lambda: in_feed(tagged, "rules/libya-mena.xml", "Sirte talks"),
        within=15,
        what="the mena source's story in the libya-mena feed",
    )
    # The other story is in too: the shipped `libya` rule has it (so its poll is done).
    tagged.eventually(
        lambda: in_feed(tagged, "rules/libya.xml", "Misrata talks"),
        within=15,
        what="the world source's story in the libya feed",
    )
    assert not in_feed(tagged, "rules/libya-mena.xml", "Misrata talks")

    # A posted article has no source: its own tags are not a source's.
    reply = httpx.post(
        f"http://127.0.0.1:{tagged.port}/api/articles",
        json={**POSTED, "tags": ["mena"]},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert reply.status_code == 200, reply.text
    assert [h["rule"] for h in reply.json()["articles"][0]["hits"]] == ["libya"]

    hits = run_command(
        tagged.project, database_url, "hits", "--rule", "libya-mena", "--format", "json"
    )
    assert [hit["title"] for hit in json.loads(hits.stdout)] == ["Sirte talks"]
