"""Files that could not be ingested, with the reason; cleared once the file ingests."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from watcher.store.db import upsert
from watcher.store.tables import IngestErrorRow, table

ERRORS = table(IngestErrorRow)


@dataclass(frozen=True, slots=True)
class IngestFailure:
    path: str
    reason: str
    seen_at: datetime


def record_errors(session: Session, failures: Sequence[tuple[str, str]], now: datetime) -> None:
    rows = [{"path": path, "reason": reason, "seen_at": now} for path, reason in failures]
    upsert(session, ERRORS, rows, ["path"], ["reason", "seen_at"])


def clear_errors(session: Session, paths: Collection[str]) -> None:
    if paths:
        session.execute(delete(ERRORS).where(ERRORS.c.path.in_(list(paths))))


def failing_paths(session: Session) -> set[str]:
    return set(session.scalars(select(ERRORS.c.path)))


def list_errors(session: Session) -> list[IngestFailure]:
    rows = session.scalars(select(IngestErrorRow).order_by(IngestErrorRow.path))
    return [IngestFailure(row.path, row.reason, row.seen_at) for row in rows]


def count_errors(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ERRORS)) or 0
