"""Build feed files from the database: every feed, or only those new hits touch.

The imperative shell around plan (which feeds), store.feeds (their entries), render (bytes)
and files (atomic write if changed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from watcher.config import FeedsConfig
from watcher.feeds.files import missing, remove_stale, write_if_changed
from watcher.feeds.plan import OPML_NAME, FeedSpec, Site, plan_feeds, site_of, touched
from watcher.feeds.render import render_feed, render_opml
from watcher.metrics import Metrics
from watcher.rules import RuleSet
from watcher.store.feeds import feed_items, known_rules, rules_hit_since

log = logging.getLogger(__name__)


@dataclass(slots=True)
class BuildReport:
    """What a build did: files rewritten and removed (paths under feeds.dir), files unchanged."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "written": self.written,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "seconds": self.seconds,
        }


def build_all(
    sessions: sessionmaker[Session],
    feeds: FeedsConfig,
    ruleset: RuleSet,
    *,
    base_url: str | None = None,
    metrics: Metrics | None = None,
) -> BuildReport:
    """Rebuild every feed and the OPML; delete the files of rules and tags that are gone.

    Links start with `base_url` (see watcher.feeds.address), by default feeds.base_url."""
    started = time.perf_counter()
    specs = plan_feeds(ruleset)
    report = _build(sessions, feeds, _site(ruleset, feeds, base_url), specs, specs)
    report.removed = remove_stale(feeds.dir, {spec.stem for spec in specs})
    return _finish(report, started, "full", metrics)


def build_since(
    sessions: sessionmaker[Session],
    feeds: FeedsConfig,
    ruleset: RuleSet,
    since: datetime,
    *,
    base_url: str | None = None,
    metrics: Metrics | None = None,
) -> BuildReport:
    """After a scan: rebuild the feeds of the rules hit at or after `since` (their tags, `all`),
    and write any feed whose file is missing (a new rule); the others are left alone."""
    started = time.perf_counter()
    specs = plan_feeds(ruleset)
    with sessions() as session:
        hit = rules_hit_since(session, since)
    chosen = {spec.stem: spec for spec in touched(specs, hit)}
    chosen.update({spec.stem: spec for spec in specs if missing(feeds.dir, spec.stem)})
    site = _site(ruleset, feeds, base_url)
    report = _build(sessions, feeds, site, specs, list(chosen.values()))
    return _finish(report, started, "incremental", metrics)


def _site(ruleset: RuleSet, feeds: FeedsConfig, base_url: str | None) -> Site:
    url = base_url or feeds.base_url
    if url is None:
        raise ValueError("feeds.base_url is not set: pass the base_url that links start with")
    return site_of(ruleset, url)


def _build(
    sessions: sessionmaker[Session],
    feeds: FeedsConfig,
    site: Site,
    specs: Sequence[FeedSpec],
    chosen: Sequence[FeedSpec],
) -> BuildReport:
    report = BuildReport()
    with sessions() as session:
        known = known_rules(session)
        every_id = set(known.values())
        for spec in chosen:
            rules = {known[name]: name for name in spec.rules if name in known}
            items = feed_items(session, rules, every_id, feeds.max_entries)
            for suffix, data in render_feed(spec, items, site).items():
                _write(feeds, f"{spec.stem}{suffix}", data, report)
    _write(feeds, OPML_NAME, render_opml(specs, site), report)
    return report


def _write(feeds: FeedsConfig, name: str, data: bytes, report: BuildReport) -> None:
    if write_if_changed(feeds.dir / name, data):
        report.written.append(name)
    else:
        report.unchanged += 1


def _finish(report: BuildReport, started: float, kind: str, metrics: Metrics | None) -> BuildReport:
    report.seconds = round(time.perf_counter() - started, 3)
    if metrics is not None:
        metrics.feed_builds.labels(kind).inc()
        metrics.feed_files_written.inc(len(report.written))
    log.info(
        "feeds (%s): %d written, %d unchanged, %d removed in %.2fs",
        kind,
        len(report.written),
        report.unchanged,
        len(report.removed),
        report.seconds,
    )
    return report
