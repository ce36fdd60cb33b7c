"""Fixtures shared by tests/web and tests/e2e: a desk with hits and built feeds, its server.

Import them by name into a test module (or a conftest) to use them there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web.desk import Desk, newsroom, open_desk
from web.live import LiveServer

from watcher.feeds import build_all
from watcher.web import build_app


@pytest.fixture
def ingested_desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    """The newsroom's articles ingested and their hits recorded; no feed built yet."""
    with open_desk(tmp_path / "project", database_url) as opened:
        for batch, at in newsroom():
            opened.ingest(batch, at)
        yield opened


@pytest.fixture
def desk(ingested_desk: Desk) -> Desk:
    """The newsroom's articles ingested, every feed built."""
    build_all(ingested_desk.services.sessions, ingested_desk.config.feeds, ingested_desk.ruleset)
    return ingested_desk


@pytest.fixture
def server(desk: Desk) -> Iterator[LiveServer]:
    """The desk's app served by uvicorn on a free loopback port."""
    with LiveServer(build_app(desk.services, desk.ruleset)) as live:
        yield live
