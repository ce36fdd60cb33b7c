"""Where processes meet: one daemon per SQLite database, one job of a kind at a time.

SQLite: lock files beside the database (`watcher.db.lock` for the daemon, `watcher.db.scan.lock`
for a job), held with `flock`, which the kernel releases when the process dies, `kill -9`
included: a stale lock file is never a problem. PostgreSQL: session advisory locks, keyed
by the job's name, held on a connection of their own; several daemons may share the
database, and each job runs in one of them at a time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import DBAPIError

from watcher.errors import ExitCode, WatcherError


class DaemonRunning(WatcherError):
    """Another daemon holds this SQLite database."""

    exit_code = ExitCode.USAGE  # stop the other one first


def _sqlite_file(engine: Engine) -> Path | None:
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _advisory_key(schema: str, name: str) -> int:
    """A stable signed 64-bit key for `name` in `schema` (PostgreSQL advisory locks take a
    bigint, and are shared by the whole database: the schema keeps two watchers that each
    have their own schema in one database from taking each other's locks)."""
    digest = hashlib.blake2b(f"watcher:{schema}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.contextmanager
def daemon_lock(engine: Engine, *, now: datetime | None = None) -> Iterator[None]:
    """Hold the daemon's lock for a SQLite database while the block runs; DaemonRunning,
    naming the holder, when another daemon has it. PostgreSQL needs none: several daemons may
    share it."""
    database = _sqlite_file(engine)
    if database is None:
        yield
        return
    path = database.with_name(database.name + ".lock")
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise DaemonRunning(
                f"another watcher run ({holder}) holds {path} — stop it first; "
                "one daemon per SQLite database (use PostgreSQL for several)"
            ) from None
        started = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since {started}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def job_lock(engine: Engine, name: str, *, wait: bool) -> Iterator[bool]:
    """Run a job alone: yields True when this process holds the lock named `name`; with
    `wait=False`, False at once when another process holds it (the job is then skipped)."""
    database = _sqlite_file(engine)
    if database is not None:
        path = database.with_name(f"{database.name}.{name}.lock")
        with path.open("a", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if engine.url.get_backend_name() != "postgresql":
        yield True  # an in-memory database: nothing else can reach it
        return
    with engine.connect() as connection:
        key = _advisory_key(str(connection.execute(select(func.current_schema())).scalar()), name)
        if wait:
            connection.execute(select(func.pg_advisory_lock(key)))
            held = True
        else:
            held = bool(connection.execute(select(func.pg_try_advisory_lock(key))).scalar())
        connection.commit()
        try:
            yield held
        finally:
            if held:
                _unlock(connection, key)


def _unlock(connection: Connection, key: int) -> None:
    """Release an advisory lock; a session that is gone (terminated, or its server restarted)
    took the lock with it, and the job that ran under it is not a failure for that."""
    try:
        connection.execute(select(func.pg_advisory_unlock(key)))
        connection.commit()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
