"""Articles and their versions: store a batch idempotently, look versions up."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from watcher.model import Article
from watcher.store.db import insert_ignore, upsert
from watcher.store.tables import (
    ArticleLocationRow,
    ArticleRow,
    ArticleVersionRow,
    UTCDateTime,
    table,
)

ARTICLES = table(ArticleRow)
VERSIONS = table(ArticleVersionRow)
LOCATIONS = table(ArticleLocationRow)


@dataclass(frozen=True, slots=True)
class Located:
    """An article read from `path` (item `item` of it, for files that hold several);
    `identity` replaces the article's content hash where another one applies (feed entries);
    `matched`, the rules it matches where they were found as it was read (a scan's worker)."""

    path: str
    item: int
    article: Article
    identity: str | None = None
    matched: tuple[str, ...] | None = None

    def content_hash(self) -> str:
        return self.identity or self.article.content_hash()


@dataclass(frozen=True, slots=True)
class StoredVersion:
    id: int
    article_id: int
    path: str
    article: Article
    matched: tuple[str, ...] | None = None  # see Located


@dataclass(slots=True)
class StoreOutcome:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicate: int = 0  # content already archived, or met earlier in the batch, elsewhere
    versions: list[StoredVersion] = field(default_factory=list)
    states: list[str] = field(default_factory=list)  # what each item of the batch was, in order

    def count(self, state: str) -> None:
        setattr(self, state, getattr(self, state) + 1)
        self.states.append(state)


def store_articles(session: Session, batch: Sequence[Located], now: datetime) -> StoreOutcome:
    """Archive a batch: known content is unchanged where it already was and a duplicate
    elsewhere, as is a copy of content met earlier in the batch; a known location with new
    content is a new version of its article; anything else a new article. Safe to repeat."""
    hashed = [(located.content_hash(), located) for located in batch]
    hashes: dict[str, Located] = {}
    for content_hash, located in hashed:
        hashes.setdefault(content_hash, located)
    known = _article_ids_by_hash(session, hashes)
    located_ids = _article_ids_by_location(session, {located.path for located in batch})
    outcome = StoreOutcome()
    new_by_hash: dict[str, Located] = {}
    for content_hash, located in hashed:
        here = located_ids.get((located.path, located.item))
        if content_hash in known:
            outcome.count("unchanged" if here == known[content_hash] else "duplicate")
        elif hashes[content_hash] is not located:
            outcome.count("duplicate")
        elif here is not None:
            outcome.count("changed")
        else:
            outcome.count("new")
            new_by_hash[content_hash] = located
    article_ids = _create_articles(session, new_by_hash, now)
    article_ids.update(known)
    for content_hash, located in hashes.items():
        if content_hash not in article_ids:
            article_ids[content_hash] = located_ids[(located.path, located.item)]
    fresh = {h: located for h, located in hashes.items() if h not in known}
    outcome.versions = _create_versions(session, fresh, article_ids, now)
    _point_locations(session, hashed, article_ids)
    return outcome


def _article_ids_by_hash(session: Session, hashes: Iterable[str]) -> dict[str, int]:
    rows = session.execute(
        select(VERSIONS.c.content_hash, VERSIONS.c.article_id).where(
            VERSIONS.c.content_hash.in_(list(hashes))
        )
    )
    return {key: value for key, value in rows}  # noqa: C416 - a Result is not a mapping


def _article_ids_by_location(session: Session, paths: Iterable[str]) -> dict[tuple[str, int], int]:
    rows = session.execute(
        select(LOCATIONS.c.path, LOCATIONS.c.item, LOCATIONS.c.article_id).where(
            LOCATIONS.c.path.in_(list(paths))
        )
    )
    return {(path, item): article_id for path, item, article_id in rows}


def _create_articles(session: Session, new: dict[str, Located], now: datetime) -> dict[str, int]:
    """New articles take their first version's hash as their stable uid."""
    if not new:
        return {}
    insert_ignore(session, ARTICLES, [{"uid": h, "created_at": now} for h in new], ["uid"])
    rows = session.execute(
        select(ARTICLES.c.uid, ARTICLES.c.id).where(ARTICLES.c.uid.in_(list(new)))
    )
    return {key: value for key, value in rows}  # noqa: C416 - a Result is not a mapping


def _create_versions(
    session: Session, fresh: dict[str, Located], article_ids: dict[str, int], now: datetime
) -> list[StoredVersion]:
    rows = [_version_row(h, located, article_ids[h], now) for h, located in fresh.items()]
    stored = insert_ignore(
        session, VERSIONS, rows, ["content_hash"], returning=("id", "content_hash")
    )
    return [
        StoredVersion(
            row.id, article_ids[row.content_hash], located.path, located.article, located.matched
        )
        for row in stored
        for located in (fresh[row.content_hash],)
    ]


def _version_row(
    content_hash: str, located: Located, article_id: int, now: datetime
) -> dict[str, object]:
    article = located.article
    return {
        "article_id": article_id,
        "content_hash": content_hash,
        "path": located.path,
        "title": article.title,
        "lead": article.lead,
        "body": article.body,
        "source": article.source,
        "published": article.published,
        "url": article.url,
        "tags": list(article.tags),
        "source_tags": list(article.source_tags),
        "created_at": now,
    }


def _point_locations(
    session: Session, hashed: Sequence[tuple[str, Located]], article_ids: dict[str, int]
) -> None:
    rows = {
        (located.path, located.item): {
            "path": located.path,
            "item": located.item,
            "article_id": article_ids[content_hash],
        }
        for content_hash, located in hashed
    }
    upsert(session, LOCATIONS, list(rows.values()), ["path", "item"], ["article_id"])


@dataclass(frozen=True, slots=True)
class ArchiveSpan:
    """How many articles the archive holds, how many of them in a period, and their dates."""

    total: int
    in_period: int
    oldest: datetime | None
    newest: datetime | None


def archive_span(session: Session, *, published_since: datetime) -> ArchiveSpan:
    """The archive's articles (by their newest version) and publication dates."""
    newest = (
        select(VERSIONS.c.article_id, func.max(VERSIONS.c.id).label("id"))
        .group_by(VERSIONS.c.article_id)
        .subquery()
    )
    in_period = func.sum(case((VERSIONS.c.published >= published_since, 1), else_=0))
    row = session.execute(
        select(
            func.count(),
            in_period,
            func.min(VERSIONS.c.published, type_=UTCDateTime),
            func.max(VERSIONS.c.published, type_=UTCDateTime),
        ).join(newest, newest.c.id == VERSIONS.c.id)
    ).one()
    total, period, oldest, latest = row
    return ArchiveSpan(total, int(period or 0), oldest, latest)


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a version is: its article's database id and stable uid, its own id."""

    article_id: int
    uid: str
    version_id: int


def identities(session: Session, hashes: Iterable[str]) -> dict[str, Identity]:
    """content hash -> the archived version's identity, for those of `hashes` archived."""
    rows = session.execute(
        select(VERSIONS.c.content_hash, ARTICLES.c.id, ARTICLES.c.uid, VERSIONS.c.id)
        .join(ARTICLES, ARTICLES.c.id == VERSIONS.c.article_id)
        .where(VERSIONS.c.content_hash.in_(list(hashes)))
    )
    return {key: Identity(article_id, uid, version_id) for key, article_id, uid, version_id in rows}


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ARTICLES)) or 0


def version_to_article(row: ArticleVersionRow) -> Article:
    return Article(
        title=row.title,
        lead=row.lead,
        body=row.body,
        source=row.source,
        published=row.published,
        url=row.url,
        tags=tuple(row.tags),
        source_tags=tuple(row.source_tags),
    )


def latest_versions(
    session: Session, *, published_since: datetime | None = None, limit: int | None = None
) -> list[StoredVersion]:
    """The newest version of each archived article, most recently published first."""
    newest = select(func.max(VERSIONS.c.id).label("id")).group_by(VERSIONS.c.article_id).subquery()
    statement = (
        select(ArticleVersionRow)
        .join(newest, newest.c.id == ArticleVersionRow.id)
        .order_by(ArticleVersionRow.published.desc(), ArticleVersionRow.id.desc())
    )
    if published_since is not None:
        statement = statement.where(ArticleVersionRow.published >= published_since)
    if limit is not None:
        statement = statement.limit(limit)
    return [
        StoredVersion(row.id, row.article_id, row.path, version_to_article(row))
        for row in session.scalars(statement)
    ]
