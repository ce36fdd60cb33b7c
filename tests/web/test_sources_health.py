"""Each feed source's health on the index page and in /metrics, through the real server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from prometheus_client import CollectorRegistry
from support import FixedClock
from web.desk import T0, Desk
from web.live import LiveServer
from web.pagecheck import page
from web.test_metrics import scrape

from watcher.metrics import Metrics
from watcher.sources.poll import PollReport
from watcher.sources.settings import SourceConfig
from watcher.store.sources import SourceState, save_state
from watcher.web import build_app

SOURCES = [
    SourceConfig(name="wire", url="https://wire.example.org/rss"),
    SourceConfig(name="blip", url="https://blip.example.org/atom"),
    SourceConfig(name="dead", url="https://dead.example.org/feed?a=1&b=<2>"),
    SourceConfig(name="fresh", url="https://fresh.example.org/feed.json"),
]


@pytest.fixture
def served(desk: Desk) -> Iterator[LiveServer]:
    states = [
        SourceState(
            "wire",
            SOURCES[0].url,
            fetched_at=T0,
            ok_at=T0,
            new_at=T0 - timedelta(hours=2),
            next_fetch_at=T0 + timedelta(minutes=15),
            last_status=200,
            entries=20,
        ),
        SourceState(
            "blip",
            SOURCES[1].url,
            fetched_at=T0,
            ok_at=T0 - timedelta(hours=1),
            failures=2,
            failing_since=T0 - timedelta(minutes=3),
            next_fetch_at=T0 + timedelta(minutes=2),
            last_status=500,
            last_error="HTTP 500 Internal Server Error",
        ),
        SourceState(
            "dead",
            SOURCES[2].url,
            fetched_at=T0,
            failures=30,
            failing_since=T0 - timedelta(days=2),
            next_fetch_at=T0 + timedelta(minutes=15),
            last_error="not a feed: the server sent an HTML page <script>x</script>",
        ),
    ]
    with desk.services.sessions.begin() as session:
        for state in states:
            save_state(session, state)
    services = desk.services.__class__(
        desk.config, desk.services.engine, desk.services.sessions, FixedClock(T0)
    )
    with LiveServer(build_app(services, desk.ruleset, sources=lambda: SOURCES)) as live:
        yield live


def test_the_index_shows_each_sources_health_and_flags_a_day_of_failures(
    served: LiveServer,
) -> None:
    html = page(served, "/")
    rows = {row.get("id"): row for row in html.cssselect("tr.source")}
    assert list(rows) == ["source-wire", "source-blip", "source-dead", "source-fresh"]
    state = {
        name: " ".join(row.cssselect("td.state")[0].text_content().split())
        for name, row in rows.items()
    }
    assert state["source-wire"] == "ok, 20 entries"
    assert state["source-blip"] == (
        "failing since 2026-03-01 11:57 UTC (2 tries): HTTP 500 Internal Server Error"
    )
    assert state["source-dead"].startswith("failing for over a day since 2026-02-27 12:00 UTC")
    assert "<script>x</script>" in state["source-dead"]  # shown as text, escaped in the page
    assert state["source-fresh"] == "not fetched yet"
    assert rows["source-dead"].get("class") == "source failing failing-long"
    assert rows["source-blip"].get("class") == "source failing"
    cells = [td.text_content() for td in rows["source-wire"].cssselect("td")[2:]]
    assert cells == ["2026-03-01 12:00 UTC", "2026-03-01 10:00 UTC", "2026-03-01 12:15 UTC"]
    assert rows["source-dead"].cssselect("a.source-url")[0].get("href") == SOURCES[2].url
    assert html.cssselect("tr.source script") == []


def test_metrics_give_each_sources_health(served: LiveServer) -> None:
    samples = scrape(served)
    assert samples["watcher_source_up"] == {
        (("source", "wire"),): 1,
        (("source", "blip"),): 0,
        (("source", "dead"),): 0,
    }
    assert samples["watcher_source_failures"][(("source", "dead"),)] == 30
    assert samples["watcher_source_failing_long"] == {
        (("source", "wire"),): 0,
        (("source", "blip"),): 0,
        (("source", "dead"),): 1,
        (("source", "fresh"),): 0,
    }
    assert samples["watcher_source_last_fetch_timestamp_seconds"][(("source", "wire"),)] == (
        T0.timestamp()
    )
    assert samples["watcher_source_last_new_timestamp_seconds"] == {
        (("source", "wire"),): (T0 - timedelta(hours=2)).timestamp()
    }


def test_without_sources_the_index_has_no_sources_section(server: LiveServer) -> None:
    assert page(server, "/").cssselect("#sources") == []


def test_polls_are_counted_by_outcome() -> None:
    metrics = Metrics.create(CollectorRegistry())
    metrics.observe_poll(PollReport("wire", status=200, new=2, changed=1, hits=4))
    metrics.observe_poll(PollReport("wire", status=304, not_modified=True))
    metrics.observe_poll(PollReport("dead", error="HTTP 500 Internal Server Error"))
    polls = {
        labels["outcome"]: value
        for name, labels, value in _samples(metrics)
        if name == "watcher_source_polls_total"
    }
    assert polls == {"ok": 1, "not_modified": 1, "failed": 1}
    totals = {name: value for name, labels, value in _samples(metrics) if not labels}
    assert totals["watcher_articles_ingested_total"] == 3
    assert totals["watcher_hits_recorded_total"] == 4


def _samples(metrics: Metrics) -> list[tuple[str, dict[str, str], float]]:
    return [
        (sample.name, sample.labels, sample.value)
        for family in metrics.registry.collect()
        for sample in family.samples
    ]
