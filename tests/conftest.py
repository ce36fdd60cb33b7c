"""Shared fixtures: a real database per backend, a project folder, a fixed clock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from migrated import migrate_fast, postgres_schema
from sqlalchemy.orm import Session, sessionmaker
from support import EXAMPLE, POSTGRES_ENV, REPO
from web.fixtures import ingested_desk

__all__ = ["ingested_desk"]  # shared with the feed tests at this level

from watcher.store.db import make_engine, make_sessionmaker, upgrade


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow tests first: run in parallel, one that started last would run alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _no_caller_terminal_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output is checked as a pipe prints it, whatever terminal runs the tests: a shell (or
    pytest-xdist) exporting COLUMNS=80 would fold the tables (a test wanting a width sets it)."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: SQLite in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'watcher.db'}"
        return
    yield request.getfixturevalue("postgres_url")


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL schema, dropped afterwards; skipped when no server is configured."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    with postgres_schema(base) as url:
        yield url


@pytest.fixture
def another_postgres_url(postgres_url: str) -> Iterator[str]:
    """A second fresh schema in the same PostgreSQL database (a second watcher beside it)."""
    with postgres_schema(os.environ[POSTGRES_ENV]) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    migrate_fast(database_url)
    engine = make_engine(database_url)
    upgrade(engine)  # at the newest revision already: only checks it
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: sa.Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder laid out as shipped: config/, seeds/ with the example, var/."""
    root = tmp_path / "project"
    shutil.copytree(REPO / "config", root / "config")
    (root / "seeds").mkdir()
    shutil.copy(EXAMPLE, root / "seeds")
    (root / "var").mkdir()
    return root
