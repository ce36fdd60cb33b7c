"""Engines: how long a SQLite write waits for another program's lock, as the URL says."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from watcher.store.db import make_engine


@pytest.mark.parametrize(
    ("query", "waits_ms"),
    [
        pytest.param("", 30_000, id="default"),
        pytest.param("?timeout=1", 1_000, id="one-second"),
        pytest.param("?timeout=120.5", 120_500, id="longer"),
    ],
)
def test_a_sqlite_write_waits_as_long_as_the_url_says(
    tmp_path: Path, query: str, waits_ms: int
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}{query}")
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA busy_timeout")).scalar() == waits_ms
    finally:
        engine.dispose()
