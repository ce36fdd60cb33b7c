"""Migrations build exactly the schema the models describe, on every backend, repeatably."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from watcher.store.articles import latest_versions
from watcher.store.db import (
    MIGRATIONS,
    current_revision,
    head_revision,
    make_engine,
    make_sessionmaker,
    upgrade,
)
from watcher.store.ingest_errors import IngestFailure, list_errors
from watcher.store.scans import last_scan
from watcher.store.tables import Base


def test_migrated_schema_matches_the_models(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_twice_is_harmless(engine: sa.Engine) -> None:
    upgrade(engine)
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert {
        "articles",
        "article_versions",
        "seen_files",
        "ingest_errors",
        "alembic_version",
    } <= tables


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'w.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    engine.dispose()


def test_upgrade_keeps_the_scans_and_errors_of_an_older_archive(database_url: str) -> None:
    engine = make_engine(database_url)
    alembic_config = AlembicConfig()
    alembic_config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        alembic_config.attributes["connection"] = connection
        command.upgrade(alembic_config, "0002")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    old_scan = {"new": 3, "changed": 1, "unchanged": 7, "errors": 2, "hits": 5, "seconds": 0.5}
    with engine.begin() as connection:
        scans = sa.Table("scans", sa.MetaData(), autoload_with=connection)
        connection.execute(sa.insert(scans), [{**old_scan, "started_at": at, "finished_at": at}])
        errors = sa.Table("ingest_errors", sa.MetaData(), autoload_with=connection)
        failure = {"path": "empty.txt", "reason": "empty file", "seen_at": at}
        connection.execute(sa.insert(errors), [failure])
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        record = last_scan(session)
        failures = list_errors(session)
    engine.dispose()
    assert record is not None
    assert record.summary.as_dict() == {**old_scan, "duplicate": 0, "waiting": 0, "warnings": 0}
    assert failures == [IngestFailure("empty.txt", "error", "empty file", at)]


def test_the_head_revision_is_alembics_head() -> None:
    """`upgrade` skips Alembic when the database is at `head_revision()`: it must be the head
    Alembic itself would upgrade to."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_a_database_at_the_head_reports_it(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()


def test_a_database_behind_the_head_is_upgraded(database_url: str) -> None:
    engine = make_engine(database_url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    with engine.connect() as connection:
        assert current_revision(connection) == "0002"
    upgrade(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert sa.inspect(connection).has_table("digests")
    engine.dispose()


def test_upgrade_gives_archived_feed_entries_their_source_tags(database_url: str) -> None:
    """Before 0010 a feed entry's version kept its source's tags as its own tags; a file's
    own tags (front matter) are not a source's."""
    engine = make_engine(database_url)
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        articles = sa.Table("articles", sa.MetaData(), autoload_with=connection)
        versions = sa.Table("article_versions", sa.MetaData(), autoload_with=connection)
        connection.execute(
            sa.insert(articles), [{"id": i, "uid": f"u{i}", "created_at": at} for i in (1, 2)]
        )
        old = {"title": "t", "lead": "", "body": "b", "source": "s", "published": at}
        connection.execute(
            sa.insert(versions),
            [
                {
                    **old,
                    "article_id": 1,
                    "content_hash": "h1",
                    "path": "source:bbc:k",
                    "url": None,
                    "tags": ["mena"],
                    "created_at": at,
                },
                {
                    **old,
                    "article_id": 2,
                    "content_hash": "h2",
                    "path": "notes/a.md",
                    "url": None,
                    "tags": ["mena"],
                    "created_at": at,
                },
            ],
        )
    upgrade(engine)
    with make_sessionmaker(engine)() as session:
        stored = {version.path: version.article for version in latest_versions(session)}
    engine.dispose()
    assert stored["source:bbc:k"].source_tags == ("mena",)
    assert stored["notes/a.md"].source_tags == ()
    assert stored["notes/a.md"].tags == ("mena",)


class Interrupted(Exception):
    """The process dies here (as under `kill -9`, nothing after it runs)."""


def test_a_first_upgrade_stopped_half_way_leaves_nothing_behind(database_url: str) -> None:
    """The whole upgrade is one transaction: stopped in the second migration, the first one's
    tables are gone too, and the next start migrates from scratch."""
    engine = make_engine(database_url)

    def stop_at_hits(*args: object) -> None:
        if str(args[2]).lstrip().startswith("CREATE TABLE hits"):
            raise Interrupted

    sa.event.listen(engine, "before_cursor_execute", stop_at_hits)
    with pytest.raises(Interrupted):
        upgrade(engine)
    sa.event.remove(engine, "before_cursor_execute", stop_at_hits)
    with engine.connect() as connection:
        assert sa.inspect(connection).get_table_names() == []
    upgrade(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()
