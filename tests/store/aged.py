"""An archive aged by hand for the retention tests: articles and hits recorded at chosen
times (imported as `store.aged`; tests/ is on sys.path)."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from web.desk import T0, Desk, article

from watcher.model import Article
from watcher.store.digests import add_digest, record_attempt, sync_subscribers
from watcher.store.tables import (
    ArticleLocationRow,
    ArticleRow,
    ArticleVersionRow,
    DigestItemRow,
    DigestRow,
    HitRow,
    RuleRow,
)

RETENTION = timedelta(days=90)
NOW = T0 + timedelta(days=100)
CUTOFF = NOW - RETENTION
OLD = T0  # recorded 100 days before NOW
RECENT = NOW - timedelta(days=5)


def tripoli(n: int = 0, *, body: str = "") -> Article:
    """An article the `libya` rule matches, and nothing else."""
    return article(f"Day {n}: clashes in Tripoli", body or "Fighting resumed.")


def weather(n: int = 0, *, body: str = "") -> Article:
    """An article no rule matches."""
    return article(f"Weather {n}", body or "Sunny.")


def counts(desk: Desk) -> dict[str, int]:
    models = (HitRow, ArticleVersionRow, ArticleRow, ArticleLocationRow, DigestItemRow, DigestRow)
    with desk.services.sessions() as session:
        return {
            model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model)) or 0
            for model in models
        }


def hit_ids(desk: Desk) -> dict[str, int]:
    """Each hit's id by the title of the version it matched."""
    statement = sa.select(ArticleVersionRow.title, HitRow.id).join(
        HitRow, HitRow.article_version_id == ArticleVersionRow.id
    )
    with desk.services.sessions() as session:
        return dict(session.execute(statement).all())


def archived(desk: Desk) -> list[str]:
    """The titles and bodies of every archived version, oldest first."""
    statement = sa.select(ArticleVersionRow.title, ArticleVersionRow.body).order_by(
        ArticleVersionRow.id
    )
    with desk.services.sessions() as session:
        return [f"{title}: {body}" for title, body in session.execute(statement)]


def hits_of(desk: Desk) -> list[str]:
    statement = (
        sa.select(RuleRow.name, ArticleVersionRow.title)
        .join(HitRow, HitRow.rule_id == RuleRow.id)
        .join(ArticleVersionRow, ArticleVersionRow.id == HitRow.article_version_id)
        .order_by(HitRow.id)
    )
    with desk.services.sessions() as session:
        return [f"{rule}: {title}" for rule, title in session.execute(statement)]


def put_in_digest(desk: Desk, hits: list[int], state: str) -> int:
    """A digest of `hits` to one subscriber, left pending, sent or failed for good."""
    with desk.services.sessions.begin() as session:
        subscriber = sync_subscribers(session, ["desk@example.org"], OLD)["desk@example.org"]
        digest_id = add_digest(
            session,
            subscriber.id,
            message_id=f"<{state}-{hits}@example.org>",
            subject="[watcher] news",
            hit_ids=hits,
            now=OLD,
            render=lambda _: b"Subject: news\r\n\r\nnews\r\n",
        )
        if state != "pending":
            outcome = "sent" if state == "sent" else "permanent"
            record_attempt(
                session, digest_id, now=OLD, transport="maildir", outcome=outcome, error=None
            )
    return digest_id
