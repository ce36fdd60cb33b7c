"""APScheduler 3.x wiring: which job runs when. The jobs themselves are `Work`'s methods.

- `scan`: every `scan.interval`, the first at start; coalesced, one at a time.
- `scan-soon`: a file changed (or is still settling): a scan once it has settled, debounced.
- `digest:ADDRESS`: each subscriber's schedule in its own time zone; a send time missed
  while the daemon was down is caught up at start.
- `alerts`: push channels and `deliver: immediate` subscribers, every ALERTS_EVERY and at
  once after every scan that recorded hits: new alerts, summaries whose time has come
  (quiet hours over, the hourly limit's hour past, a missed schedule), retries.
- `channel:NAME`, `quiet:NAME`: a channel's schedule, and the end of its quiet hours, in
  its time zone.
- `retries`: digests whose backoff is over, every minute.
- `retention`: pruning, hourly (its own period decides what goes).
- `source:NAME`: each feed source, at the next fetch its state says (its interval, or the
  backoff after a failure); registered again after each poll and on reload. Polls run on
  their own threads, so a slow site never holds up a scan or a digest.
- `heartbeat`: every few seconds, with the next run of each job.
- `reload`: a rule or config file changed, debounced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from watcher.daemon.work import HEARTBEAT_S, Work
from watcher.errors import WatcherError
from watcher.schedule import previous_time
from watcher.sources.health import FIRST_RETRY
from watcher.sources.settings import SourceConfig
from watcher.store.db import database_reason
from watcher.store.digest_history import digest_history
from watcher.store.sources import SourceState, load_states

log = logging.getLogger(__name__)

# Events come in bursts (a file written in pieces, a folder copied): wait this much after
# the last one (beyond scan.settle) before scanning.
DEBOUNCE = timedelta(seconds=0.5)
RETRY_EVERY = timedelta(minutes=1)
# Alerts are sent at once after a scan; this sweep catches what a `watcher scan` run beside
# the daemon recorded, and what waited for an hour to pass.
ALERTS_EVERY = timedelta(seconds=30)
RETENTION_EVERY = timedelta(hours=1)
RETENTION_FIRST = timedelta(minutes=1)  # after the start's scan and catch-ups
MISFIRE_GRACE_S = 3600  # a job late by less than this (a busy machine, a long scan) still runs
DIGEST_PREFIX = "digest:"
CHANNEL_PREFIXES = ("channel:", "quiet:")
SOURCE_PREFIX = "source:"
JOB_THREADS = 10
POLL_THREADS = 4  # feed polls at once; the other jobs keep their own threads


def guarded(name: str, job: Callable[..., object]) -> Callable[..., None]:
    """The job's outer loop: an expected failure is one log line, anything else is logged
    with its traceback; neither stops the next run."""

    def run(*args: object) -> None:
        try:
            job(*args)
        except SQLAlchemyError as error:
            log.error(
                "%s: the database did not answer (%s); the next run tries again",
                name,
                database_reason(error),
            )
        except WatcherError as error:
            log.error("%s failed: %s", name, error)
        except Exception:  # the job's outer loop: log it, keep the daemon alive
            log.exception("%s failed unexpectedly; the next run tries again", name)

    return run


class Schedule:
    """The scheduler and the jobs of one daemon."""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={
                "default": ThreadPoolExecutor(JOB_THREADS),
                "sources": ThreadPoolExecutor(POLL_THREADS),
            },
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": MISFIRE_GRACE_S,
            },
        )
        work.on_reloaded = self.reloaded

    def now(self) -> datetime:
        return self.work.current.state.services.clock()

    def start(self) -> None:
        config = self.work.current.state.config
        self.scheduler.add_job(
            guarded("scan", self.scan),
            IntervalTrigger(seconds=config.scan.interval.total_seconds(), timezone=UTC),
            id="scan",
            next_run_time=self.now(),
        )
        self.scheduler.add_job(
            guarded("digest retries", self.work.retries),
            IntervalTrigger(seconds=RETRY_EVERY.total_seconds(), timezone=UTC),
            id="retries",
        )
        self.scheduler.add_job(
            guarded("alerts", self.work.alerts),
            IntervalTrigger(seconds=ALERTS_EVERY.total_seconds(), timezone=UTC),
            id="alerts",
            next_run_time=self.now(),
        )
        # Registered whether or not retention is set: a reload may turn it on (or off).
        self.scheduler.add_job(
            guarded("retention", self.work.retention),
            IntervalTrigger(seconds=RETENTION_EVERY.total_seconds(), timezone=UTC),
            id="retention",
            next_run_time=self.now() + RETENTION_FIRST,
        )
        self.scheduler.add_job(
            guarded("heartbeat", self.beat),
            IntervalTrigger(seconds=HEARTBEAT_S, timezone=UTC),
            id="heartbeat",
            next_run_time=self.now(),
        )
        self._digests(catch_up=True)
        self._channels()
        self._sources()
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=False)

    def scan(self) -> None:
        summary = self.work.scan()
        if summary is not None and summary.hits:
            # Its own job, so a slow channel never holds the next scan back.
            self.scheduler.add_job(guarded("alerts", self.work.alerts), "date", run_date=self.now())
        if summary is not None and summary.waiting and not self.work.stopping.is_set():
            self.scan_soon()  # files still settling: read them once they have

    def scan_soon(self) -> None:
        """A scan once a file that just changed has settled; later events push it back."""
        settle = self.work.current.state.config.scan.settle
        self._once("scan-soon", guarded("scan", self.scan), self.now() + settle + DEBOUNCE)

    def reload_soon(self) -> None:
        self._once("reload", guarded("reload", self.work.reload), self.now() + DEBOUNCE)

    def reloaded(self) -> None:
        """After a good reload: the interval, the digest schedules, and a scan now (new rules
        are synced and backfilled, their feeds written)."""
        interval = self.work.current.state.config.scan.interval.total_seconds()
        self.scheduler.reschedule_job(
            "scan", trigger=IntervalTrigger(seconds=interval, timezone=UTC)
        )
        self._digests(catch_up=False)
        self._channels()
        self._sources()
        self._once("scan-soon", guarded("scan", self.scan), self.now())

    def _once(self, job_id: str, job: Callable[[], None], when: datetime) -> None:
        """`job` once at `when`, replacing the one of that id still to come (a debounce)."""
        self.scheduler.add_job(job, "date", run_date=when, id=job_id, replace_existing=True)

    def poll(self, name: str) -> None:
        """Poll a source, then register its next poll at the time its state says."""
        try:
            guarded(f"source {name}", self.work.source)(name)
        finally:
            if not self.work.stopping.is_set():
                self._sources([name], polled=True)

    def _sources(self, names: list[str] | None = None, *, polled: bool = False) -> None:
        """A job per configured source (those of `names`, when given), at its next fetch: the
        one its state records, or now for a source never fetched or moved to a new URL; a
        job whose source is gone goes too. Just `polled`, a source waits at least a minute
        whatever its state says (a poll that could not record its outcome must not loop)."""
        sources = {s.name: s for s in self.work.current.state.config.sources}
        if names is None:
            for job in self.scheduler.get_jobs():
                if job.id.startswith(SOURCE_PREFIX) and job.id[len(SOURCE_PREFIX) :] not in sources:
                    job.remove()
        chosen = [sources[name] for name in (names or sources) if name in sources]
        if not chosen:
            return
        states = self._source_states([s.name for s in chosen])
        now = self.now()
        for source in chosen:
            self.scheduler.add_job(
                self.poll,
                "date",
                run_date=_next_poll(source, states, now, polled=polled),
                args=[source.name],
                id=SOURCE_PREFIX + source.name,
                replace_existing=True,
                executor="sources",
            )

    def _source_states(self, names: list[str]) -> dict[str, SourceState] | None:
        """The recorded states; None when the database does not answer."""
        try:
            with self.work.current.state.services.sessions() as session:
                return load_states(session, names)
        except SQLAlchemyError as error:
            log.error(
                "sources: the database did not answer (%s); polls wait a minute",
                database_reason(error),
            )
            return None

    def beat(self) -> None:
        jobs = {job.id: job.next_run_time for job in self.scheduler.get_jobs() if job.next_run_time}
        self.work.heartbeat(jobs)

    def _digests(self, *, catch_up: bool) -> None:
        """One job per subscriber on its schedule; with `catch_up`, a send time missed while
        no daemon ran (none since the last digest) runs now."""
        state = self.work.current.state
        wanted = {DIGEST_PREFIX + s.key: s for s in state.ruleset.subscribers if not s.immediate}
        for job in self.scheduler.get_jobs():
            if job.id.startswith(DIGEST_PREFIX) and job.id not in wanted:
                job.remove()
        missed = _missed(self, wanted) if catch_up else set()
        for job_id, subscriber in wanted.items():
            options: dict[str, Any] = {"next_run_time": self.now()} if job_id in missed else {}
            self.scheduler.add_job(
                guarded(f"digest for {subscriber.address}", self.work.digest),
                subscriber.schedule.trigger(subscriber.zone),
                args=[subscriber.key],
                id=job_id,
                replace_existing=True,
                **options,
            )

    def _channels(self) -> None:
        """A job at each channel's send times and at the end of its quiet hours."""
        wanted: dict[str, tuple[str, Any]] = {}
        for channel in self.work.current.state.ruleset.channels:
            if channel.schedule is not None:
                trigger = channel.schedule.trigger(channel.zone)
                wanted[f"channel:{channel.name}"] = (channel.name, trigger)
            if channel.quiet is not None:
                end = channel.quiet.end
                trigger = CronTrigger(hour=end.hour, minute=end.minute, timezone=channel.zone)
                wanted[f"quiet:{channel.name}"] = (channel.name, trigger)
        for job in self.scheduler.get_jobs():
            if job.id.startswith(CHANNEL_PREFIXES) and job.id not in wanted:
                job.remove()
        for job_id, (name, trigger) in wanted.items():
            self.scheduler.add_job(
                guarded(f"channel {name}", self.work.channel),
                trigger,
                args=[name],
                id=job_id,
                replace_existing=True,
            )


def _missed(schedule: Schedule, wanted: dict[str, Any]) -> set[str]:
    now = schedule.now()
    services = schedule.work.current.state.services
    with services.sessions() as session:
        history = digest_history(session, [s.key for s in wanted.values()])
    missed = set()
    for job_id, subscriber in wanted.items():
        due = previous_time(subscriber.schedule, now, subscriber.zone)
        known = history.get(subscriber.key)
        if due is not None and known is not None and known.missed(due):
            log.info("digest for %s: missed at %s; sending now", subscriber.address, due)
            missed.add(job_id)
    return missed


def _next_poll(
    source: SourceConfig, states: dict[str, SourceState] | None, now: datetime, *, polled: bool
) -> datetime:
    """When to poll `source`: its recorded next fetch (now, if never fetched or moved), not
    later than its interval for a healthy one (the interval may have been shortened), and
    after a minute at least when it was just `polled`."""
    earliest = now + FIRST_RETRY if polled else now
    state = None if states is None else states.get(source.name)
    if states is None or state is None or state.next_fetch_at is None:
        return earliest if states is None or polled else now
    if state.url != source.url:
        return earliest
    due = state.next_fetch_at
    if state.failures == 0:
        due = min(due, now + source.interval)
    return max(due, earliest)
