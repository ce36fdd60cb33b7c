"""The units of work, as plain functions of the services: `watcher scan`, `watcher digest`
and the daemon call the same ones. Each runs under a lock of its kind (`store.locks`), so
that a `watcher scan` and the daemon's, or two daemons on one PostgreSQL database, never
run the same job at once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from watcher.channels import APPRISE, Channel
from watcher.collector import rarer_collections
from watcher.digest.deliver import transport_for
from watcher.digest.model import Links, RuleInfo
from watcher.digest.send import Outbox, SendResult, retry_due, send_now
from watcher.feeds import build_since
from watcher.ingest import archive
from watcher.matching import Matchers, prepare
from watcher.metrics import Metrics
from watcher.model import Article, Progress
from watcher.notify.send import ChannelOutbox, ChannelReport, send_channel
from watcher.rules import RuleSet
from watcher.scan import run_scan
from watcher.services import Services
from watcher.sources.settings import FetchConfig, SourceConfig
from watcher.store.articles import Located, identities
from watcher.store.digest_history import digest_history
from watcher.store.hits import ArticleHit, hits_of_articles
from watcher.store.locks import job_lock
from watcher.store.retention import PruneReport, prune
from watcher.store.scans import ScanSummary
from watcher.subscribers import Subscriber

if TYPE_CHECKING:
    from watcher.sources.fetch import Limits
    from watcher.sources.poll import PollReport

log = logging.getLogger(__name__)


def scan_job(
    services: Services,
    ruleset: RuleSet,
    *,
    base_url: str,
    progress: Progress | None = None,
    feeds_progress: Progress | None = None,
    metrics: Metrics | None = None,
) -> ScanSummary:
    """One scan (see `_scan`), after any scan running elsewhere (a daemon's) has finished.
    `progress` counts the files read, `feeds_progress` the feeds then written."""
    with job_lock(services.engine, "scan", wait=True):
        return _scan(
            services,
            ruleset,
            base_url=base_url,
            progress=progress,
            feeds_progress=feeds_progress,
            metrics=metrics,
        )


def scan_unless_busy(
    services: Services,
    ruleset: RuleSet,
    *,
    base_url: str,
    metrics: Metrics | None = None,
    stop: Callable[[], bool] | None = None,
) -> ScanSummary | None:
    """One scan, or None at once when another is running (`watcher scan`, another daemon):
    the daemon's scans, which come again soon anyway. `stop` is asked between batches."""
    with job_lock(services.engine, "scan", wait=False) as held:
        if held:
            return _scan(services, ruleset, base_url=base_url, metrics=metrics, stop=stop)
    log.info("scan: skipped, another scan is running")
    if metrics is not None:
        metrics.scans.labels("skipped").inc()
    return None


def _scan(
    services: Services,
    ruleset: RuleSet,
    *,
    base_url: str,
    progress: Progress | None = None,
    feeds_progress: Progress | None = None,
    metrics: Metrics | None = None,
    stop: Callable[[], bool] | None = None,
) -> ScanSummary:
    """Sync rules (running due backfills) and subscribers, archive and match what is new,
    then rebuild the feeds its hits touch (feed links start with `base_url`).

    Subscribers are synced first: a hit recorded from now on is theirs, none before.
    """
    started = services.clock()
    with rarer_collections():
        recorder = prepare(services.sessions, ruleset, started)
        summary = run_scan(
            services.sessions,
            services.scan_settings,
            clock=services.clock,
            record_hits=recorder,
            rules=recorder.rules,
            progress=progress,
            stop=stop,
        )
        publish(
            services, ruleset, started, base_url=base_url, metrics=metrics, progress=feeds_progress
        )
    if metrics is not None:
        metrics.observe_scan(summary)
    return summary


def publish(
    services: Services,
    ruleset: RuleSet,
    since: datetime,
    *,
    base_url: str,
    metrics: Metrics | None = None,
    progress: Progress | None = None,
) -> None:
    """Rebuild the feeds that the hits recorded since `since` touch (none: no file is
    rewritten). One build at a time: a build reads what is committed and writes it, so two
    at once could end with the older picture written last."""
    with job_lock(services.engine, "feeds", wait=True):
        feeds = services.config.feeds
        build_since(
            services.sessions,
            feeds,
            ruleset,
            since,
            base_url=base_url,
            metrics=metrics,
            clock=services.clock,
            progress=progress,
        )


def limits(fetch: FetchConfig) -> Limits:
    from watcher.sources.fetch import Limits  # noqa: PLC0415 - see poll_job

    return Limits(fetch.timeout.total_seconds(), fetch.max_size, fetch.max_redirects)


def poll_job(
    services: Services,
    ruleset: RuleSet,
    source: SourceConfig,
    *,
    matchers: Matchers,
    base_url: str,
    wait: bool,
    metrics: Metrics | None = None,
    stop: Callable[[], bool] | None = None,
) -> PollReport | None:
    """Poll one feed source now (whatever its backoff), archive and match what is new, rebuild
    the feeds its hits touch. With `wait=False`, None at once while another process polls it."""
    # httpx and feedparser cost half a second to import: paid only where sources are polled.
    from watcher.sources.fetch import client  # noqa: PLC0415
    from watcher.sources.poll import poll_source  # noqa: PLC0415

    with job_lock(services.engine, f"source-{source.name}", wait=wait) as held:
        if not held:
            log.info("source %s: skipped, another process is polling it", source.name)
            return None
        started = services.clock()
        recorder = matchers.recorder(ruleset, started)
        fetch_limits = limits(services.config.fetch)
        with client(fetch_limits) as http:
            report = poll_source(
                services.sessions,
                source,
                http,
                fetch_limits,
                clock=services.clock,
                record_hits=recorder,
                stop=stop or (lambda: False),
            )
    if report.hits:
        publish(services, ruleset, started, base_url=base_url, metrics=metrics)
    if metrics is not None:
        metrics.observe_poll(report)
    return report


@dataclass(frozen=True, slots=True)
class Posted:
    """An article posted to the API, as archived: its uid, what it was, its hits."""

    uid: str
    state: str  # new, changed (a new version), unchanged, duplicate (known from elsewhere)
    hits: list[ArticleHit]


def intake_job(
    services: Services,
    ruleset: RuleSet,
    articles: Sequence[Article],
    *,
    matchers: Matchers,
    base_url: str,
    metrics: Metrics | None = None,
) -> list[Posted]:
    """Archive articles posted to the API, match them at once, rebuild the feeds their hits
    touch; what each one is now, in order. Posting the same again changes nothing.

    An article is at `api:URL` when it has a url (so new content there is a new version of
    it, as for a file), else at `api:` and its content hash."""
    now = services.clock()
    recorder = matchers.recorder(ruleset, now)
    taken: dict[str, int] = {}
    batch = []
    for article in articles:
        path = f"api:{article.url}" if article.url else f"api:{article.content_hash()}"
        taken[path] = taken.get(path, -1) + 1  # the same url twice in a batch: two items
        batch.append(Located(path, taken[path], article))
    with services.sessions.begin() as session:
        archived = archive(session, batch, now, recorder)
        found = identities(session, [located.content_hash() for located in batch])
        hits = hits_of_articles(session, {identity.article_id for identity in found.values()})
    if archived.hits:
        publish(services, ruleset, now, base_url=base_url, metrics=metrics)
    posted = []
    for located, state in zip(batch, archived.outcome.states, strict=True):
        identity = found[located.content_hash()]
        posted.append(Posted(identity.uid, state, hits.get(identity.article_id, [])))
        if metrics is not None:
            metrics.api_articles.labels(state).inc()
    if metrics is not None:
        outcome = archived.outcome
        metrics.articles_ingested.inc(outcome.new + outcome.changed)
        metrics.hits_recorded.inc(archived.hits)
    return posted


def digest_job(
    outbox: Outbox, services: Services, subscriber: Subscriber, *, metrics: Metrics | None = None
) -> list[SendResult]:
    """A subscriber's scheduled digest: what waits for a retry (backoff respected), then a new
    digest of what is new. Skipped while another process sends this subscriber's digests."""
    with job_lock(services.engine, f"digest:{subscriber.key}", wait=False) as held:
        if not held:
            log.info("digest for %s: skipped, another process is sending it", subscriber.address)
            return []
        results = send_now(outbox, [subscriber])
    _count(results, metrics)
    return results


def retry_job(
    outbox: Outbox, services: Services, *, metrics: Metrics | None = None
) -> list[SendResult]:
    """Send again every digest whose backoff is over."""
    with job_lock(services.engine, "digest-retries", wait=False) as held:
        if not held:
            return []
        results = retry_due(outbox)
    _count(results, metrics)
    return results


def alerts_job(
    outbox: Outbox,
    services: Services,
    subscribers: Sequence[Subscriber],
    *,
    metrics: Metrics | None = None,
) -> list[SendResult]:
    """The `deliver: immediate` subscribers' emails: one per new article, and retries."""
    results: list[SendResult] = []
    for subscriber in subscribers:
        if subscriber.immediate:
            results.extend(digest_job(outbox, services, subscriber, metrics=metrics))
    return results


def channels_job(
    outbox: ChannelOutbox,
    services: Services,
    channels: Sequence[Channel],
    *,
    ignore_backoff: bool = False,
    wait: bool = False,
    metrics: Metrics | None = None,
) -> list[ChannelReport]:
    """Each channel's turn (`notify.send.send_channel`), under a lock of its own: two
    processes never plan one channel's hour at once. A channel another process is serving
    is skipped, unless `wait`."""
    reports = []
    for channel in channels:
        with job_lock(services.engine, f"channel:{channel.name}", wait=wait) as held:
            if not held:
                log.info("channel %s: skipped, another process is serving it", channel.name)
                continue
            report = send_channel(outbox, channel, ignore_backoff=ignore_backoff)
        reports.append(report)
        if metrics is not None:
            for delivery in report.deliveries:
                metrics.channel_deliveries.labels(delivery.kind, delivery.outcome).inc()
    return reports


def channel_outbox_for(services: Services, *, base_url: str) -> ChannelOutbox:
    """The channels' outbox: this database and clock; links start with `base_url`."""
    return ChannelOutbox(sessions=services.sessions, clock=services.clock, links=Links(base_url))


def _count(results: Sequence[SendResult], metrics: Metrics | None) -> None:
    if metrics is not None:
        for result in results:
            metrics.digests.labels(result.outcome).inc()


def outbox_for(
    services: Services, ruleset: RuleSet, environ: Mapping[str, str], *, base_url: str
) -> Outbox:
    """The digest outbox: this database, the configured transport (SMTP, else the Maildir);
    links in digests start with `base_url`."""
    mail = services.config.mail
    return Outbox(
        sessions=services.sessions,
        transport=transport_for(mail, environ),
        clock=services.clock,
        sender=mail.from_address,
        links=Links(base_url),
        rules={rule.name: RuleInfo(rule.name, rule.title) for rule in ruleset.rules},
    )


def retention_job(
    services: Services,
    *,
    now: datetime | None = None,
    subscribers: Sequence[Subscriber] = (),
    channels: Sequence[Channel] = (),
) -> PruneReport | None:
    """Prune what was recorded more than `retention` before `now` (the clock's, by default);
    None, touching nothing, when retention is off or another process prunes.

    Hits a subscriber or channel may still be waiting for stay: nothing recorded since the
    oldest last delivery of `subscribers` and `channels` (or since one appeared, if it has
    had none) is pruned.
    """
    period = services.config.retention
    if period is None:
        return None
    cutoff = (services.clock() if now is None else now) - period
    if subscribers or channels:
        with services.sessions() as session:
            history = digest_history(session, [s.key for s in subscribers])
            pushed = digest_history(session, [c.key for c in channels], channel=APPRISE)
        known = [*history.values(), *pushed.values()]
        waiting = [h.last_digest_at or h.subscribed_at for h in known]
        cutoff = min([cutoff, *waiting])
    with job_lock(services.engine, "retention", wait=False) as held:
        if not held:
            return None
        report = prune(services.sessions, cutoff=cutoff)
    log.info(
        "retention: pruned %d hits, %d versions, %d articles recorded before %s",
        report.hits,
        report.versions,
        report.articles,
        f"{cutoff.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
    )
    return report
