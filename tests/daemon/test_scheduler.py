"""The daemon's schedule, on an injected clock: digest jobs on each subscriber's cron in its
zone across a DST change, and send times missed while no daemon ran caught up at start."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import OperationalError
from support import FixedClock
from web.desk import Desk, open_desk

from watcher.daemon.current import Current, loaded
from watcher.daemon.scheduler import DIGEST_PREFIX, SOURCE_PREFIX, Schedule, guarded
from watcher.daemon.work import Work
from watcher.errors import ConfigError
from watcher.metrics import Metrics
from watcher.sources.settings import SourceConfig
from watcher.store.db import make_engine, make_sessionmaker
from watcher.store.digests import add_digest, sync_subscribers
from watcher.store.sources import SourceState, save_state

ROME = ZoneInfo("Europe/Rome")
# Rome moves its clocks forward at 02:00 on Sunday 29 March 2026.
SUNDAY_8AM = datetime(2026, 3, 29, 8, 0, tzinfo=ROME)
RULES = """\
rules:
  - name: libya
    query: Libya
subscribers:
  - email: early@example.org
    rules: [libya]
    schedule: daily 07:00
    timezone: Europe/Rome
  - email: late@example.org
    rules: [libya]
    schedule: daily 07:00
    timezone: Europe/Rome
  - email: served@example.org
    rules: [libya]
    schedule: daily 07:00
    timezone: Europe/Rome
"""


@pytest.fixture
def schedule(tmp_path: Path, database_url: str) -> Iterator[Schedule]:
    with open_desk(tmp_path / "project", database_url) as desk:
        yield _schedule(desk)


def _schedule(desk: Desk) -> Schedule:
    ruleset = desk.with_rules(RULES)
    clock = FixedClock(SUNDAY_8AM.astimezone(UTC))
    services = dataclasses.replace(desk.services, clock=clock)
    day_before = SUNDAY_8AM - timedelta(days=2)
    with services.sessions.begin() as session:
        known = sync_subscribers(session, ["early@example.org", "served@example.org"], day_before)
        sync_subscribers(session, ["late@example.org"], SUNDAY_8AM - timedelta(minutes=30))
        # served@ got its digest after this morning's send time
        add_digest(
            session,
            known["served@example.org"].id,
            message_id="<d@x>",
            subject="s",
            hit_ids=[],
            now=SUNDAY_8AM - timedelta(minutes=10),
            render=lambda _: b"",
        )
    current = Current(loaded(services, ruleset, {}, base_url="http://x/"))
    work = Work(
        current,
        config_path=desk.root / "config" / "watcher.yaml",
        served_url="http://x/",
        environ={},
        metrics=Metrics.create(CollectorRegistry()),
        stopping=threading.Event(),
    )
    return Schedule(work)


def test_a_missed_send_time_runs_now_and_the_next_follow_the_cron_in_its_zone(
    schedule: Schedule,
) -> None:
    schedule._digests(catch_up=True)
    jobs = {job.id.removeprefix(DIGEST_PREFIX): job for job in schedule.scheduler.get_jobs()}
    assert set(jobs) == {"early@example.org", "late@example.org", "served@example.org"}
    now = schedule.now()
    # early@ existed at 07:00 and got nothing since: caught up now
    assert jobs["early@example.org"].next_run_time == now
    # late@ appeared after 07:00; served@ had its digest after it: both wait for tomorrow
    for key in ("late@example.org", "served@example.org"):
        assert getattr(jobs[key], "next_run_time", None) is None
        tomorrow = jobs[key].trigger.get_next_fire_time(None, now)
        assert tomorrow == datetime(2026, 3, 30, 7, 0, tzinfo=ROME)
        assert tomorrow.utcoffset() == timedelta(hours=2)  # summer time after the change
    yesterday = jobs["early@example.org"].trigger.get_next_fire_time(
        None, datetime(2026, 3, 28, 6, 0, tzinfo=UTC)
    )
    assert yesterday == datetime(2026, 3, 28, 7, 0, tzinfo=ROME)
    assert yesterday.utcoffset() == timedelta(hours=1)  # winter time before it


def test_a_subscriber_gone_from_the_files_loses_its_job(schedule: Schedule) -> None:
    schedule._digests(catch_up=False)
    schedule.scheduler.start(paused=True)  # registered, never run
    try:
        state = schedule.work.current.state
        fewer = dataclasses.replace(state.ruleset, subscribers=state.ruleset.subscribers[:1])
        schedule.work.current.swap(dataclasses.replace(state, ruleset=fewer))
        schedule._digests(catch_up=False)
        jobs = [job.id for job in schedule.scheduler.get_jobs()]
    finally:
        schedule.scheduler.shutdown(wait=False)
    assert jobs == [DIGEST_PREFIX + "early@example.org"]


def test_a_failing_job_is_one_line_when_expected_and_a_traceback_when_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def database_down() -> None:
        raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))

    def bad_config() -> None:
        raise ConfigError("bad")

    def bug() -> None:
        raise RuntimeError("a bug")

    with caplog.at_level(logging.ERROR, logger="watcher.daemon.scheduler"):
        guarded("scan", database_down)()
        guarded("digest for a@example.org", bad_config)()
        guarded("heartbeat", bug)()
    down, config, unexpected = caplog.records
    assert down.getMessage() == (
        "scan: the database did not answer (connection refused); the next run tries again"
    )
    assert down.exc_info is None
    assert config.getMessage() == "digest for a@example.org failed: bad"
    assert config.exc_info is None
    assert unexpected.getMessage() == "heartbeat failed unexpectedly; the next run tries again"
    assert unexpected.exc_info is not None


SOURCES = (
    SourceConfig(name="new", url="https://n.example.org/f"),
    SourceConfig(name="due", url="https://d.example.org/f", interval="10m"),
    SourceConfig(name="moved", url="https://m.example.org/new"),
    SourceConfig(name="failing", url="https://f.example.org/f"),
    SourceConfig(name="shortened", url="https://s.example.org/f", interval="5m"),
)


def with_sources(schedule: Schedule) -> datetime:
    """The schedule's state with SOURCES and their recorded states; the schedule's now."""
    now = schedule.now()
    state = schedule.work.current.state
    config = state.config.model_copy(update={"sources": SOURCES})
    schedule.work.current.swap(
        dataclasses.replace(state, services=state.services.with_config(config))
    )
    recorded = [
        SourceState("due", SOURCES[1].url, next_fetch_at=now + timedelta(minutes=3)),
        SourceState("moved", "https://m.example.org/old", next_fetch_at=now + timedelta(hours=1)),
        SourceState("failing", SOURCES[3].url, failures=9, next_fetch_at=now + timedelta(hours=2)),
        SourceState("shortened", SOURCES[4].url, next_fetch_at=now + timedelta(minutes=55)),
    ]
    with state.services.sessions.begin() as session:
        for source_state in recorded:
            save_state(session, source_state)
    return now


def test_each_source_is_polled_when_its_state_says(schedule: Schedule) -> None:
    now = with_sources(schedule)
    schedule._sources()
    schedule.scheduler.start(paused=True)  # registered, never run
    try:
        jobs = {job.id: job.next_run_time for job in schedule.scheduler.get_jobs()}
        schedule._sources(["new", "due"], polled=True)  # as after polls that recorded nothing
        again = {job.id: job.next_run_time for job in schedule.scheduler.get_jobs()}
        state = schedule.work.current.state
        schedule.work.current.swap(
            dataclasses.replace(
                state,
                services=state.services.with_config(
                    state.config.model_copy(update={"sources": SOURCES[1:2]})
                ),
            )
        )
        schedule._sources()  # a reload: sources gone lose their jobs
        left = [job.id for job in schedule.scheduler.get_jobs()]
    finally:
        schedule.scheduler.shutdown(wait=False)
    assert jobs == {
        SOURCE_PREFIX + "new": now,  # never fetched: at once
        SOURCE_PREFIX + "due": now + timedelta(minutes=3),
        SOURCE_PREFIX + "moved": now,  # a new URL: at once
        SOURCE_PREFIX + "failing": now + timedelta(hours=2),  # its backoff (or Retry-After)
        SOURCE_PREFIX + "shortened": now + timedelta(minutes=5),  # the new, shorter interval
    }
    assert again[SOURCE_PREFIX + "new"] == now + timedelta(minutes=1)  # never a loop
    assert again[SOURCE_PREFIX + "due"] == now + timedelta(minutes=3)
    assert left == [SOURCE_PREFIX + "due"]


def test_sources_on_a_failing_database_are_one_log_line_without_the_sql(
    schedule: Schedule, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with_sources(schedule)
    state = schedule.work.current.state
    empty = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables: every query fails
    services = dataclasses.replace(state.services, engine=empty, sessions=make_sessionmaker(empty))
    schedule.work.current.swap(dataclasses.replace(state, services=services))
    try:
        with caplog.at_level(logging.ERROR, logger="watcher.daemon.scheduler"):
            assert schedule._source_states(["new"]) is None
    finally:
        empty.dispose()
    [record] = caplog.records
    assert record.getMessage() == (
        "sources: the database did not answer (no such table: sources); polls wait a minute"
    )
