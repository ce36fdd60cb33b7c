"""Hits: recorded once per rule and article (a unique constraint), listed newest first."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from watcher.model import Span
from watcher.store.db import insert_ignore
from watcher.store.highlights import RULE_QUERY, RULE_VERSIONS, highlight
from watcher.store.tables import ArticleVersionRow, HitRow, RuleRow, table

HITS = table(HitRow)


@dataclass(frozen=True, slots=True)
class NewHit:
    rule_id: int
    rule_version_id: int
    article_id: int
    article_version_id: int
    backfill: bool = False


@dataclass(frozen=True, slots=True)
class HitView:
    """A hit with what a listing shows of its article (the version that matched)."""

    rule: str
    article_id: int
    title: str
    source: str
    published: datetime
    path: str
    matched_at: datetime
    backfill: bool
    spans: tuple[Span, ...]  # in the version that matched, found again (see store.highlights)


def record_hits(session: Session, hits: Sequence[NewHit], now: datetime) -> int:
    """Insert the hits not yet recorded for their rule and article; return how many were new."""
    rows = [
        {
            "rule_id": hit.rule_id,
            "rule_version_id": hit.rule_version_id,
            "article_id": hit.article_id,
            "article_version_id": hit.article_version_id,
            "matched_at": now,
            "backfill": hit.backfill,
        }
        for hit in hits
    ]
    return len(insert_ignore(session, HITS, rows, ["rule_id", "article_id"], returning=("id",)))


_Statement = TypeVar("_Statement", bound="Select[*tuple[Any, ...]]")


def _filtered(
    statement: _Statement, rules: Collection[str] | None, since: datetime | None
) -> _Statement:
    if rules is not None:
        statement = statement.where(RuleRow.name.in_(list(rules)))
    if since is not None:
        statement = statement.where(HitRow.matched_at >= since)
    return statement


def list_hits(
    session: Session,
    *,
    rules: Collection[str] | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> list[HitView]:
    """Hits of these rules recorded since `since`, newest article (by publication) first."""
    statement = (
        select(HitRow, RuleRow.name, ArticleVersionRow, *RULE_QUERY)
        .join(RuleRow, RuleRow.id == HitRow.rule_id)
        .join(RULE_VERSIONS, RULE_VERSIONS.c.id == HitRow.rule_version_id)
        .join(ArticleVersionRow, ArticleVersionRow.id == HitRow.article_version_id)
        .order_by(ArticleVersionRow.published.desc(), HitRow.id.desc())
    )
    statement = _filtered(statement, rules, since)
    if limit is not None:
        statement = statement.limit(limit)
    return [
        HitView(
            rule=row.name,
            article_id=row.HitRow.article_id,
            title=row.ArticleVersionRow.title,
            source=row.ArticleVersionRow.source,
            published=row.ArticleVersionRow.published,
            path=row.ArticleVersionRow.path,
            matched_at=row.HitRow.matched_at,
            backfill=row.HitRow.backfill,
            spans=highlight(row.ArticleVersionRow, [row]),
        )
        for row in session.execute(statement)
    ]


def count_matching_hits(
    session: Session, *, rules: Collection[str] | None = None, since: datetime | None = None
) -> int:
    """How many hits `list_hits` would list without a limit."""
    statement = select(func.count()).select_from(HitRow).join(RuleRow, RuleRow.id == HitRow.rule_id)
    return session.scalar(_filtered(statement, rules, since)) or 0


def count_hits(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(HITS)) or 0


@dataclass(frozen=True, slots=True)
class ArticleHit:
    """A hit as the article it belongs to lists it."""

    rule: str
    matched_at: datetime
    backfill: bool
    spans: tuple[Span, ...]  # in the version that matched


def hits_of_articles(session: Session, article_ids: Collection[int]) -> dict[int, list[ArticleHit]]:
    """article id -> its hits, by rule name, for each of `article_ids` that has any."""
    statement = (
        select(HitRow, RuleRow.name, ArticleVersionRow, *RULE_QUERY)
        .join(RuleRow, RuleRow.id == HitRow.rule_id)
        .join(RULE_VERSIONS, RULE_VERSIONS.c.id == HitRow.rule_version_id)
        .join(ArticleVersionRow, ArticleVersionRow.id == HitRow.article_version_id)
        .where(HitRow.article_id.in_(list(article_ids)))
        .order_by(RuleRow.name)
    )
    found: dict[int, list[ArticleHit]] = {}
    for row in session.execute(statement):
        hit = row.HitRow
        spans = highlight(row.ArticleVersionRow, [row])
        found.setdefault(hit.article_id, []).append(
            ArticleHit(row.name, hit.matched_at, hit.backfill, spans)
        )
    return found
