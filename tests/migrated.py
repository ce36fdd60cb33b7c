"""Test databases: fresh PostgreSQL schemas, and empty databases brought to the newest
schema fast: the migrations run once per backend and test process, and every later
database gets their result, not another Alembic run.

SQLite gets a copy of the migrated file; PostgreSQL gets the very statements the migrations
sent, replayed in one transaction into its schema. Either way the schema is the one the
migrations make (`tests/store/test_migrations.py` runs them for real), and the code under
test still checks the revision as it opens the database.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from watcher.store.db import VERSION_TABLE, make_engine, upgrade

_sqlite_template: Path | None = None
_postgres_statements: list[tuple[str, Any]] | None = None


def migrate_fast(database_url: str) -> None:
    """Bring the database at `database_url` to the newest schema if it has none yet."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _copy_sqlite_template(Path(url.database or ""))
    else:
        _replay_postgres_migrations(database_url)


def _copy_sqlite_template(target: Path) -> None:
    global _sqlite_template  # noqa: PLW0603 - one template per test process
    if target.exists():
        return
    if _sqlite_template is None or not _sqlite_template.exists():
        template = Path(tempfile.mkdtemp(prefix="watcher-tests-")) / "migrated.db"
        atexit.register(shutil.rmtree, template.parent, ignore_errors=True)
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()  # the last connection checkpoints the WAL into the file
        _sqlite_template = template
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_sqlite_template, target)


def _replay_postgres_migrations(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            if sa.inspect(connection).has_table(VERSION_TABLE):
                return
            for statement, parameters in _postgres_migration(database_url):
                connection.exec_driver_sql(statement, parameters)
    finally:
        engine.dispose()


def _postgres_migration(database_url: str) -> list[tuple[str, Any]]:
    """What the migrations send to an empty schema, recorded the first time they run."""
    global _postgres_statements  # noqa: PLW0603 - one recording per test process
    if _postgres_statements is None:
        recorded: list[tuple[str, Any]] = []

        def record(*args: Any) -> None:
            _conn, _cursor, statement, parameters, _context, _many = args
            if not statement.lstrip().upper().startswith("SELECT"):  # checks and locks
                recorded.append((statement, parameters))

        with postgres_schema(database_url) as scratch:
            recording = make_engine(scratch)
            sa.event.listen(recording, "before_cursor_execute", record)
            try:
                upgrade(recording)
            finally:
                recording.dispose()
        _postgres_statements = recorded
    return _postgres_statements


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A fresh empty schema in the PostgreSQL database of `base`, as a URL whose connections
    use it; dropped with all it holds when done."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
