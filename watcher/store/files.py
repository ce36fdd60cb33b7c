"""Files seen by scans: their stat fingerprints, so a rescan reads only what changed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from watcher.model import Fingerprint
from watcher.store.db import upsert
from watcher.store.tables import SeenFileRow, table

FILES = table(SeenFileRow)


def load_fingerprints(session: Session) -> dict[str, Fingerprint]:
    rows = session.execute(select(FILES.c.path, FILES.c.size, FILES.c.mtime_ns, FILES.c.inode))
    return {path: Fingerprint(size, mtime_ns, inode) for path, size, mtime_ns, inode in rows}


def record_files(session: Session, seen: Sequence[tuple[str, Fingerprint]], now: datetime) -> None:
    rows = [
        {"path": path, "size": fp.size, "mtime_ns": fp.mtime_ns, "inode": fp.inode, "seen_at": now}
        for path, fp in seen
    ]
    upsert(session, FILES, rows, ["path"], ["size", "mtime_ns", "inode", "seen_at"])


def forget_files(session: Session, paths: Collection[str]) -> None:
    """Files gone from the folder; their articles and hits stay in the archive."""
    if paths:
        session.execute(delete(FILES).where(FILES.c.path.in_(list(paths))))


def count_files(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FILES)) or 0
