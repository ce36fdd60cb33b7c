"""The outbox: subscribers, the hits waiting for them, digests, their items and attempts.

A digest, its items and its Message-ID are committed together before anything is sent;
the unique constraint on (subscriber, hit) makes a hit impossible to put in two digests of
one subscriber, even when two processes compose at once. A sender claims a digest for a
lease before handing it over, so that two processes never send it at the same time.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from watcher.model import Span
from watcher.store.db import insert_ignore
from watcher.store.highlights import RULE_QUERY, RULE_VERSIONS, highlight
from watcher.store.tables import (
    ArticleRow,
    ArticleVersionRow,
    DeliveryAttemptRow,
    DigestItemRow,
    DigestRow,
    HitRow,
    RuleRow,
    SubscriberRow,
    table,
)

SUBSCRIBERS = table(SubscriberRow)
DIGESTS = table(DigestRow)
ITEMS = table(DigestItemRow)
ATTEMPTS = table(DeliveryAttemptRow)
HITS = table(HitRow)
RULES = table(RuleRow)
VERSIONS = table(ArticleVersionRow)
ARTICLES = table(ArticleRow)

EMAIL = "email"
State = Literal["pending", "sent", "failed"]
Kind = Literal["digest", "alert", "summary"]
Outcome = Literal["sent", "transient", "permanent"]


@dataclass(frozen=True, slots=True)
class DigestHit:
    """One hit waiting for a subscriber: which rule matched which article version, and where."""

    hit_id: int
    rule: str  # the rule's name
    article_uid: str  # the article's content-derived uid (its page is /articles/UID)
    title: str
    lead: str
    body: str
    source: str
    published: datetime  # timezone-aware
    url: str | None  # the article's own address, if it has one (not checked: see safe_url)
    spans: tuple[Span, ...]  # offsets into this version's title, lead, body or source
    matched_at: datetime
    backfill: bool


@dataclass(frozen=True, slots=True)
class KnownSubscriber:
    id: int
    address: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredDigest:
    id: int
    subscriber_id: int
    address: str
    message_id: str
    subject: str
    message: bytes
    hit_count: int
    state: State
    kind: Kind
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None


def sync_subscribers(
    session: Session, addresses: Collection[str], now: datetime, *, channel: str = EMAIL
) -> dict[str, KnownSubscriber]:
    """Rows for every address (new ones created now); address -> its row."""
    if not addresses:
        return {}
    rows = [{"channel": channel, "address": a, "created_at": now} for a in sorted(addresses)]
    insert_ignore(session, SUBSCRIBERS, rows, ["channel", "address"])
    found = session.execute(
        select(SUBSCRIBERS.c.id, SUBSCRIBERS.c.address, SUBSCRIBERS.c.created_at).where(
            SUBSCRIBERS.c.channel == channel, SUBSCRIBERS.c.address.in_(list(addresses))
        )
    )
    return {row.address: KnownSubscriber(row.id, row.address, row.created_at) for row in found}


def waiting_hits(
    session: Session,
    subscriber: KnownSubscriber,
    rules: Collection[str],
    *,
    include_backfill: bool,
) -> list[DigestHit]:
    """The hits of `rules` recorded since the subscriber exists and in none of its digests."""
    if not rules:
        return []
    delivered = exists().where(ITEMS.c.subscriber_id == subscriber.id, ITEMS.c.hit_id == HITS.c.id)
    statement = (
        select(
            HITS.c.id,
            RULES.c.name,
            ARTICLES.c.uid,
            VERSIONS.c.title,
            VERSIONS.c.lead,
            VERSIONS.c.body,
            VERSIONS.c.source,
            VERSIONS.c.published,
            VERSIONS.c.url,
            *RULE_QUERY,
            HITS.c.matched_at,
            HITS.c.backfill,
        )
        .join(RULES, RULES.c.id == HITS.c.rule_id)
        .join(RULE_VERSIONS, RULE_VERSIONS.c.id == HITS.c.rule_version_id)
        .join(VERSIONS, VERSIONS.c.id == HITS.c.article_version_id)
        .join(ARTICLES, ARTICLES.c.id == HITS.c.article_id)
        .where(
            RULES.c.name.in_(sorted(rules)),
            HITS.c.matched_at >= subscriber.created_at,
            ~delivered,
        )
        .order_by(HITS.c.matched_at, HITS.c.id)
    )
    if not include_backfill:
        statement = statement.where(HITS.c.backfill.is_(False))
    return [_digest_hit(row) for row in session.execute(statement)]


def _digest_hit(row: Any) -> DigestHit:
    return DigestHit(
        hit_id=row.id,
        rule=row.name,
        article_uid=row.uid,
        title=row.title,
        lead=row.lead,
        body=row.body,
        source=row.source,
        published=row.published,
        url=row.url,
        spans=highlight(row, [row]),
        matched_at=row.matched_at,
        backfill=row.backfill,
    )


def add_digest(
    session: Session,
    subscriber_id: int,
    *,
    message_id: str,
    subject: str,
    hit_ids: Sequence[int],
    now: datetime,
    render: Callable[[int], bytes],
    kind: Kind = "digest",
) -> int:
    """Put one digest in the outbox, pending, with its items; `render(digest_id)` makes the
    message. An item another digest of this subscriber already holds raises IntegrityError
    (the caller's transaction then rolls back: nothing half-made remains)."""
    digest_id = session.execute(
        DIGESTS.insert()
        .values(
            subscriber_id=subscriber_id,
            message_id=message_id,
            kind=kind,
            subject=subject,
            message=b"",
            hit_count=len(hit_ids),
            state="pending",
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        .returning(DIGESTS.c.id)
    ).scalar_one()
    session.execute(
        DIGESTS.update().where(DIGESTS.c.id == digest_id), {"message": render(digest_id)}
    )
    if hit_ids:
        session.execute(
            ITEMS.insert(),
            [
                {"digest_id": digest_id, "subscriber_id": subscriber_id, "hit_id": h}
                for h in hit_ids
            ],
        )
    return int(digest_id)


def _stored() -> Any:
    return select(DIGESTS, SUBSCRIBERS.c.address).join(
        SUBSCRIBERS, SUBSCRIBERS.c.id == DIGESTS.c.subscriber_id
    )


def _to_stored(row: Any) -> StoredDigest:
    return StoredDigest(
        id=row.id,
        subscriber_id=row.subscriber_id,
        address=row.address,
        message_id=row.message_id,
        subject=row.subject,
        message=row.message,
        hit_count=row.hit_count,
        state=row.state,
        kind=row.kind,
        attempts=row.attempts,
        last_error=row.last_error,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at,
    )


def due_digests(
    session: Session,
    now: datetime,
    *,
    subscriber_ids: Collection[int] | None = None,
    ignore_backoff: bool = False,
    include_failed: bool = False,
    channel: str = EMAIL,
) -> list[StoredDigest]:
    """Digests to (re)send now on `channel`, oldest first: pending ones whose backoff is over
    (or all of them), and failed ones when asked."""
    pending = DIGESTS.c.state == "pending"
    if not ignore_backoff:
        pending = and_(pending, DIGESTS.c.next_attempt_at <= now)
    wanted = or_(pending, DIGESTS.c.state == "failed") if include_failed else pending
    statement = (
        _stored()
        .where(wanted, SUBSCRIBERS.c.channel == channel)
        .order_by(DIGESTS.c.created_at, DIGESTS.c.id)
    )
    if subscriber_ids is not None:
        statement = statement.where(DIGESTS.c.subscriber_id.in_(sorted(subscriber_ids)))
    return [_to_stored(row) for row in session.execute(statement)]


def claim_digest(
    session: Session,
    digest_id: int,
    *,
    now: datetime,
    until: datetime,
    owner: str,
    dead_owners: Collection[str] = (),
) -> bool:
    """Take a digest for sending until `until`, unless it was sent or another sender holds
    it; a claim of an owner known to be dead (a killed process) is taken over."""
    free = or_(
        DIGESTS.c.claimed_until.is_(None),
        DIGESTS.c.claimed_until <= now,
        DIGESTS.c.claimed_by.in_(sorted(dead_owners)),
    )
    result = session.execute(
        update(DIGESTS)
        .where(DIGESTS.c.id == digest_id, DIGESTS.c.state != "sent", free)
        .values(claimed_until=until, claimed_by=owner)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def claim_owner(session: Session, digest_id: int) -> str | None:
    """Who holds a digest's claim, if anyone."""
    return session.scalar(select(DIGESTS.c.claimed_by).where(DIGESTS.c.id == digest_id))


def load_digest(session: Session, digest_id: int) -> StoredDigest:
    return _to_stored(session.execute(_stored().where(DIGESTS.c.id == digest_id)).one())


def record_attempt(
    session: Session,
    digest_id: int,
    *,
    now: datetime,
    transport: str,
    outcome: Outcome,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """The end of one try: sent, a transient failure (retried from `retry_at`), or a
    permanent one (failed until asked). Releases the claim."""
    session.execute(
        ATTEMPTS.insert().values(
            digest_id=digest_id, attempted_at=now, transport=transport, outcome=outcome, error=error
        )
    )
    changes: dict[str, Any] = {
        "attempts": DIGESTS.c.attempts + 1,
        "claimed_until": None,
        "claimed_by": None,
    }
    if outcome == "sent":
        changes.update(state="sent", sent_at=now)
    elif outcome == "transient":
        changes.update(last_error=error, next_attempt_at=retry_at or now)
    else:
        changes.update(state="failed", last_error=error)
    session.execute(update(DIGESTS).where(DIGESTS.c.id == digest_id).values(**changes))


def reopen_failed(session: Session, digest_ids: Collection[int], now: datetime) -> None:
    """Failed digests become pending again, due now (`digest send --retry-failed`)."""
    if digest_ids:
        session.execute(
            update(DIGESTS)
            .where(DIGESTS.c.id.in_(sorted(digest_ids)), DIGESTS.c.state == "failed")
            .values(state="pending", next_attempt_at=now)
        )


def list_digests(
    session: Session,
    *,
    limit: int | None = None,
    state: State | None = None,
    channel: str | None = EMAIL,
) -> list[StoredDigest]:
    """The newest digests first (of one state and channel, if given)."""
    statement = _stored().order_by(DIGESTS.c.created_at.desc(), DIGESTS.c.id.desc())
    if channel is not None:
        statement = statement.where(SUBSCRIBERS.c.channel == channel)
    if state is not None:
        statement = statement.where(DIGESTS.c.state == state)
    if limit is not None:
        statement = statement.limit(limit)
    return [_to_stored(row) for row in session.execute(statement)]
