"""The one way into the archive: the folder's scan, feed sources and the API all archive
their articles and record their hits here, so the same promises hold whatever the door.

- `archive`: store a batch (idempotent by content) and record the hits of what is new, in
  the caller's transaction.

The hit recorder comes from `watcher.matching` (`Matchers` keeps one per rule set).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from watcher.store.articles import Located, StoredVersion, StoreOutcome, store_articles

RecordHits = Callable[[Session, Sequence[StoredVersion], datetime], int]


@dataclass(frozen=True, slots=True)
class Archived:
    outcome: StoreOutcome
    hits: int


def archive(
    session: Session, batch: Sequence[Located], now: datetime, record_hits: RecordHits | None
) -> Archived:
    """Archive `batch` and record the hits of its new versions, in `session`'s transaction."""
    outcome = store_articles(session, batch, now)
    hits = 0 if record_hits is None else record_hits(session, outcome.versions, now)
    return Archived(outcome, hits)
