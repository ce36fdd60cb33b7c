"""Prometheus collectors, registered on a registry the caller creates and passes in.

Two kinds: counters this process increments (scans it ran, feeds it built, requests it
served), and gauges read from the database at scrape time (`ArchiveCollector`), so that
`watcher serve` alone still reports the archive and the last scan of whichever process ran it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from watcher.store.scans import ScanSummary

if TYPE_CHECKING:
    from watcher.sources.health import Health
    from watcher.sources.poll import PollReport

SCAN_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600)


@dataclass(frozen=True, slots=True)
class ArchiveSnapshot:
    """What the database says at scrape time."""

    articles: int
    hits: int
    ingest_errors: int
    last_scan_at: datetime | None
    last_scan_seconds: float | None
    sources: Sequence[Health] = ()


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    articles_ingested: Counter
    hits_recorded: Counter
    scans: Counter
    digests: Counter
    channel_deliveries: Counter
    scan_duration: Histogram
    feed_builds: Counter
    feed_files_written: Counter
    http_requests: Counter
    source_polls: Counter
    api_articles: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        """Register watcher's collectors on `registry` (never the global one)."""
        return cls(
            registry=registry,
            articles_ingested=Counter(
                "watcher_articles_ingested",
                "Articles (new or changed) archived by this process: scans, feed polls, the API.",
                registry=registry,
            ),
            hits_recorded=Counter(
                "watcher_hits_recorded", "Hits recorded by this process.", registry=registry
            ),
            scans=Counter(
                "watcher_scans",
                "Scans run by this process, by outcome (ok, failed, skipped: another ran).",
                ["outcome"],
                registry=registry,
            ),
            digests=Counter(
                "watcher_digests",
                "Digest deliveries tried by this process, by outcome (sent, retry, failed).",
                ["outcome"],
                registry=registry,
            ),
            channel_deliveries=Counter(
                "watcher_channel_deliveries",
                "Push channel deliveries tried by this process, by kind (alert, summary) and "
                "outcome (sent, retry, busy).",
                ["kind", "outcome"],
                registry=registry,
            ),
            scan_duration=Histogram(
                "watcher_scan_duration_seconds",
                "How long this process's scans took.",
                buckets=SCAN_BUCKETS,
                registry=registry,
            ),
            feed_builds=Counter(
                "watcher_feed_builds",
                "Feed builds by this process, by kind (full or incremental).",
                ["kind"],
                registry=registry,
            ),
            feed_files_written=Counter(
                "watcher_feed_files_written",
                "Feed files this process rewrote because their content changed.",
                registry=registry,
            ),
            http_requests=Counter(
                "watcher_http_requests",
                "HTTP requests served, by status code.",
                ["status"],
                registry=registry,
            ),
            source_polls=Counter(
                "watcher_source_polls",
                "Feed source polls by this process, by outcome (ok, not_modified, failed).",
                ["outcome"],
                registry=registry,
            ),
            api_articles=Counter(
                "watcher_api_articles",
                "Articles posted to /api/articles, by what they were (new, changed, unchanged,"
                " duplicate).",
                ["state"],
                registry=registry,
            ),
        )

    def observe_scan(self, summary: ScanSummary) -> None:
        """Count one finished scan (the files failing now are a gauge of the archive's)."""
        self.scans.labels("ok").inc()
        self.articles_ingested.inc(summary.new + summary.changed)
        self.hits_recorded.inc(summary.hits)
        self.scan_duration.observe(summary.seconds)

    def observe_poll(self, report: PollReport) -> None:
        """Count one poll of a feed source, and what it archived."""
        outcome = (
            "failed"
            if report.error is not None
            else ("not_modified" if report.not_modified else "ok")
        )
        self.source_polls.labels(outcome).inc()
        self.articles_ingested.inc(report.new + report.changed)
        self.hits_recorded.inc(report.hits)


class ArchiveCollector(Collector):
    """Gauges read through `snapshot` at each scrape; `watcher_database_up` 0 when it fails."""

    def __init__(self, snapshot: Callable[[], ArchiveSnapshot | None]) -> None:
        self._snapshot = snapshot

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snapshot = self._snapshot()
        yield GaugeMetricFamily(
            "watcher_database_up",
            "1 when the database answered this scrape.",
            value=0 if snapshot is None else 1,
        )
        if snapshot is None:
            return
        for name, text, value in (
            ("watcher_archive_articles", "Articles in the archive.", snapshot.articles),
            ("watcher_archive_hits", "Hits in the archive.", snapshot.hits),
            (
                "watcher_archive_ingest_errors",
                "Files now failing to ingest.",
                snapshot.ingest_errors,
            ),
        ):
            yield GaugeMetricFamily(name, text, value=value)
        if snapshot.last_scan_at is not None:
            yield GaugeMetricFamily(
                "watcher_last_scan_timestamp_seconds",
                "When the last scan finished (Unix time).",
                value=snapshot.last_scan_at.timestamp(),
            )
        if snapshot.last_scan_seconds is not None:
            yield GaugeMetricFamily(
                "watcher_last_scan_duration_seconds",
                "How long the last scan took.",
                value=snapshot.last_scan_seconds,
            )

        yield from _source_gauges(snapshot.sources)

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter(())


def _source_gauges(sources: Sequence[Health]) -> Iterator[GaugeMetricFamily]:
    """Each configured feed source's health, labelled by its name."""
    if not sources:
        return
    up = GaugeMetricFamily(
        "watcher_source_up",
        "1 when the source's last poll succeeded, 0 when it failed (absent: never polled).",
        labels=["source"],
    )
    failures = GaugeMetricFamily(
        "watcher_source_failures", "Failed polls of the source in a row.", labels=["source"]
    )
    failing_long = GaugeMetricFamily(
        "watcher_source_failing_long",
        "1 when the source has been failing for over a day.",
        labels=["source"],
    )
    fetched = GaugeMetricFamily(
        "watcher_source_last_fetch_timestamp_seconds",
        "When the source was last polled (Unix time).",
        labels=["source"],
    )
    fresh = GaugeMetricFamily(
        "watcher_source_last_new_timestamp_seconds",
        "When the source last brought a new or changed entry (Unix time).",
        labels=["source"],
    )
    for health in sources:
        if health.state != "new":
            up.add_metric([health.name], 1 if health.state == "ok" else 0)
        failures.add_metric([health.name], health.failures)
        failing_long.add_metric([health.name], 1 if health.failing_long else 0)
        if health.fetched_at is not None:
            fetched.add_metric([health.name], health.fetched_at.timestamp())
        if health.new_at is not None:
            fresh.add_metric([health.name], health.new_at.timestamp())
    yield from (up, failures, failing_long, fetched, fresh)
