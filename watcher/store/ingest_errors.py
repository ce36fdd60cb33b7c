"""Files that could not be ingested (errors) or were ingested with a guess (warnings), with
the reason; a file's entry is cleared once it reads cleanly, and when it goes away."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from watcher.store.db import upsert
from watcher.store.tables import IngestErrorRow, table

ERRORS = table(IngestErrorRow)
Level = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class IngestFailure:
    path: str
    level: str  # "error": not ingested; "warning": ingested, but something was guessed
    reason: str
    seen_at: datetime


def record_errors(session: Session, failures: Sequence[tuple[str, str]], now: datetime) -> None:
    """Files that could not be ingested: (path, reason)."""
    _record(session, "error", failures, now)


def record_warnings(session: Session, warnings: Sequence[tuple[str, str]], now: datetime) -> None:
    """Files ingested with a guess (a time that did not parse): (path, reason)."""
    _record(session, "warning", warnings, now)


def _record(
    session: Session, level: Level, entries: Sequence[tuple[str, str]], now: datetime
) -> None:
    rows = [
        {"path": path, "level": level, "reason": reason, "seen_at": now} for path, reason in entries
    ]
    upsert(session, ERRORS, rows, ["path"], ["level", "reason", "seen_at"])


def clear_errors(session: Session, paths: Collection[str]) -> None:
    """Forget the error or warning of each of these files."""
    if paths:
        session.execute(delete(ERRORS).where(ERRORS.c.path.in_(list(paths))))


def failing_paths(session: Session) -> set[str]:
    """The files that could not be ingested when last read."""
    return set(session.scalars(select(ERRORS.c.path).where(ERRORS.c.level == "error")))


def list_errors(session: Session) -> list[IngestFailure]:
    """Errors first ("error" sorts before "warning"), then by path."""
    rows = session.scalars(
        select(IngestErrorRow).order_by(IngestErrorRow.level, IngestErrorRow.path)
    )
    return [IngestFailure(row.path, row.level, row.reason, row.seen_at) for row in rows]


def count_errors(session: Session) -> int:
    """The files failing now."""
    return _count(session, "error")


def count_warnings(session: Session) -> int:
    """The files ingested with a warning standing."""
    return _count(session, "warning")


def _count(session: Session, level: Level) -> int:
    statement = select(func.count()).select_from(ERRORS).where(ERRORS.c.level == level)
    return session.scalar(statement) or 0
