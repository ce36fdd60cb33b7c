"""The record of finished scans: the summary `watcher status` shows as the last scan."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from watcher.store.tables import ScanRow


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """What one scan found, file by file (an article by article, for files that hold several).

    new, changed, unchanged, duplicate (content already archived from another file) and
    waiting (not settled yet) are what this scan saw; errors and warnings count the files
    failing, and ingested with a warning, now, as `watcher errors` lists them, whether this
    scan read them or not.
    """

    new: int
    changed: int
    unchanged: int
    duplicate: int
    waiting: int
    errors: int
    warnings: int
    hits: int
    seconds: float

    def as_dict(self) -> dict[str, int | float]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ScanRecord:
    summary: ScanSummary
    started_at: datetime
    finished_at: datetime


def record_scan(session: Session, record: ScanRecord) -> None:
    session.add(
        ScanRow(
            started_at=record.started_at, finished_at=record.finished_at, **record.summary.as_dict()
        )
    )


def last_scan(session: Session) -> ScanRecord | None:
    row = session.scalars(
        select(ScanRow).order_by(ScanRow.finished_at.desc(), ScanRow.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    summary = ScanSummary(
        new=row.new,
        changed=row.changed,
        unchanged=row.unchanged,
        duplicate=row.duplicate,
        waiting=row.waiting,
        errors=row.errors,
        warnings=row.warnings,
        hits=row.hits,
        seconds=row.seconds,
    )
    return ScanRecord(summary, row.started_at, row.finished_at)
