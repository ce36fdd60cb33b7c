"""One poll of one feed source: fetch (conditionally), parse, turn the entries that are new or
changed since the last poll into articles (their pages fetched with `full_text`), archive and
match them, and record the outcome. A failure of any kind is recorded for the source, with its
reason and the time of the next try; it never escapes as an exception of the network's.

An entry's location is `source:NAME:KEY` (its id, else its link) as a file's is its path, and
its identity is its story (`Article.story_hash`): seen twice, or in two feeds, it is one
article; changed under the same key, it is a new version of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import httpx
from sqlalchemy.orm import Session, sessionmaker

from watcher.ingest import RecordHits, archive
from watcher.model import Article
from watcher.sources.fetch import (
    ACCEPT_PAGES,
    Fetched,
    FetchError,
    Limits,
    NotModified,
    get,
    inside_address,
)
from watcher.sources.health import after_failure, after_success
from watcher.sources.parse import Entry, NotAFeed, ParsedFeed, parse_feed
from watcher.sources.settings import SourceConfig
from watcher.sources.text import clean_line, page_text
from watcher.store.articles import Located
from watcher.store.sources import (
    SourceState,
    known_entries,
    load_states,
    remember_entries,
    save_state,
)

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


@dataclass(slots=True)
class PollReport:
    """What one poll did; `error` is set when it failed (the state says when it tries again)."""

    source: str
    status: int | None = None
    entries: int = 0  # in the feed
    fresh: int = 0  # new or changed since the last poll
    new: int = 0
    changed: int = 0
    duplicate: int = 0
    hits: int = 0
    not_modified: bool = False
    error: str | None = None
    notes: list[str] = field(default_factory=list)  # entries skipped, pages not fetched
    next_fetch_at: datetime | None = None

    def line(self) -> str:
        """One log line: `bbc-africa: 3 new, 1 changed, 0 duplicate of 20 entries, 2 hits`."""
        if self.error is not None:
            return f"{self.source}: failed: {self.error}"
        if self.not_modified:
            return f"{self.source}: not modified"
        text = (
            f"{self.source}: {self.new} new, {self.changed} changed, {self.duplicate} duplicate"
            f" of {self.entries} entries, {self.hits} hits"
        )
        return text + "".join(f"; {note}" for note in self.notes)


def poll_source(
    sessions: sessionmaker[Session],
    source: SourceConfig,
    http: httpx.Client,
    limits: Limits,
    *,
    clock: Clock,
    record_hits: RecordHits | None,
    stop: Callable[[], bool] = lambda: False,
) -> PollReport:
    """Poll `source` once, whatever its backoff says; record and return the outcome."""
    with sessions() as session:
        state = load_states(session, [source.name]).get(source.name) or SourceState(source.name)
    if state.url != source.url:  # a new URL: the old validators do not apply to it
        state = dataclasses.replace(state, url=source.url, etag=None, last_modified=None)
    report = PollReport(source.name)
    try:
        answer = get(
            http,
            source.url,
            limits,
            etag=state.etag,
            last_modified=state.last_modified,
            now=clock(),
        )
        if isinstance(answer, NotModified):
            report.status, report.not_modified = 304, True
            unchanged = after_success(
                state,
                now=clock(),
                interval=source.interval,
                status=304,
                etag=answer.etag or state.etag,
                last_modified=answer.last_modified or state.last_modified,
                entries=None,
                fresh=False,
            )
            _record(sessions, unchanged, report)
            return report
        report.status = answer.status
        feed = parse_feed(answer.body, content_type=answer.content_type, url=answer.url)
    except FetchError as error:
        return _failed(sessions, source, state, report=report, now=clock(), error=error)
    except NotAFeed as error:
        return _failed(
            sessions, source, state, report=report, now=clock(), error=FetchError(str(error))
        )
    if feed.skipped:
        report.notes.append(f"{feed.skipped} entries with neither a title nor any text skipped")
    fresh = _fresh_entries(sessions, source, feed)
    report.entries, report.fresh = len(feed.entries), len(fresh)
    batch = []
    for entry in fresh:
        if stop():
            report.error = "stopped before the poll ended; the next poll does it again"
            return report
        article = _article(
            entry, feed, source=source, http=http, limits=limits, now=clock(), report=report
        )
        batch.append(Located(location(source.name, entry.key), 0, article, article.story_hash()))
    _store(
        sessions,
        source,
        state=state,
        feed=feed,
        answer=answer,
        batch=batch,
        now=clock(),
        record_hits=record_hits,
        report=report,
    )
    return report


def _store(
    sessions: sessionmaker[Session],
    source: SourceConfig,
    *,
    state: SourceState,
    feed: ParsedFeed,
    answer: Fetched,
    batch: list[Located],
    now: datetime,
    record_hits: RecordHits | None,
    report: PollReport,
) -> None:
    """One transaction: the articles, their hits, the entries seen, the source's state."""
    with sessions.begin() as session:
        archived = archive(session, batch, now, record_hits)
        remember_entries(session, source.name, _digests(feed.entries, source), now)
        outcome = archived.outcome
        state = after_success(
            state,
            now=now,
            interval=source.interval,
            status=answer.status,
            etag=answer.etag,
            last_modified=answer.last_modified,
            entries=len(feed.entries),
            fresh=outcome.new + outcome.changed > 0,
        )
        save_state(session, state)
    report.new, report.changed, report.duplicate = outcome.new, outcome.changed, outcome.duplicate
    report.hits, report.next_fetch_at = archived.hits, state.next_fetch_at


def location(source: str, key: str) -> str:
    """Where an entry is, as a file's path says where a file's article is."""
    return f"source:{source}:{key}"


def _failed(
    sessions: sessionmaker[Session],
    source: SourceConfig,
    state: SourceState,
    *,
    report: PollReport,
    now: datetime,
    error: FetchError,
) -> PollReport:
    failed = after_failure(
        state,
        now=now,
        interval=source.interval,
        reason=error.reason,
        status=error.status if error.status is not None else report.status,
        retry_after=error.retry_after,
    )
    _record(sessions, failed, report)
    report.error, report.status = error.reason, failed.last_status
    return report


def _record(sessions: sessionmaker[Session], state: SourceState, report: PollReport) -> None:
    with sessions.begin() as session:
        save_state(session, state)
    report.next_fetch_at = state.next_fetch_at


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _digests(entries: Sequence[Entry], source: SourceConfig) -> dict[str, str]:
    """key hash -> digest of each entry as this source handles it (full text or not)."""
    mode = b"full" if source.full_text else b"feed"
    return {
        _key_hash(entry.key): hashlib.sha256(mode + entry.digest().encode()).hexdigest()
        for entry in entries
    }


def _fresh_entries(
    sessions: sessionmaker[Session], source: SourceConfig, feed: ParsedFeed
) -> list[Entry]:
    """The entries not seen before, or changed since (or seen under the other `full_text`)."""
    digests = _digests(feed.entries, source)
    with sessions() as session:
        known = known_entries(session, source.name, digests)
    return [e for e in feed.entries if known.get(_key_hash(e.key)) != digests[_key_hash(e.key)]]


def _article(
    entry: Entry,
    feed: ParsedFeed,
    *,
    source: SourceConfig,
    http: httpx.Client,
    limits: Limits,
    now: datetime,
    report: PollReport,
) -> Article:
    """The entry as an article; with `full_text`, the body is its page's main text."""
    body = entry.content or entry.summary
    lead = entry.summary if entry.content and entry.summary != entry.content else ""
    if source.full_text and entry.link is not None:
        page = _page_text(entry.link, http, limits, report, _guard(source))
        if page:
            lead, body = entry.summary or (entry.content if entry.content != page else ""), page
    return Article(
        title=entry.title,
        lead=lead,
        body=body,
        source=feed.title or source.name,
        published=entry.published or now,
        url=entry.link,
        tags=source.tags,
        source_tags=source.tags,
    )


def _guard(source: SourceConfig) -> Callable[[str], str | None]:
    """What a feed's entries may not make watcher fetch: pages on this machine or a private
    network, unless the feed itself is on that host (a feed of an intranet may link to it)."""
    own = inside_address(source.url)

    def refuse(url: str) -> str | None:
        host = inside_address(url)
        if host is None or host == own:
            return None
        return f"{host} is inside this network; a feed's entry may not make watcher fetch it"

    return refuse


def _page_text(
    url: str,
    http: httpx.Client,
    limits: Limits,
    report: PollReport,
    guard: Callable[[str], str | None],
) -> str | None:
    """The main text of an entry's page; None (the feed's text stays) when it cannot be had."""
    try:
        answer = get(http, url, limits, accept=ACCEPT_PAGES, guard=guard)
    except FetchError as error:
        problem = error.reason
    else:
        if isinstance(answer, Fetched):
            text = page_text(answer.body, answer.url)
            if text:
                return text
            problem = "no main text found in the page"
        else:  # pragma: no cover - no validators are sent for pages
            problem = "HTTP 304 without a conditional request"
    note = f"page {clean_line(url)[:200]}: {problem}; the feed's text is kept"
    log.warning("%s: %s", report.source, note)
    report.notes.append(note)
    return None
