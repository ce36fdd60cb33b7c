"""Retention: prune the hits, versions and articles recorded before a cutoff, in short batches.

Age is when watcher recorded a row (a hit's `matched_at`, a version's `created_at`), never
when the article was published: an archive of old news scanned yesterday is young.

- A hit goes unless it is an item of a digest not yet sent (pending or failed): that one
  waits for delivery whatever its age, and keeps its version and article. A sent digest's
  item goes with its hit (the foreign key cascades).
- A version goes when no hit refers to it and it is not its article's newest.
- An article goes, with its versions and locations, when all its versions are old and no hit
  refers to it.
- `seen_files` and `ingest_errors` stay: a pruned article whose file is still in the folder
  is not read again while the file keeps its fingerprint; once the file changes, it is
  archived afresh as a new article.

Each batch is its own short transaction, so a scan, a digest or a reader never waits long:
candidates are found by walking an index onward from the last batch's, locked (FOR UPDATE
on PostgreSQL: a scan or digest that would now refer to them waits, then fails its foreign
key and retries), and deleted by statements that check the rules again, so a row that a
digest or hit took up since it was chosen stays.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Delete,
    Table,
    and_,
    delete,
    exists,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session, sessionmaker

from watcher.store.tables import (
    ArticleRow,
    ArticleVersionRow,
    DigestItemRow,
    DigestRow,
    HitRow,
    table,
)

HITS = table(HitRow)
VERSIONS = table(ArticleVersionRow)
ARTICLES = table(ArticleRow)
ITEMS = table(DigestItemRow)
DIGESTS = table(DigestRow)
NEWER = VERSIONS.alias("newer")


class Found(NamedTuple):
    """A candidate met on an index walk: the walked row's time and id (where the next batch
    goes on from), and the id of the row to delete (the walked row, or its article)."""

    at: datetime
    walked_id: int
    target_id: int


Candidates = Callable[[Session, Found | None, int], list[Found]]
Deleter = Callable[[Session, list[int]], "PruneReport"]


@dataclass(frozen=True, slots=True)
class PruneReport:
    """How many rows a prune deleted (an article's versions count among the versions)."""

    hits: int = 0
    versions: int = 0
    articles: int = 0

    def __add__(self, other: PruneReport) -> PruneReport:
        return PruneReport(
            self.hits + other.hits, self.versions + other.versions, self.articles + other.articles
        )


def prune(sessions: sessionmaker[Session], *, cutoff: datetime, batch: int = 1000) -> PruneReport:
    """Delete what was recorded before `cutoff` and may go, `batch` rows per transaction."""
    if cutoff.tzinfo is None:
        raise ValueError("cutoff must carry a time zone")
    if batch < 1:
        raise ValueError(f"batch must be at least 1, got {batch}")
    report = PruneReport()
    for candidates, deleter in (
        (_old_hits, _delete_hits),
        (_old_versions, _delete_versions),
        (_old_articles, _delete_articles),
    ):
        report += _in_batches(
            sessions,
            batch,
            partial(candidates, cutoff=cutoff),
            partial(deleter, cutoff=cutoff),
        )
    return report


def _in_batches(
    sessions: sessionmaker[Session], size: int, candidates: Candidates, deleter: Deleter
) -> PruneReport:
    """Find and delete up to `size` candidates per transaction until none are left.

    Each walk goes on from where the last batch's ended, not from the start: rows that the
    rules keep are passed over once, not once per batch."""
    report = PruneReport()
    after: Found | None = None
    while True:
        with sessions.begin() as session:
            found = candidates(session, after, size)
            if found:
                report += deleter(session, sorted({f.target_id for f in found}))
        if len(found) < size:
            return report
        after = found[-1]


def _walk(
    session: Session,
    *,
    at: ColumnElement[datetime],
    walked_id: ColumnElement[int],
    target_id: ColumnElement[int],
    where: ColumnElement[bool],
    after: Found | None,
    size: int,
) -> list[Found]:
    """The next `size` rows matching `where` in (`at`, `walked_id`) order, past `after`."""
    onward: ColumnElement[bool] = true()
    if after is not None:
        onward = and_(at >= after.at, or_(at > after.at, walked_id > after.walked_id))
    statement = (
        select(at, walked_id, target_id).where(where, onward).order_by(at, walked_id).limit(size)
    )
    return [Found(*row) for row in session.execute(statement)]


def _lock(session: Session, rows: Table, ids: list[int]) -> None:
    """Hold the rows until the batch commits (PostgreSQL; SQLite has one writer anyway)."""
    session.execute(
        select(rows.c.id).where(rows.c.id.in_(ids)).order_by(rows.c.id).with_for_update()
    )


def _deleted(session: Session, statement: Delete) -> int:
    result: Any = session.execute(statement)
    return int(result.rowcount)


# Hits


def _hit_may_go(cutoff: datetime) -> ColumnElement[bool]:
    waiting = exists().where(
        ITEMS.c.hit_id == HITS.c.id,
        DIGESTS.c.id == ITEMS.c.digest_id,
        DIGESTS.c.state != "sent",
    )
    return and_(HITS.c.matched_at < cutoff, ~waiting)


def _old_hits(session: Session, after: Found | None, size: int, *, cutoff: datetime) -> list[Found]:
    hits = HITS.c
    where = _hit_may_go(cutoff)
    return _walk(
        session,
        at=hits.matched_at,
        walked_id=hits.id,
        target_id=hits.id,
        where=where,
        after=after,
        size=size,
    )


def _delete_hits(session: Session, ids: list[int], *, cutoff: datetime) -> PruneReport:
    _lock(session, HITS, ids)
    statement = delete(HITS).where(HITS.c.id.in_(ids), _hit_may_go(cutoff))
    return PruneReport(hits=_deleted(session, statement))


# Versions


def _newer_version() -> ColumnElement[bool]:
    return exists().where(NEWER.c.article_id == VERSIONS.c.article_id, NEWER.c.id > VERSIONS.c.id)


def _version_may_go(cutoff: datetime) -> ColumnElement[bool]:
    hit = exists().where(HITS.c.article_version_id == VERSIONS.c.id)
    return and_(VERSIONS.c.created_at < cutoff, _newer_version(), ~hit)


def _old_versions(
    session: Session, after: Found | None, size: int, *, cutoff: datetime
) -> list[Found]:
    v = VERSIONS.c
    where = _version_may_go(cutoff)
    return _walk(
        session,
        at=v.created_at,
        walked_id=v.id,
        target_id=v.id,
        where=where,
        after=after,
        size=size,
    )


def _delete_versions(session: Session, ids: list[int], *, cutoff: datetime) -> PruneReport:
    _lock(session, VERSIONS, ids)
    statement = delete(VERSIONS).where(VERSIONS.c.id.in_(ids), _version_may_go(cutoff))
    return PruneReport(versions=_deleted(session, statement))


# Articles


def _old_articles(
    session: Session, after: Found | None, size: int, *, cutoff: datetime
) -> list[Found]:
    """Articles whose newest version is old, met along the versions' `created_at`."""
    v = VERSIONS.c
    where = and_(
        v.created_at < cutoff,
        ~_newer_version(),
        ~exists().where(HITS.c.article_id == v.article_id),
    )
    return _walk(
        session,
        at=v.created_at,
        walked_id=v.id,
        target_id=v.article_id,
        where=where,
        after=after,
        size=size,
    )


def _delete_articles(session: Session, ids: list[int], *, cutoff: datetime) -> PruneReport:
    """The versions first, to count them, of the articles that have no version archived since
    the cutoff and no hit; then the articles left without versions, and their locations."""
    _lock(session, ARTICLES, ids)
    v = VERSIONS.c
    recent = exists().where(NEWER.c.article_id == v.article_id, NEWER.c.created_at >= cutoff)
    hit = exists().where(HITS.c.article_id == v.article_id)
    versions = delete(VERSIONS).where(v.article_id.in_(ids), ~recent, ~hit)
    emptied = _deleted(session, versions)
    left = exists().where(VERSIONS.c.article_id == ARTICLES.c.id)
    articles = delete(ARTICLES).where(ARTICLES.c.id.in_(ids), ~left)
    return PruneReport(versions=emptied, articles=_deleted(session, articles))
