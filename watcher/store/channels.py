"""What the outbox says of push channels: their last hour (rate limits) and their state.

Channels are subscriber rows of their own channel ("apprise", named by the channel's name);
their alerts and summaries are rows of `digests`, so the queries that carry the digests'
promise (`store.digests`) carry theirs. These are the few questions only channels ask.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from watcher.store.digests import ATTEMPTS, DIGESTS
from watcher.store.tables import UTCDateTime


@dataclass(frozen=True, slots=True)
class LastHour:
    """Single alerts made since a moment, and the latest summary ever made."""

    alerts: int
    last_summary: datetime | None


def last_hour(session: Session, subscriber_id: int, since: datetime) -> LastHour:
    """What one channel got: alerts made after `since`, and when its last summary was made."""
    mine = DIGESTS.c.subscriber_id == subscriber_id
    alerts = session.scalar(
        select(func.count()).where(mine, DIGESTS.c.kind == "alert", DIGESTS.c.created_at > since)
    )
    last = session.scalar(
        select(func.max(DIGESTS.c.created_at, type_=UTCDateTime)).where(
            mine, DIGESTS.c.kind == "summary"
        )
    )
    return LastHour(int(alerts or 0), last)


@dataclass(frozen=True, slots=True)
class DeliveryState:
    """A channel's deliveries: how many went, how many wait, and whether it is failing."""

    sent: int = 0
    pending: int = 0
    last_sent_at: datetime | None = None
    failing_since: datetime | None = None  # the first failed try of what still waits
    last_error: str | None = None
    next_attempt_at: datetime | None = None


def delivery_states(session: Session, subscriber_ids: Collection[int]) -> dict[int, DeliveryState]:
    """Subscriber row id -> its state, for the rows that have had any delivery."""
    if not subscriber_ids:
        return {}
    ids = sorted(subscriber_ids)
    pending = DIGESTS.c.state == "pending"
    sent = DIGESTS.c.state == "sent"
    counts = session.execute(
        select(
            DIGESTS.c.subscriber_id,
            func.count().filter(sent).label("sent"),
            func.count().filter(pending).label("pending"),
            func.max(DIGESTS.c.sent_at, type_=UTCDateTime).label("last_sent"),
            func.min(DIGESTS.c.next_attempt_at, type_=UTCDateTime)
            .filter(pending)
            .label("next_attempt"),
        )
        .where(DIGESTS.c.subscriber_id.in_(ids))
        .group_by(DIGESTS.c.subscriber_id)
    ).all()
    failing = dict(
        session.execute(
            select(DIGESTS.c.subscriber_id, func.min(ATTEMPTS.c.attempted_at, type_=UTCDateTime))
            .join(ATTEMPTS, ATTEMPTS.c.digest_id == DIGESTS.c.id)
            .where(DIGESTS.c.subscriber_id.in_(ids), pending, ATTEMPTS.c.outcome != "sent")
            .group_by(DIGESTS.c.subscriber_id)
        ).all()
    )
    errors = _last_errors(session, ids)
    return {
        row.subscriber_id: DeliveryState(
            sent=row.sent,
            pending=row.pending,
            last_sent_at=row.last_sent,
            failing_since=failing.get(row.subscriber_id),
            last_error=errors.get(row.subscriber_id) if row.subscriber_id in failing else None,
            next_attempt_at=row.next_attempt,
        )
        for row in counts
    }


def _last_errors(session: Session, ids: list[int]) -> dict[int, str]:
    """The error of each row's latest failed try."""
    latest = (
        select(DIGESTS.c.subscriber_id, func.max(ATTEMPTS.c.id).label("attempt_id"))
        .join(ATTEMPTS, ATTEMPTS.c.digest_id == DIGESTS.c.id)
        .where(DIGESTS.c.subscriber_id.in_(ids), ATTEMPTS.c.outcome != "sent")
        .group_by(DIGESTS.c.subscriber_id)
        .subquery()
    )
    rows = session.execute(
        select(latest.c.subscriber_id, ATTEMPTS.c.error).join(
            ATTEMPTS, and_(ATTEMPTS.c.id == latest.c.attempt_id)
        )
    )
    return {row.subscriber_id: row.error or "" for row in rows}
