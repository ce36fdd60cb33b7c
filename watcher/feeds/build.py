"""Build feed files from the database: every feed, or only those new hits touch.

The imperative shell around plan (which feeds), store.feeds (their entries), render (bytes;
in worker processes for a big build: workers) and files (atomic write if changed). A
watermark in feeds.dir says until when every hit is in the feeds, and how many hits of each
rule since then they hold: an incremental build starts from it, so hits recorded by a scan
that was killed, or whose feeds could not be written, are published by the next one, and
the feeds of hits already published are not read again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from watcher.config import FeedsConfig
from watcher.errors import WatcherError
from watcher.feeds.files import (
    Published,
    missing,
    read_published,
    remove_stale,
    write_if_changed,
    write_published,
)
from watcher.feeds.plan import OPML_NAME, FeedSpec, Site, plan_feeds, site_of, touched
from watcher.feeds.render import render_opml
from watcher.feeds.workers import rendered
from watcher.metrics import Metrics
from watcher.model import Progress, no_progress
from watcher.processes import worker_count
from watcher.rules import RuleSet
from watcher.store.feeds import FeedEntry, feed_entries, hits_since, known_rules

log = logging.getLogger(__name__)

T = TypeVar("T")
WATERMARK_MARGIN = timedelta(seconds=5)
WATERMARK_STEP = timedelta(minutes=10)


class FeedsWriteError(WatcherError):
    """The feed files could not be written (the hits are stored all the same)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


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
    clock: Callable[[], datetime] = utc_now,
    workers: int | None = None,
) -> BuildReport:
    """Rebuild every feed and the OPML; delete the files of rules and tags that are gone.

    Links start with `base_url` (see watcher.feeds.address), by default feeds.base_url.
    `workers`: processes that may render a big build (1: none); by default one per core."""
    started = time.perf_counter()
    specs = plan_feeds(ruleset)
    with sessions() as session:
        record = _record(session, read_published(feeds.dir), clock())
    site = _site(ruleset, feeds, base_url)
    report = _build(sessions, feeds, site, specs, specs, workers=workers)
    report.removed = _writing(feeds.dir, lambda: remove_stale(feeds.dir, {s.stem for s in specs}))
    _writing(feeds.dir, lambda: write_published(feeds.dir, record))
    return _finish(report, started, "full", metrics)


def build_since(
    sessions: sessionmaker[Session],
    feeds: FeedsConfig,
    ruleset: RuleSet,
    since: datetime,
    *,
    base_url: str | None = None,
    metrics: Metrics | None = None,
    clock: Callable[[], datetime] = utc_now,
    progress: Progress | None = None,
    workers: int | None = None,
) -> BuildReport:
    """After a scan: rebuild the feeds of the rules with hits at or after `since` or the
    watermark, whichever is earlier, that the feeds may not hold yet (their tags, `all`), and
    write any feed whose file is missing (a new rule); the others are left alone. Without a
    watermark (a new feeds folder), every feed. `progress(done, total)` counts the feeds
    written (a big scan's build takes a while); `workers` as for `build_all`."""
    started = time.perf_counter()
    specs = plan_feeds(ruleset)
    published = read_published(feeds.dir)
    with sessions() as session:
        record = _record(session, published, clock())
        fresh = None if published is None else _unpublished(session, published, record, since)
    if fresh is None:
        chosen = {spec.stem: spec for spec in specs}
    else:
        chosen = {spec.stem: spec for spec in touched(specs, fresh)}
        chosen.update({spec.stem: spec for spec in specs if missing(feeds.dir, spec.stem)})
    site = _site(ruleset, feeds, base_url)
    chosen_specs = list(chosen.values())
    report = _build(sessions, feeds, site, specs, chosen_specs, progress=progress, workers=workers)
    _writing(feeds.dir, lambda: write_published(feeds.dir, record))
    return _finish(report, started, "incremental", metrics)


def _record(session: Session, published: Published | None, queried: datetime) -> Published:
    """What the feeds will hold once a build that queries at `queried` is written: every hit
    until a margin earlier (a commit may land just after the query with an earlier time),
    and the count of each rule's hits since, counted now, before any entry is read.

    The watermark moves forward only in steps of WATERMARK_STEP, so that builds with nothing
    new rewrite no file at all (the counts keep those builds from reading feeds again)."""
    through = queried - WATERMARK_MARGIN
    if published is not None and through - published.through < WATERMARK_STEP:
        through = published.through
    return Published(through, hits_since(session, through))


def _unpublished(
    session: Session, published: Published, record: Published, since: datetime
) -> set[str]:
    """The rules whose hits the feeds may not hold: those hit at or after `since` or the
    watermark, whichever is earlier; counted from the watermark, those whose count changed.
    `record`: the counts this build starts from (the same query when the watermark stays)."""
    start = min(since, published.through)
    counts = record.seen if start == record.through else hits_since(session, start)
    if start != published.through:
        return set(counts)
    return {name for name, count in counts.items() if published.seen.get(name) != count}


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
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> BuildReport:
    """Read the chosen feeds' entries, have them highlighted and rendered in batches (an
    article is in the feeds of its rules, its tags and `all`; a big build on every core,
    while it reads the next: watcher.feeds.workers) and write each feed."""
    report = BuildReport()
    tell = progress or no_progress
    with sessions() as session:
        read = _feeds_read(session, chosen, feeds.max_entries)
        # `closing`: a write that fails stops the workers too.
        with closing(rendered(read, site, worker_count(workers))) as results:
            for done, (spec, files) in enumerate(results, start=1):
                for suffix, data in files.items():
                    _write(feeds, f"{spec.stem}{suffix}", data, report)
                tell(done, len(chosen))
    _write(feeds, OPML_NAME, render_opml(specs, site), report)
    return report


def _feeds_read(
    session: Session, chosen: Sequence[FeedSpec], max_entries: int
) -> Iterator[tuple[FeedSpec, list[FeedEntry]]]:
    """Each chosen feed with its entries, read as asked for."""
    known = known_rules(session)
    every_id = set(known.values())
    versions_seen: dict[int, Any] = {}  # one read of an article in many feeds
    for spec in chosen:
        rules = {known[name]: name for name in spec.rules if name in known}
        yield spec, feed_entries(session, rules, every_id, max_entries, versions_seen)


def _write(feeds: FeedsConfig, name: str, data: bytes, report: BuildReport) -> None:
    if _writing(feeds.dir, lambda: write_if_changed(feeds.dir / name, data)):
        report.written.append(name)
    else:
        report.unchanged += 1


def _writing(folder: Path, write: Callable[[], T]) -> T:
    """`write()`, a failure to write under `folder` (full disk, read-only) as one clear
    error; the watermark stays behind, so the next build publishes what this one could not."""
    try:
        return write()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise FeedsWriteError(
            f"cannot write the feeds under {folder}: {reason} — check the folder's permissions"
            " and free space; the hits are stored and the next scan publishes them"
        ) from exc


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
