"""The queries behind the web pages' hit lists: rule totals, keyset pages of hits, hits by day.

Hits are listed newest first in the feeds' order: hit time, then the article's publication
time, then the hit's id. A page is the hits after a `HitKey` in that order, never an OFFSET,
so a hit recorded while someone reads page 1 does not shift page 2. Each query walks an index
(see tests/test_feeds_queries.py for the plans): one rule's hits `ix_hits_rule_id_matched_at`,
every hit `ix_hits_matched_at`; a few rules are each walked on their own index and merged.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from watcher.model import Span
from watcher.store.feeds import MERGE_MAX_RULES
from watcher.store.highlights import RULE_QUERY, RULE_VERSIONS, highlight
from watcher.store.tables import ArticleRow, ArticleVersionRow, HitRow, RuleRow, table

HITS = table(HitRow)
RULES = table(RuleRow)
VERSIONS = table(ArticleVersionRow)
ARTICLES = table(ArticleRow)

DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class RuleStats:
    """A rule's hit count and its newest hit: when it was recorded, when its article was
    published (what pages show as "last hit")."""

    hits: int
    last_matched: datetime
    last_published: datetime


@dataclass(frozen=True, slots=True, order=True)
class HitKey:
    """Where a hit stands in the order of hits: by hit time, publication time, then id."""

    matched_at: datetime
    published: datetime
    hit_id: int


@dataclass(frozen=True, slots=True)
class PageHit:
    """One hit as a list shows it, with the text of the article version it matched."""

    key: HitKey
    rule: str
    uid: str
    title: str
    lead: str
    body: str
    source: str
    backfill: bool
    spans: tuple[Span, ...]

    @property
    def matched_at(self) -> datetime:
        return self.key.matched_at

    @property
    def published(self) -> datetime:
        return self.key.published


@dataclass(frozen=True, slots=True)
class HitPage:
    """Up to a page of hits, newest first; `older` is the key to ask the next page after,
    None when there is none."""

    hits: tuple[PageHit, ...]
    older: HitKey | None


def ids_of_rules(session: Session, names: Collection[str]) -> dict[str, int]:
    """The ids of those of `names` the database knows (rules are synced to it before matching)."""
    if not names:
        return {}
    rows = session.execute(select(RULES.c.name, RULES.c.id).where(RULES.c.name.in_(sorted(names))))
    return {name: rule_id for name, rule_id in rows}  # noqa: C416 - a Result is not a mapping


def rule_stats(session: Session, rule_ids: Collection[int] | None = None) -> dict[str, RuleStats]:
    """Hit count and newest hit of every rule with hits (or of `rule_ids` only).

    One covering-index scan counts; then each rule's newest hit time is one index seek, and
    among the hits recorded at that time the newest article is the rule's newest hit, as in
    its feed.
    """
    if rule_ids is not None and not rule_ids:
        return {}
    counted_query = select(
        HITS.c.rule_id,
        func.count().label("hits"),
        func.max(HITS.c.matched_at).label("last_matched"),
    ).group_by(HITS.c.rule_id)
    if rule_ids is not None:
        counted_query = counted_query.where(HITS.c.rule_id.in_(sorted(rule_ids)))
    counted = counted_query.subquery()
    statement = (
        select(
            RULES.c.name,
            counted.c.hits,
            counted.c.last_matched,
            func.max(VERSIONS.c.published).label("last_published"),
        )
        .select_from(counted)
        .join(RULES, RULES.c.id == counted.c.rule_id)
        .join(
            HITS,
            and_(HITS.c.rule_id == counted.c.rule_id, HITS.c.matched_at == counted.c.last_matched),
        )
        .join(VERSIONS, VERSIONS.c.id == HITS.c.article_version_id)
        .group_by(RULES.c.name, counted.c.hits, counted.c.last_matched)
    )
    return {
        row.name: RuleStats(row.hits, row.last_matched, row.last_published)
        for row in session.execute(statement)
    }


def _after(key: HitKey | None) -> ColumnElement[bool]:
    """Hits that come after `key` in the newest-first order (every hit when it is None)."""
    if key is None:
        return true()
    return and_(
        # The plain bound lets both databases seek the hit-time index; the rest breaks ties.
        HITS.c.matched_at <= key.matched_at,
        or_(
            HITS.c.matched_at < key.matched_at,
            and_(
                HITS.c.matched_at == key.matched_at,
                or_(
                    VERSIONS.c.published < key.published,
                    and_(VERSIONS.c.published == key.published, HITS.c.id < key.hit_id),
                ),
            ),
        ),
    )


def _keys(
    session: Session, where: ColumnElement[bool], after: HitKey | None, limit: int
) -> list[HitKey]:
    statement = (
        select(HITS.c.matched_at, VERSIONS.c.published, HITS.c.id)
        .join(VERSIONS, VERSIONS.c.id == HITS.c.article_version_id)
        .where(where, _after(after))
        .order_by(HITS.c.matched_at.desc(), VERSIONS.c.published.desc(), HITS.c.id.desc())
        .limit(limit)
    )
    return [HitKey(*row) for row in session.execute(statement)]


def _page_keys(
    session: Session, rule_ids: Collection[int] | None, after: HitKey | None, limit: int
) -> list[HitKey]:
    if rule_ids is None:
        return _keys(session, true(), after, limit)
    wanted = sorted(set(rule_ids))
    if len(wanted) == 1:
        return _keys(session, HITS.c.rule_id == wanted[0], after, limit)
    if len(wanted) <= MERGE_MAX_RULES:
        merged = [k for r in wanted for k in _keys(session, HITS.c.rule_id == r, after, limit)]
        return sorted(merged, reverse=True)[:limit]
    # `+ 0` keeps SQLite walking the hit-time index rather than sorting every hit of the rules.
    return _keys(session, (HITS.c.rule_id + 0).in_(wanted), after, limit)


def hit_page(
    session: Session, rule_ids: Collection[int] | None, after: HitKey | None, limit: int
) -> HitPage:
    """The `limit` newest hits of `rule_ids` (of every rule when None) that come after
    `after` (from the newest when None)."""
    if rule_ids is not None and not rule_ids:
        return HitPage((), None)
    keys = _page_keys(session, rule_ids, after, limit + 1)
    shown, more = keys[:limit], len(keys) > limit
    rows = _hit_rows(session, [key.hit_id for key in shown])
    hits = tuple(_page_hit(key, rows[key.hit_id]) for key in shown)
    return HitPage(hits, shown[-1] if more else None)


def _hit_rows(session: Session, hit_ids: Sequence[int]) -> dict[int, Any]:
    if not hit_ids:
        return {}
    statement = (
        select(
            HITS.c.id,
            HITS.c.backfill,
            *RULE_QUERY,
            RULES.c.name,
            ARTICLES.c.uid,
            VERSIONS.c.title,
            VERSIONS.c.lead,
            VERSIONS.c.body,
            VERSIONS.c.source,
        )
        .join(RULES, RULES.c.id == HITS.c.rule_id)
        .join(RULE_VERSIONS, RULE_VERSIONS.c.id == HITS.c.rule_version_id)
        .join(VERSIONS, VERSIONS.c.id == HITS.c.article_version_id)
        .join(ARTICLES, ARTICLES.c.id == HITS.c.article_id)
        .where(HITS.c.id.in_(hit_ids))
    )
    return {row.id: row for row in session.execute(statement)}


def _page_hit(key: HitKey, row: Any) -> PageHit:
    return PageHit(
        key=key,
        rule=row.name,
        uid=row.uid,
        title=row.title,
        lead=row.lead,
        body=row.body,
        source=row.source,
        backfill=row.backfill,
        spans=highlight(row, [row]),
    )


def hits_by_day(session: Session, rule_id: int, first_day: datetime, days: int) -> list[int]:
    """How many hits the rule recorded on each of `days` days from `first_day` (a midnight;
    a day is 24 hours from it), oldest first: one range walk of the rule's hit-time index."""
    bounds = [first_day + DAY * number for number in range(days + 1)]
    counts = [
        func.count().filter(and_(HITS.c.matched_at >= start, HITS.c.matched_at < end))
        for start, end in pairwise(bounds)
    ]
    statement = select(*counts).where(
        HITS.c.rule_id == rule_id,
        HITS.c.matched_at >= bounds[0],
        HITS.c.matched_at < bounds[-1],
    )
    row = session.execute(statement).one()
    return [int(count) for count in row]
