"""Feed sources' polling state, and the entries each feed carried (to skip those unchanged)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from watcher.store.db import upsert
from watcher.store.tables import SourceEntryRow, SourceRow, table

SOURCES = table(SourceRow)
ENTRIES = table(SourceEntryRow)
# An entry a feed has not carried for this long is forgotten: should it come back, it is
# handled again (its article is found by its content, so nothing is archived twice).
ENTRY_MEMORY = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class SourceState:
    """What watcher knows of a source between polls; a source never polled has only a name."""

    name: str
    url: str = ""
    etag: str | None = None
    last_modified: str | None = None
    fetched_at: datetime | None = None
    ok_at: datetime | None = None
    new_at: datetime | None = None
    failures: int = 0
    failing_since: datetime | None = None
    next_fetch_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    entries: int = 0


_COLUMNS = tuple(name for name in SourceState.__dataclass_fields__ if name != "name")


def load_states(session: Session, names: Collection[str] | None = None) -> dict[str, SourceState]:
    """The state of each source named (of every source recorded, by default)."""
    statement = select(SOURCES).order_by(SOURCES.c.name)
    if names is not None:
        statement = statement.where(SOURCES.c.name.in_(list(names)))
    return {
        row.name: SourceState(row.name, *(getattr(row, column) for column in _COLUMNS))
        for row in session.execute(statement)
    }


def save_state(session: Session, state: SourceState) -> None:
    """Record a source's state after a poll."""
    upsert(session, SOURCES, [asdict(state)], ["name"], _COLUMNS)


def known_entries(session: Session, source: str, key_hashes: Iterable[str]) -> dict[str, str]:
    """key hash -> digest of the entries of `source` among `key_hashes` seen before."""
    rows = session.execute(
        select(ENTRIES.c.key_hash, ENTRIES.c.digest).where(
            ENTRIES.c.source == source, ENTRIES.c.key_hash.in_(list(key_hashes))
        )
    )
    return {key: digest for key, digest in rows}  # noqa: C416 - a Result is not a mapping


def remember_entries(
    session: Session, source: str, digests: Mapping[str, str], now: datetime
) -> None:
    """Note the entries the feed carries now (key hash -> digest); forget those it has not
    carried for ENTRY_MEMORY."""
    rows = [
        {"source": source, "key_hash": key, "digest": digest, "seen_at": now}
        for key, digest in digests.items()
    ]
    upsert(session, ENTRIES, rows, ["source", "key_hash"], ["digest", "seen_at"])
    session.execute(
        delete(ENTRIES).where(ENTRIES.c.source == source, ENTRIES.c.seen_at < now - ENTRY_MEMORY)
    )
