"""Storing article batches: identity by content, idempotence, unique constraints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from watcher.model import Article
from watcher.store.articles import Located, count_articles, store_articles
from watcher.store.tables import ArticleVersionRow

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def article(body: str) -> Article:
    return Article("Title", "", body, "Desk", datetime(2026, 2, 1, tzinfo=UTC))


def test_storing_the_same_batch_twice_adds_nothing(sessions: sessionmaker[Session]) -> None:
    batch = [Located("a.txt", 0, article("one")), Located("b.json", 1, article("two"))]
    with sessions.begin() as session:
        first = store_articles(session, batch, NOW)
    with sessions.begin() as session:
        second = store_articles(session, batch, NOW)
        assert count_articles(session) == 2
    assert (first.new, len(first.versions)) == (2, 2)
    assert (second.new, second.unchanged, second.versions) == (0, 2, [])


def test_times_survive_the_round_trip_as_utc(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        store_articles(session, [Located("a.txt", 0, article("x"))], NOW)
    with sessions() as session:
        row = session.scalars(sa.select(ArticleVersionRow)).one()
    assert row.published == datetime(2026, 2, 1, tzinfo=UTC)
    assert row.published.tzinfo is not None


def test_the_database_refuses_a_duplicate_version(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        stored = store_articles(session, [Located("a.txt", 0, article("x"))], NOW)
    with sessions() as session:
        row = session.get(ArticleVersionRow, stored.versions[0].id)
        assert row is not None
        values = {c.name: getattr(row, c.name) for c in ArticleVersionRow.__table__.columns}
    values.pop("id")
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.execute(sa.insert(ArticleVersionRow), [values])
