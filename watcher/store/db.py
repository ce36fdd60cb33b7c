"""Engines and sessions: SQLite pragmas (WAL, busy timeout), migrations, portable upserts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Table,
    create_engine,
    event,
    inspect,
    literal_column,
    select,
    table,
)
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

from watcher.errors import StoreError
from watcher.store.locks import job_lock

MIGRATIONS = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
BUSY_TIMEOUT_S = 30.0


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets its folder created, WAL and a busy timeout (the URL's
    `?timeout=SECONDS`, else 30 s: how long a write waits for another program's lock)."""
    parsed = make_url(url)
    # hide_parameters: an error message must never carry the values (article text) it sent.
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    busy_timeout_s = sqlite_busy_timeout_s(parsed)
    # connect_args win over the URL's query, so they carry the URL's own timeout.
    engine = create_engine(url, connect_args={"timeout": busy_timeout_s}, hide_parameters=True)
    event.listen(engine, "connect", _sqlite_pragmas(round(busy_timeout_s * 1000)))
    return engine


def database_reason(error: Exception) -> str:
    """Why the database failed, as one line for a log: the driver's message, without the
    statement SQLAlchemy appends to its own (a log line must not dump SQL or article text)."""
    orig = getattr(error, "orig", None)
    text = str(orig) if orig is not None else str(error).partition("\n")[0]
    return " ".join(text.split())


def sqlite_busy_timeout_s(url: URL) -> float:
    """The seconds a write to this SQLite database waits for another program's lock; the
    config has checked that a `timeout` in the URL is a number."""
    value = url.query.get("timeout")
    if value is None:
        return BUSY_TIMEOUT_S
    return float(value if isinstance(value, str) else value[-1])


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def set_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return set_pragmas


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def head_revision() -> str:
    """The newest migration's revision: each file is named after its revision (`0004_x.py`)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("*_*.py"))


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at; None for a database Alembic never touched."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    revision: str | None = connection.execute(
        select(literal_column("version_num")).select_from(table(VERSION_TABLE))
    ).scalar()
    return revision


def upgrade(engine: Engine) -> None:
    """Apply every pending Alembic migration; a database that cannot be reached is a StoreError.

    A database already at the head (nearly always) costs one query, not Alembic's import.
    Two processes starting on a new database take turns (a lock), so both succeed.
    """
    try:
        with engine.connect() as connection:
            if current_revision(connection) == head_revision():
                return
        with job_lock(engine, "migrations", wait=True), engine.begin() as connection:
            _begin_schema_changes(connection)
            if current_revision(connection) == head_revision():
                return
            from alembic import command  # noqa: PLC0415 - see the docstring
            from alembic.config import Config as AlembicConfig  # noqa: PLC0415

            alembic_config = AlembicConfig()
            alembic_config.set_main_option("script_location", str(MIGRATIONS))
            alembic_config.attributes["connection"] = connection
            command.upgrade(alembic_config, "head")
    except DatabaseError as exc:
        raise StoreError(
            f"cannot open the database {engine.url!r}: {database_reason(exc)} — check database_url"
        ) from exc


def _begin_schema_changes(connection: Connection) -> None:
    """Make the whole upgrade one transaction. SQLite's Python driver opens one only before
    a data change, so without this the first migration's tables were committed one by one:
    a process killed half way left a schema that no later start could migrate."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def insert_ignore(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Iterable[str],
    returning: Sequence[str] = (),
) -> list[Row[Any]]:
    """Insert rows, skipping those that would break the unique constraint on `keys`;
    return the `returning` columns of the rows actually inserted."""
    if not rows:
        return []
    statement = _dialect_insert(session, table).on_conflict_do_nothing(index_elements=list(keys))
    if not returning:
        session.execute(statement, rows)
        return []
    result = session.execute(statement.returning(*(table.c[name] for name in returning)), rows)
    return list(result)


def upsert(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: Iterable[str],
    update: Iterable[str],
) -> None:
    """Insert rows or, where `keys` already exist, overwrite the `update` columns."""
    if not rows:
        return
    statement = _dialect_insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in update}
    )
    session.execute(statement, rows)


def _dialect_insert(session: Session, table: Table) -> Any:
    name = session.get_bind().dialect.name
    # Imported here: a command that never writes (status) need not load both dialects.
    if name == "sqlite":
        from sqlalchemy.dialects import sqlite  # noqa: PLC0415

        return sqlite.insert(table)
    if name == "postgresql":
        from sqlalchemy.dialects import postgresql  # noqa: PLC0415

        return postgresql.insert(table)
    raise StoreError(f"unsupported database {name!r} — use SQLite or PostgreSQL")
