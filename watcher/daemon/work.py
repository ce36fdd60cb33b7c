"""The daemon's jobs: `watcher.jobs` called on the state in force, each failure logged as one
line (a traceback only for the unexpected) and never allowed to stop the next run."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from watcher.daemon.current import Current, loaded
from watcher.daemon.reload import changes, keep_restart_settings, read_files
from watcher.errors import WatcherError
from watcher.feeds import build_all
from watcher.jobs import (
    alerts_job,
    channels_job,
    digest_job,
    poll_job,
    retention_job,
    retry_job,
    scan_unless_busy,
)
from watcher.matching import Matchers
from watcher.metrics import Metrics
from watcher.store.daemons import Heartbeat, beat, forget
from watcher.store.scans import ScanSummary

if TYPE_CHECKING:
    from watcher.sources.poll import PollReport

log = logging.getLogger(__name__)

HEARTBEAT_S = 10.0


class Work:
    """The jobs the scheduler runs, bound to the daemon's state."""

    def __init__(
        self,
        current: Current,
        *,
        config_path: Path,
        served_url: str,
        environ: Mapping[str, str],
        metrics: Metrics,
        stopping: threading.Event,
    ) -> None:
        self.current = current
        self.config_path = config_path
        self.served_url = served_url  # feed links when feeds.base_url is not set
        self.environ = environ
        self.metrics = metrics
        self.stopping = stopping
        self.instance = f"{socket.gethostname()}:{os.getpid()}"
        self.started_at = current.state.services.clock()
        self._scan_lock = threading.Lock()  # the interval and the event scans take turns
        self._alerts_lock = threading.Lock()  # the sweep and the after-scan runs take turns
        self.matchers = Matchers(current.state.services.sessions)  # for sources, per rule set
        self.on_reloaded: Callable[[], None] = lambda: None  # the scheduler re-registers jobs

    def scan(self) -> ScanSummary | None:
        """One scan, after the one running in this process (if any) has finished."""
        with self._scan_lock:
            state = self.current.state
            try:
                summary = scan_unless_busy(
                    state.services,
                    state.ruleset,
                    base_url=state.base_url,
                    metrics=self.metrics,
                    stop=self.stopping.is_set,
                )
            except WatcherError as error:
                self.metrics.scans.labels("failed").inc()
                log.error("scan failed: %s", error)
                return None
        if summary is not None:
            log.info(
                "scan: %d new, %d changed, %d waiting, %d errors, %d hits in %.2fs",
                summary.new,
                summary.changed,
                summary.waiting,
                summary.errors,
                summary.hits,
                summary.seconds,
            )
        return summary

    def source(self, name: str) -> PollReport | None:
        """Poll the feed source `name` (if still configured), unless another process is."""
        state = self.current.state
        source = next((s for s in state.config.sources if s.name == name), None)
        if source is None:
            return None
        report = poll_job(
            state.services,
            state.ruleset,
            source,
            matchers=self.matchers,
            base_url=state.base_url,
            wait=False,
            metrics=self.metrics,
            stop=self.stopping.is_set,
        )
        if report is None:
            return None
        if report.error is not None:
            retry = report.next_fetch_at
            when = "" if retry is None else f"; next try {retry.isoformat(timespec='seconds')}"
            log.warning("source %s%s", report.line(), when)
        elif report.fresh or report.notes:
            log.info("source %s", report.line())
        else:
            log.debug("source %s", report.line())
        return report

    def digest(self, key: str) -> None:
        """The scheduled digest of the subscriber whose key is `key` (if still subscribed)."""
        state = self.current.state
        subscriber = next((s for s in state.ruleset.subscribers if s.key == key), None)
        if subscriber is None:
            return
        results = digest_job(state.outbox, state.services, subscriber, metrics=self.metrics)
        if not results:
            log.info("digest for %s: nothing new", subscriber.address)

    def alerts(self) -> None:
        """What is due now for every channel and `deliver: immediate` subscriber: new alerts,
        summaries whose time has come, retries whose backoff is over."""
        with self._alerts_lock:
            state = self.current.state
            channels_job(
                state.channel_outbox, state.services, state.ruleset.channels, metrics=self.metrics
            )
            alerts_job(
                state.outbox, state.services, state.ruleset.subscribers, metrics=self.metrics
            )

    def channel(self, name: str) -> None:
        """One channel's turn (its schedule or its quiet hours' end came)."""
        with self._alerts_lock:
            state = self.current.state
            channels = [c for c in state.ruleset.channels if c.name == name]
            channels_job(state.channel_outbox, state.services, channels, metrics=self.metrics)

    def retries(self) -> None:
        state = self.current.state
        retry_job(state.outbox, state.services, metrics=self.metrics)

    def retention(self) -> None:
        """Prune what `retention` says is old; the feeds then drop what was pruned."""
        state = self.current.state
        ruleset = state.ruleset
        report = retention_job(
            state.services, subscribers=ruleset.subscribers, channels=ruleset.channels
        )
        if report is not None and (report.hits or report.articles):
            config = state.config
            build_all(
                state.services.sessions,
                config.feeds,
                state.ruleset,
                base_url=state.base_url,
                metrics=self.metrics,
            )

    def heartbeat(self, next_runs: Mapping[str, datetime]) -> None:
        state = self.current.state
        services = state.services
        host, _, pid = self.instance.rpartition(":")
        heartbeat = Heartbeat(
            instance=self.instance,
            host=host,
            pid=int(pid),
            started_at=self.started_at,
            beat_at=services.clock(),
            beat_every_s=HEARTBEAT_S,
            next_runs={
                job: moment.isoformat(timespec="seconds") for job, moment in next_runs.items()
            },
            reload_error=self.current.reload_error,
        )
        with services.sessions.begin() as session:
            beat(session, heartbeat)

    def forget(self) -> None:
        """A clean stop: this daemon's heartbeat goes."""
        with self.current.state.services.sessions.begin() as session:
            forget(session, self.instance)

    def reload(self) -> bool:
        """Read the config and rule files again; swap them in if they are valid. False (and
        the previous state kept) when they are not."""
        state = self.current.state
        try:
            config, ruleset = read_files(self.config_path, self.environ)
        except WatcherError as error:
            self.current.reload_error = str(error)
            for line in str(error).splitlines():
                log.error("reload failed, the previous rules stay in force: %s", line)
            return False
        found = changes(state.config, config, state.ruleset, ruleset)
        for name in found.restart:
            log.warning("reload: %s changed; it takes effect after a restart", name)
        config = keep_restart_settings(state.config, config)
        services = state.services.with_config(config)
        base_url = config.feeds.base_url or self.served_url
        self.current.swap(loaded(services, ruleset, self.environ, base_url=base_url))
        log.info(
            "reload: %d rules, %d subscribers, %d channels in force",
            len(ruleset.rules),
            len(ruleset.subscribers),
            len(ruleset.channels),
        )
        if found.feeds or found.rules:
            build_all(
                services.sessions, config.feeds, ruleset, base_url=base_url, metrics=self.metrics
            )
        self.on_reloaded()
        return True
