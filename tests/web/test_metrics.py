"""watcher.metrics on a registry passed in, scraped from /metrics of the real server."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import prometheus_client
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from web.desk import T0, Desk
from web.live import LiveServer

from watcher.feeds import build_all
from watcher.metrics import Metrics
from watcher.scan import run_scan
from watcher.store.scans import ScanSummary
from watcher.web import build_app

T1 = T0.replace(hour=18)


@pytest.fixture
def metered(desk: Desk) -> Iterator[tuple[LiveServer, Metrics]]:
    metrics = Metrics.create(CollectorRegistry())
    scanned = run_scan(desk.services.sessions, desk.services.scan_settings, clock=lambda: T1)
    metrics.observe_scan(scanned)
    build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, metrics=metrics)
    with LiveServer(build_app(desk.services, desk.ruleset, metrics=metrics)) as server:
        yield server, metrics


def scrape(server: LiveServer) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    reply = server.request("/metrics")
    assert reply.status == 200
    assert reply.header("content-type").startswith("text/plain; version=")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def test_metrics_report_the_archive_scans_feed_builds_and_requests(
    metered: tuple[LiveServer, Metrics],
) -> None:
    server, _ = metered
    server.request("/")
    server.request("/nope")
    samples = scrape(server)
    assert samples["watcher_database_up"][()] == 1
    assert samples["watcher_archive_articles"][()] == 4
    assert samples["watcher_archive_hits"][()] == 6
    assert samples["watcher_archive_ingest_errors"][()] == 0
    assert samples["watcher_last_scan_timestamp_seconds"][()] == T1.timestamp()
    assert samples["watcher_last_scan_duration_seconds"][()] >= 0
    assert samples["watcher_scan_duration_seconds_count"][()] == 1
    for counter in ("articles_ingested", "hits_recorded"):
        assert samples[f"watcher_{counter}_total"][()] == 0  # the scan found nothing new
    assert samples["watcher_scans_total"][(("outcome", "ok"),)] == 1
    assert samples["watcher_feed_builds_total"][(("kind", "full"),)] == 1
    assert samples["watcher_feed_files_written_total"][()] == 0  # the desk had built them
    assert samples["watcher_http_requests_total"][(("status", "200"),)] >= 1
    assert samples["watcher_http_requests_total"][(("status", "404"),)] == 1


def test_observe_scan_counts_and_the_global_registry_stays_clean(
    metered: tuple[LiveServer, Metrics],
) -> None:
    server, metrics = metered
    metrics.observe_scan(summary(new=3, changed=1, errors=2, hits=5, seconds=1.5))
    samples = scrape(server)
    assert samples["watcher_articles_ingested_total"][()] == 4
    assert samples["watcher_hits_recorded_total"][()] == 5
    assert samples["watcher_scans_total"][(("outcome", "ok"),)] == 2
    assert samples["watcher_scan_duration_seconds_count"][()] == 2
    assert prometheus_client.REGISTRY.get_sample_value("watcher_hits_recorded_total") is None


def summary(**values: float) -> ScanSummary:
    zeros: dict[str, float] = {field.name: 0 for field in dataclasses.fields(ScanSummary)}
    return ScanSummary(**{**zeros, **values})
