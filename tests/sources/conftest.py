"""Fixtures of the source tests: the local feed server, rules, a poll helper."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sources.feedserver import FeedServer, feed_server
from sources.samples import T0
from sqlalchemy.orm import Session, sessionmaker
from support import FixedClock

from watcher.ingest import RecordHits
from watcher.matching import prepare
from watcher.rules import load_rules
from watcher.sources.fetch import Limits, client
from watcher.sources.poll import PollReport, poll_source
from watcher.sources.settings import SourceConfig

LIMITS = Limits(timeout_s=2.0, max_size=200_000, max_redirects=3)
RULES = """\
rules:
  - name: libya
    query: Libya OR Tripoli
  - name: oil
    query: oil
"""

Poll = Callable[..., PollReport]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        yield running


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def recorder(sessions: sessionmaker[Session], tmp_path: Path, clock: FixedClock) -> RecordHits:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    return prepare(sessions, load_rules([rules]), clock())


@pytest.fixture
def poll(sessions: sessionmaker[Session], clock: FixedClock, recorder: RecordHits) -> Poll:
    """poll(source_or_url, limits=LIMITS, **source settings) -> the report of one poll."""

    def run(source: SourceConfig | str, limits: Limits = LIMITS, **settings: object) -> PollReport:
        if isinstance(source, str):
            source = SourceConfig.model_validate({"name": "desk", "url": source, **settings})
        with client(limits) as http:
            return poll_source(sessions, source, http, limits, clock=clock, record_hits=recorder)

    return run
