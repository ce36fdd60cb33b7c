"""One daemon per SQLite database; one job of a kind at a time, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from watcher.store.db import make_engine
from watcher.store.locks import DaemonRunning, daemon_lock, job_lock


def test_a_second_daemon_lock_names_the_holder(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with daemon_lock(engine):
        holder = (tmp_path / "w.db.lock").read_text(encoding="utf-8")
        assert holder.startswith("pid ")
        with pytest.raises(DaemonRunning) as caught, daemon_lock(engine):
            pass
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(f"another watcher run ({holder.strip()}) holds ")
    with daemon_lock(engine):  # released at the end of the block
        pass
    engine.dispose()


def test_postgresql_takes_several_daemons(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    with daemon_lock(engine), daemon_lock(engine):
        pass
    engine.dispose()


def test_a_job_lock_is_held_once(engine: sa.Engine) -> None:
    with job_lock(engine, "scan", wait=False) as first:
        assert first
        with job_lock(engine, "scan", wait=False) as second:
            assert not second
        with job_lock(engine, "digest:a@example.org", wait=False) as other:
            assert other  # another job's lock is another lock
    with job_lock(engine, "scan", wait=False) as again:
        assert again


def test_watchers_in_two_schemas_of_one_postgresql_database_do_not_share_locks(
    postgres_url: str, another_postgres_url: str
) -> None:
    first, second = make_engine(postgres_url), make_engine(another_postgres_url)
    try:
        with job_lock(first, "scan", wait=False) as held:
            assert held
            with job_lock(second, "scan", wait=False) as also_held:
                assert also_held  # another watcher's scan, in its own schema
            with job_lock(first, "scan", wait=False) as again:
                assert not again
    finally:
        first.dispose()
        second.dispose()


def test_a_job_whose_lock_connection_was_terminated_ends_as_it_ran(postgres_url: str) -> None:
    """An operator ends the lock's session (`pg_terminate_backend`) while the job runs: the
    server released the lock with it, so the job's end raises nothing and the lock is free."""
    app = f"lock-test-{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_url).update_query_dict({"application_name": app})
    engine = make_engine(url.render_as_string(hide_password=False))
    operator = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    try:
        with job_lock(engine, "scan", wait=False) as held:
            assert held
            with operator.connect() as connection:
                ended = connection.execute(
                    sa.text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :app"
                    ),
                    {"app": app},
                ).scalars()
                assert list(ended) == [True]
        with job_lock(engine, "scan", wait=False) as again:
            assert again
    finally:
        engine.dispose()
        operator.dispose()
