"""What the outbox tells about itself: digest counts, the hits a digest delivered, and
each subscriber's history (when it appeared, its last digest) for the scheduler."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watcher.store.digests import DIGESTS, EMAIL, ITEMS, SUBSCRIBERS, State
from watcher.store.tables import UTCDateTime


def digest_counts(session: Session, *, channel: str = EMAIL) -> dict[State, int]:
    """How many digests (of `channel`) are pending, sent and failed."""
    rows = session.execute(
        select(DIGESTS.c.state, func.count())
        .join(SUBSCRIBERS, SUBSCRIBERS.c.id == DIGESTS.c.subscriber_id)
        .where(SUBSCRIBERS.c.channel == channel)
        .group_by(DIGESTS.c.state)
    )
    counts: dict[State, int] = {"pending": 0, "sent": 0, "failed": 0}
    for state, count in rows:
        counts[state] = count
    return counts


def delivered_hit_ids(session: Session, digest_id: int) -> list[int]:
    """The hits one digest delivers."""
    statement = (
        select(ITEMS.c.hit_id).where(ITEMS.c.digest_id == digest_id).order_by(ITEMS.c.hit_id)
    )
    return list(session.scalars(statement))


@dataclass(frozen=True, slots=True)
class DigestHistory:
    """When a subscriber appeared, and when its last digest was composed."""

    subscribed_at: datetime
    last_digest_at: datetime | None

    def missed(self, due: datetime) -> bool:
        """Whether a send time `due` passed with no digest (while the subscriber existed)."""
        return self.subscribed_at <= due and (
            self.last_digest_at is None or self.last_digest_at < due
        )


def digest_history(
    session: Session, keys: Collection[str], *, channel: str = EMAIL
) -> dict[str, DigestHistory]:
    """Address -> its history, for the subscribers known to the database."""
    statement = (
        select(
            SUBSCRIBERS.c.address,
            SUBSCRIBERS.c.created_at,
            func.max(DIGESTS.c.created_at, type_=UTCDateTime).label("last"),
        )
        .outerjoin(DIGESTS, DIGESTS.c.subscriber_id == SUBSCRIBERS.c.id)
        .where(SUBSCRIBERS.c.channel == channel, SUBSCRIBERS.c.address.in_(sorted(keys)))
        .group_by(SUBSCRIBERS.c.address, SUBSCRIBERS.c.created_at)
    )
    return {
        row.address: DigestHistory(row.created_at, row.last) for row in session.execute(statement)
    }
