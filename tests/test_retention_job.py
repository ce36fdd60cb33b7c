"""retention_job, as the daemon runs it: on the services' clock, and only when retention is set."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from store.aged import NOW, OLD, RECENT, RETENTION, counts, hits_of, tripoli, weather
from support import FixedClock
from web.desk import Desk, open_desk

from watcher.jobs import retention_job
from watcher.services import Services
from watcher.store.digests import sync_subscribers
from watcher.store.retention import PruneReport


@pytest.fixture
def desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    with open_desk(tmp_path / "project", database_url) as opened:
        yield opened


def with_retention(desk: Desk, period: timedelta | None, clock: FixedClock) -> Services:
    """The desk's services with `retention: period` and a clock the test holds."""
    config = desk.config.model_copy(update={"retention": period})
    return dataclasses.replace(desk.services, config=config, clock=clock)


def test_the_job_prunes_before_the_clock_less_the_retention_and_says_so(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    desk.ingest([tripoli(1), weather(1)], OLD)
    desk.ingest([tripoli(2)], RECENT)
    clock = FixedClock(NOW)
    keeping = with_retention(desk, RETENTION, clock)
    with caplog.at_level(logging.INFO, logger="watcher.jobs"):
        report = retention_job(keeping)
    assert report == PruneReport(hits=1, versions=2, articles=2)
    assert caplog.messages == [
        "retention: pruned 1 hits, 2 versions, 2 articles recorded before 2026-03-11 12:00:00 UTC"
    ]
    assert hits_of(desk) == ["libya: Day 2: clashes in Tripoli"]


def test_the_job_takes_an_explicit_now(desk: Desk) -> None:
    desk.ingest([tripoli(1)], OLD)
    keeping = with_retention(desk, RETENTION, FixedClock(NOW))
    assert retention_job(keeping, now=OLD + RETENTION) == PruneReport()
    assert retention_job(keeping, now=NOW) == PruneReport(1, 1, 1)


def test_the_job_does_nothing_when_retention_is_off(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    desk.ingest([tripoli(1), weather(1)], OLD)
    before = counts(desk)
    keeping_all = with_retention(desk, None, FixedClock(NOW + timedelta(days=10_000)))
    with caplog.at_level(logging.DEBUG, logger="watcher"):
        assert retention_job(keeping_all) is None
    assert counts(desk) == before
    assert caplog.messages == []


def test_hits_a_subscriber_may_still_be_waiting_for_are_kept(desk: Desk) -> None:
    ruleset = desk.with_rules(
        desk.root.joinpath("config", "rules.yaml").read_text(encoding="utf-8")
        + "subscribers:\n  - email: weekly@example.org\n    rules: [libya]\n"
        "    schedule: weekly mon 07:00\n"
    )
    with desk.services.sessions.begin() as session:
        sync_subscribers(session, ["weekly@example.org"], OLD - timedelta(days=1))
    desk.ingest([tripoli(1)], OLD)
    keeping = with_retention(desk, RETENTION, FixedClock(NOW))
    # no digest yet: the old hit may still be waiting for it
    assert retention_job(keeping, subscribers=ruleset.subscribers) == PruneReport()
    assert hits_of(desk) == ["libya: Day 1: clashes in Tripoli"]
    assert retention_job(keeping) == PruneReport(1, 1, 1)  # no subscriber to wait for
