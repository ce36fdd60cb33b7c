"""Daemons' heartbeats: who runs, since when, when it last beat, what it will run next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from watcher.store.db import upsert
from watcher.store.tables import DaemonRow, table

DAEMONS = table(DaemonRow)
# A daemon silent for this long is gone (killed, or its host down): its row goes.
FORGET_AFTER = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    instance: str
    host: str
    pid: int
    started_at: datetime
    beat_at: datetime
    beat_every_s: float
    next_runs: Mapping[str, str]
    reload_error: str | None = None

    def stale(self, now: datetime) -> bool:
        """Silent for longer than three beats: stopped, killed or stuck."""
        return now - self.beat_at > timedelta(seconds=3 * self.beat_every_s)


def beat(session: Session, heartbeat: Heartbeat) -> None:
    """Record one beat; forget daemons silent for a day."""
    row = {
        "instance": heartbeat.instance,
        "host": heartbeat.host,
        "pid": heartbeat.pid,
        "started_at": heartbeat.started_at,
        "beat_at": heartbeat.beat_at,
        "beat_every_s": heartbeat.beat_every_s,
        "next_runs": dict(heartbeat.next_runs),
        "reload_error": heartbeat.reload_error,
    }
    updated = [name for name in row if name != "instance"]
    upsert(session, DAEMONS, [row], ["instance"], updated)
    session.execute(delete(DAEMONS).where(DAEMONS.c.beat_at < heartbeat.beat_at - FORGET_AFTER))


def forget(session: Session, instance: str) -> None:
    """A daemon that stopped cleanly."""
    session.execute(delete(DAEMONS).where(DAEMONS.c.instance == instance))


def list_daemons(session: Session) -> list[Heartbeat]:
    rows = session.execute(select(DAEMONS).order_by(DAEMONS.c.started_at, DAEMONS.c.id))
    return [
        Heartbeat(
            instance=row.instance,
            host=row.host,
            pid=row.pid,
            started_at=row.started_at,
            beat_at=row.beat_at,
            beat_every_s=row.beat_every_s,
            next_runs=row.next_runs,
            reload_error=row.reload_error,
        )
        for row in rows
    ]
