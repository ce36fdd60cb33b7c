"""The queries behind feeds and article pages: newest hit articles per feed, one article.

Every query here is shaped to run on an index (see tests/test_feeds_queries.py for the plans):
the newest hits of a rule walk `ix_hits_rule_id_matched_at`, of several rules or of every rule
`ix_hits_matched_at`, and an article's hits `ix_hits_article_id`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import Session

from watcher.model import Span
from watcher.store.highlights import RULE_QUERY, RULE_VERSIONS, highlight_each
from watcher.store.tables import ArticleRow, ArticleVersionRow, HitRow, RuleRow, table

HITS = table(HitRow)
RULES = table(RuleRow)
VERSIONS = table(ArticleVersionRow)
ARTICLES = table(ArticleRow)

# What a feed entry needs of a hit beside its article, time and id (`_newest_hits`): its
# rule, the article version it matched and the rule version's query.
_ENTRY_COLUMNS = (HITS.c.rule_id, HITS.c.article_version_id, *RULE_QUERY)
# Up to this many rules, a feed's newest articles are merged from each rule's newest.
MERGE_MAX_RULES = 64
# Article versions one build keeps read for its other feeds (each a few kB of text).
VERSIONS_SEEN_LIMIT = 5_000


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One article in one feed: the version its newest hit matched, the feed's rules it hit."""

    uid: str
    title: str
    lead: str
    body: str
    source: str
    published: datetime
    url: str | None
    matched_at: datetime
    rules: tuple[str, ...]
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class ArticleHit:
    rule: str
    matched_at: datetime
    backfill: bool


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """An article as its page shows it: the version its newest hit matched, every hit."""

    uid: str
    item: FeedItem
    hits: tuple[ArticleHit, ...]


def known_rules(session: Session) -> dict[str, int]:
    """Every rule the database knows: name -> id."""
    rows = session.execute(select(RULES.c.name, RULES.c.id))
    return {name: rule_id for name, rule_id in rows}  # noqa: C416 - a Result is not a mapping


def hits_since(session: Session, since: datetime) -> dict[str, int]:
    """Rule name -> how many hits it recorded at or after `since` (rules with none: absent)."""
    statement = (
        select(RULES.c.name, func.count())
        .select_from(HITS)
        .join(RULES, RULES.c.id == HITS.c.rule_id)
        .where(HITS.c.matched_at >= since)
        .group_by(RULES.c.name)
    )
    return {name: count for name, count in session.execute(statement)}  # noqa: C416


def _rule_filter(rule_ids: Collection[int], every_id: Collection[int]) -> ColumnElement[bool]:
    """`hits.rule_id` among `rule_ids`, written the cheapest way (no filter for every rule)."""
    wanted = set(rule_ids)
    if wanted >= set(every_id):
        return true()
    return HITS.c.rule_id.in_(sorted(wanted))


def _newest_hits(where: ColumnElement[bool], limit: int) -> Select[Any]:
    return (
        select(HITS.c.article_id, HITS.c.matched_at, VERSIONS.c.published, HITS.c.id)
        .join(VERSIONS, VERSIONS.c.id == HITS.c.article_version_id)
        .where(where)
        .order_by(HITS.c.matched_at.desc(), VERSIONS.c.published.desc(), HITS.c.id.desc())
        .limit(limit)
    )


def newest_articles(
    session: Session, rule_ids: Collection[int], every_id: Collection[int], limit: int
) -> list[int]:
    """Ids of the `limit` articles with the newest hits of these rules (by hit time, then
    publication), each once.

    Every rule: one walk down an index. A few rules: each rule's newest `limit` (its own
    index walk), merged; the overall newest articles are among them. Many rules: a
    walk down `ix_hits_matched_at` (`rule_id + 0` keeps SQLite from sorting every hit of
    the rules instead); an article hit by k rules shows k times, so fetch more until enough.
    """
    wanted = set(rule_ids)
    if not wanted:
        return []
    if wanted >= set(every_id):
        return _scan_newest(session, true(), limit)
    if len(wanted) <= MERGE_MAX_RULES:
        rows = [
            row
            for rule_id in sorted(wanted)
            for row in session.execute(_newest_hits(HITS.c.rule_id == rule_id, limit))
        ]
        rows.sort(key=lambda row: (row.matched_at, row.published, row.id), reverse=True)
        return list(dict.fromkeys(row.article_id for row in rows))[:limit]
    return _scan_newest(session, (HITS.c.rule_id + 0).in_(sorted(wanted)), limit)


def _scan_newest(session: Session, where: ColumnElement[bool], limit: int) -> list[int]:
    fetch = limit
    while True:
        found = list(session.scalars(_newest_hits(where, fetch)))
        ordered = list(dict.fromkeys(found))
        if len(ordered) >= limit or len(found) < fetch:
            return ordered[:limit]
        fetch *= 4


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """An article of one feed before it is highlighted: the version its newest hit matched,
    the feed's rules it hit, and their hits on that version (whose spans it shows)."""

    version: Any
    matched_at: datetime
    rules: tuple[str, ...]
    hits: tuple[Any, ...]


def feed_entries(
    session: Session,
    rules: Mapping[int, str],
    every_id: Collection[int],
    limit: int,
    versions_seen: dict[int, Any] | None = None,
) -> list[FeedEntry]:
    """The newest `limit` articles hit by `rules` (id -> name), newest first, each once, to
    be highlighted (`highlighted`) with the entries of other feeds.

    `versions_seen` (version id -> row), shared by the feeds of one build, keeps an article
    that is in several feeds (its rules', its tags', `all`) from being read again."""
    order, by_article = _feed_hits(session, list(rules), every_id, limit)
    if not order:
        return []
    shown = {aid: max(rows, key=lambda r: (r.matched_at, r.id)) for aid, rows in by_article.items()}
    versions = {} if versions_seen is None else versions_seen
    wanted = {row.article_version_id for row in shown.values()} - versions.keys()
    if wanted:
        if len(versions) + len(wanted) > VERSIONS_SEEN_LIMIT:  # bounded memory: start over
            versions.clear()
            wanted = {row.article_version_id for row in shown.values()}
        versions.update(_versions(session, sorted(wanted)))
    entries = []
    for article_id in order:
        hits, newest = by_article[article_id], shown[article_id]
        version = versions[newest.article_version_id]
        names = tuple(sorted({rules[row.rule_id] for row in hits}))
        # A hit on another version of the article has that version's spans, not these.
        on_version = tuple(row for row in hits if row.article_version_id == version.id)
        entries.append(FeedEntry(version, newest.matched_at, names, on_version))
    return entries


def _feed_hits(
    session: Session, rule_ids: Collection[int], every_id: Collection[int], limit: int
) -> tuple[list[int], dict[int, list[Any]]]:
    """The newest `limit` articles hit by these rules, newest first, and each one's hits of
    them (with `RULE_QUERY`). A rule's own feed holds one hit per article: one query."""
    if len(rule_ids) == 1:
        newest = _newest_hits(HITS.c.rule_id == next(iter(rule_ids)), limit)
        statement = newest.add_columns(*_ENTRY_COLUMNS).join(
            RULE_VERSIONS, RULE_VERSIONS.c.id == HITS.c.rule_version_id
        )
        rows = list(session.execute(statement))
        return [row.article_id for row in rows], {row.article_id: [row] for row in rows}
    order = newest_articles(session, rule_ids, every_id, limit)
    if not order:
        return [], {}
    statement = (
        select(HITS.c.article_id, HITS.c.matched_at, HITS.c.id, *_ENTRY_COLUMNS)
        .join(RULE_VERSIONS, RULE_VERSIONS.c.id == HITS.c.rule_version_id)
        .where(HITS.c.article_id.in_(order), _rule_filter(rule_ids, every_id))
    )
    by_article: dict[int, list[Any]] = defaultdict(list)
    for row in session.execute(statement):
        by_article[row.article_id].append(row)
    return order, by_article


def highlighted(feeds: Sequence[Sequence[FeedEntry]]) -> list[list[FeedItem]]:
    """The items of several feeds, highlighted: an article in many of them (its rules',
    its tags', `all`) is analyzed once, and each word of a rule found once."""
    places: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for f, entries in enumerate(feeds):
        for e, entry in enumerate(entries):
            places[entry.version.id].append((f, e))
    spans: dict[tuple[int, int], tuple[Span, ...]] = {}
    for where in places.values():
        shown = [feeds[f][e] for f, e in where]
        found = highlight_each(shown[0].version, [entry.hits for entry in shown])
        spans.update(zip(where, found, strict=True))
    return [
        [_item(entry, spans[f, e]) for e, entry in enumerate(entries)]
        for f, entries in enumerate(feeds)
    ]


def _versions(session: Session, version_ids: Sequence[int]) -> dict[int, Any]:
    statement = (
        select(VERSIONS, ARTICLES.c.uid)
        .join(ARTICLES, ARTICLES.c.id == VERSIONS.c.article_id)
        .where(VERSIONS.c.id.in_(version_ids))
    )
    return {row.id: row for row in session.execute(statement)}


def _item(entry: FeedEntry, spans: tuple[Span, ...]) -> FeedItem:
    version = entry.version
    return FeedItem(
        uid=version.uid,
        title=version.title,
        lead=version.lead,
        body=version.body,
        source=version.source,
        published=version.published,
        url=version.url,
        matched_at=entry.matched_at,
        rules=entry.rules,
        spans=spans,
    )


def article_page(session: Session, uid: str) -> ArticlePage | None:
    """The article whose uid is `uid`, or None."""
    article_id = session.scalar(select(ARTICLES.c.id).where(ARTICLES.c.uid == uid))
    if article_id is None:
        return None
    statement = (
        select(HITS, RULES.c.name, *RULE_QUERY)
        .join(RULES, RULES.c.id == HITS.c.rule_id)
        .join(RULE_VERSIONS, RULE_VERSIONS.c.id == HITS.c.rule_version_id)
        .where(HITS.c.article_id == article_id)
        .order_by(HITS.c.matched_at.desc(), HITS.c.id.desc())
    )
    hits = list(session.execute(statement))
    if hits:
        version_id, matched_at = hits[0].article_version_id, hits[0].matched_at
    else:
        version_id = session.scalar(
            select(func.max(VERSIONS.c.id)).where(VERSIONS.c.article_id == article_id)
        )
        matched_at = None
    version = _versions(session, [version_id])[version_id]
    on_version = tuple(h for h in hits if h.article_version_id == version_id)
    names = tuple(sorted({h.name for h in hits}))
    entry = FeedEntry(version, matched_at or version.created_at, names, on_version)
    item = highlighted([[entry]])[0][0]
    shown = tuple(ArticleHit(h.name, h.matched_at, h.backfill) for h in hits)
    return ArticlePage(uid, item, shown)


def check_database(session: Session) -> int:
    """Raise if the database does not answer; return how many rules it knows."""
    return session.scalar(select(func.count()).select_from(RULES)) or 0
