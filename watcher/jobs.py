"""The units of work, as plain functions of the services: `watcher scan`, `watcher digest`
and the daemon call the same ones."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from watcher.digest.deliver import transport_for
from watcher.digest.model import Links, RuleInfo
from watcher.digest.send import Outbox
from watcher.feeds import build_since
from watcher.matching import prepare_matching
from watcher.rules import RuleSet
from watcher.scan import Progress, run_scan
from watcher.services import Services
from watcher.store.digests import sync_subscribers
from watcher.store.retention import PruneReport, prune
from watcher.store.scans import ScanSummary

log = logging.getLogger(__name__)


def scan_job(
    services: Services, ruleset: RuleSet, *, base_url: str, progress: Progress | None = None
) -> ScanSummary:
    """One scan: sync rules (running due backfills) and subscribers, archive and match what
    is new, then rebuild the feeds its hits touch (feed links start with `base_url`).

    Subscribers are synced first: a hit recorded from now on is theirs, none before.
    """
    started = services.clock()
    with services.sessions.begin() as session:
        sync_subscribers(session, [s.key for s in ruleset.subscribers], started)
    recorder = prepare_matching(services.sessions, ruleset, started)
    summary = run_scan(
        services.sessions,
        services.scan_settings,
        clock=services.clock,
        record_hits=recorder,
        progress=progress,
    )
    # The feeds that the hits recorded since `started` touch (none: no file is rewritten).
    build_since(services.sessions, services.config.feeds, ruleset, started, base_url=base_url)
    return summary


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


def retention_job(services: Services, *, now: datetime | None = None) -> PruneReport | None:
    """Prune what was recorded more than `retention` before `now` (the clock's, by default);
    None, touching nothing, when retention is off."""
    period = services.config.retention
    if period is None:
        return None
    cutoff = (services.clock() if now is None else now) - period
    report = prune(services.sessions, cutoff=cutoff)
    log.info(
        "retention: pruned %d hits, %d versions, %d articles recorded before %s",
        report.hits,
        report.versions,
        report.articles,
        f"{cutoff.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC",
    )
    return report
