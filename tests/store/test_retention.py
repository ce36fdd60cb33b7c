"""Retention prunes by when watcher recorded things, keeps every hit still waiting for
delivery (with its version and article), and works in short transactions; on every backend."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from store.aged import (
    CUTOFF,
    NOW,
    OLD,
    RECENT,
    archived,
    counts,
    hit_ids,
    hits_of,
    put_in_digest,
    tripoli,
    weather,
)
from support import FixedClock, write
from web.desk import T0, Desk, article, open_desk

from watcher.matching import prepare_matching
from watcher.scan import run_scan
from watcher.store.articles import latest_versions
from watcher.store.files import count_files
from watcher.store.retention import PruneReport, prune
from watcher.store.tables import DigestItemRow


@pytest.fixture
def desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    with open_desk(tmp_path / "project", database_url) as opened:
        yield opened


def test_old_hits_go_and_recent_ones_stay_whenever_the_articles_were_published(
    desk: Desk,
) -> None:
    in_1987 = datetime(1987, 2, 26, 15, 1, tzinfo=T0.tzinfo)
    desk.ingest([tripoli(1), article("Weather 1", "Rain.", published=NOW)], OLD)
    desk.ingest(
        [
            article("Oil output falls", "Oil fell.", published=in_1987),
            article("Weather 2", "Snow.", published=in_1987),
        ],
        RECENT,
    )
    report = prune(desk.services.sessions, cutoff=CUTOFF)
    assert report == PruneReport(hits=1, versions=2, articles=2)
    assert hits_of(desk) == ["oil: Oil output falls"]
    assert archived(desk) == ["Oil output falls: Oil fell.", "Weather 2: Snow."]


def test_the_cutoff_itself_is_kept(desk: Desk) -> None:
    desk.ingest([tripoli(1)], CUTOFF)
    desk.ingest([tripoli(2)], CUTOFF - timedelta(microseconds=1))
    prune(desk.services.sessions, cutoff=CUTOFF)
    assert hits_of(desk) == ["libya: Day 1: clashes in Tripoli"]


@pytest.mark.parametrize("state", ["pending", "failed"])
def test_a_hit_waiting_in_an_unsent_digest_stays_with_its_version_and_article(
    desk: Desk, state: str
) -> None:
    desk.ingest([tripoli(1), tripoli(2)], OLD)
    waiting = hit_ids(desk)["Day 1: clashes in Tripoli"]
    put_in_digest(desk, [waiting], state)
    report = prune(desk.services.sessions, cutoff=CUTOFF)
    assert report == PruneReport(hits=1, versions=1, articles=1)
    assert hits_of(desk) == ["libya: Day 1: clashes in Tripoli"]
    assert archived(desk) == ["Day 1: clashes in Tripoli: Fighting resumed."]
    assert counts(desk)["digest_items"] == 1
    assert counts(desk)["article_locations"] == 1


def test_a_hit_of_a_sent_digest_goes_and_its_digest_item_with_it(desk: Desk) -> None:
    desk.ingest([tripoli(1), tripoli(2)], OLD)
    ids = hit_ids(desk)
    put_in_digest(desk, [ids["Day 1: clashes in Tripoli"]], "sent")
    put_in_digest(desk, [ids["Day 2: clashes in Tripoli"]], "pending")
    assert counts(desk)["digest_items"] == 2
    report = prune(desk.services.sessions, cutoff=CUTOFF)
    assert report == PruneReport(hits=1, versions=1, articles=1)
    assert hits_of(desk) == ["libya: Day 2: clashes in Tripoli"]
    with desk.services.sessions() as session:
        items = session.execute(sa.select(DigestItemRow.hit_id)).scalars().all()
    assert items == [ids["Day 2: clashes in Tripoli"]]
    assert counts(desk)["digests"] == 2  # the sent digest is its record: it stays


def test_an_old_article_without_hits_goes_with_its_versions_and_locations(desk: Desk) -> None:
    desk.ingest([weather(1)], OLD)
    desk.ingest([weather(1, body="Rain later.")], OLD + timedelta(days=1))  # a new version
    desk.ingest([weather(2)], RECENT)
    assert counts(desk)["article_versions"] == 3
    report = prune(desk.services.sessions, cutoff=CUTOFF)
    assert report == PruneReport(hits=0, versions=2, articles=1)
    assert archived(desk) == ["Weather 2: Sunny."]
    assert counts(desk)["article_locations"] == 1


def test_an_old_article_with_a_recent_hit_stays(desk: Desk) -> None:
    desk.ingest([tripoli(1)], OLD)
    desk.with_rules("rules:\n  - name: clashes\n    query: clashes\n")
    recorder = prepare_matching(desk.services.sessions, desk.ruleset, RECENT)
    with desk.services.sessions.begin() as session:  # as a backfill of a new rule would
        assert recorder(session, latest_versions(session), RECENT) == 1
    report = prune(desk.services.sessions, cutoff=CUTOFF)
    assert report == PruneReport(hits=1, versions=0, articles=0)
    assert hits_of(desk) == ["clashes: Day 1: clashes in Tripoli"]
    assert archived(desk) == ["Day 1: clashes in Tripoli: Fighting resumed."]


def test_old_versions_go_unless_newest_or_hit(desk: Desk) -> None:
    desk.ingest([weather(1, body="Fog.")], OLD)
    desk.ingest([weather(1, body="Tripoli in fog.")], OLD + timedelta(days=1))  # a libya hit
    desk.ingest([weather(1, body="Rain.")], OLD + timedelta(days=2))
    desk.ingest([weather(1, body="Snow.")], RECENT)
    desk.ingest([weather(2, body="Hail.")], OLD)
    desk.ingest([weather(2, body="Sleet.")], RECENT)
    put_in_digest(desk, list(hit_ids(desk).values()), "pending")
    report = prune(desk.services.sessions, cutoff=CUTOFF)
    assert report == PruneReport(hits=0, versions=3, articles=0)
    assert archived(desk) == [
        "Weather 1: Tripoli in fog.",
        "Weather 1: Snow.",
        "Weather 2: Sleet.",
    ]


def test_an_old_articles_newest_version_stays_while_a_hit_keeps_the_article(
    desk: Desk,
) -> None:
    desk.ingest([weather(1, body="Tripoli in fog.")], OLD)
    desk.ingest([weather(1, body="Rain.")], OLD + timedelta(days=1))
    desk.ingest([weather(1, body="Snow.")], OLD + timedelta(days=2))
    put_in_digest(desk, list(hit_ids(desk).values()), "failed")
    report = prune(desk.services.sessions, cutoff=CUTOFF)
    assert report == PruneReport(hits=0, versions=1, articles=0)
    assert archived(desk) == ["Weather 1: Tripoli in fog.", "Weather 1: Snow."]


def test_a_hit_put_in_a_digest_while_prune_chose_it_stays(desk: Desk) -> None:
    """The delete checks the rule again: a digest committed after the hit was chosen keeps it."""
    desk.ingest([tripoli(1), tripoli(2)], OLD)
    ids = hit_ids(desk)
    engine = desk.services.engine
    meanwhile: list[int] = []

    def digest_meanwhile(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if not meanwhile and "ORDER BY hits.matched_at" in statement:
            meanwhile.append(put_in_digest(desk, [ids["Day 1: clashes in Tripoli"]], "pending"))

    sa.event.listen(engine, "after_cursor_execute", digest_meanwhile)
    try:
        report = prune(desk.services.sessions, cutoff=CUTOFF)
    finally:
        sa.event.remove(engine, "after_cursor_execute", digest_meanwhile)
    assert len(meanwhile) == 1
    assert report == PruneReport(hits=1, versions=1, articles=1)
    assert hits_of(desk) == ["libya: Day 1: clashes in Tripoli"]
    assert counts(desk)["digest_items"] == 1


def test_an_article_given_a_new_version_while_prune_chose_it_stays(desk: Desk) -> None:
    """The delete checks the rule again: a version archived after the article was chosen
    keeps it."""
    desk.ingest([weather(1)], OLD)
    engine = desk.services.engine
    meanwhile: list[str] = []

    def version_meanwhile(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        walks_articles = "article_versions.id, article_versions.article_id" in statement
        if not meanwhile and walks_articles and "ORDER BY" in statement:
            meanwhile.append("Rain.")
            desk.ingest([weather(1, body="Rain.")], RECENT)

    sa.event.listen(engine, "after_cursor_execute", version_meanwhile)
    try:
        report = prune(desk.services.sessions, cutoff=CUTOFF)
    finally:
        sa.event.remove(engine, "after_cursor_execute", version_meanwhile)
    assert meanwhile == ["Rain."]
    assert report == PruneReport()
    assert archived(desk) == ["Weather 1: Sunny.", "Weather 1: Rain."]


class Transactions:
    """What each committed transaction deleted, table by table, seen from the engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.committed: list[Counter[str]] = []
        self._current: Counter[str] = Counter()
        sa.event.listen(engine, "after_cursor_execute", self._executed)
        sa.event.listen(engine, "commit", self._commit)

    def _executed(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        if words[:2] == ["DELETE", "FROM"]:
            self._current[words[2]] += cursor.rowcount

    def _commit(self, conn: Any) -> None:
        if self._current:
            self.committed.append(self._current)
        self._current = Counter()

    def deleted(self, table: str) -> list[int]:
        return [done[table] for done in self.committed if done[table]]


def test_batches_are_short_transactions_until_nothing_is_left(desk: Desk) -> None:
    desk.ingest([tripoli(n) for n in range(7)], OLD)
    desk.ingest([tripoli(7)], RECENT)
    transactions = Transactions(desk.services.engine)
    report = prune(desk.services.sessions, cutoff=CUTOFF, batch=2)
    assert report == PruneReport(hits=7, versions=7, articles=7)
    assert transactions.deleted("hits") == [2, 2, 2, 1]
    assert transactions.deleted("articles") == [2, 2, 2, 1]
    assert all(sum(done.values()) <= 4 for done in transactions.committed)
    assert hits_of(desk) == ["libya: Day 7: clashes in Tripoli"]


def test_the_batches_walk_past_old_rows_the_rules_keep(desk: Desk) -> None:
    """The oldest hits wait in a digest: the batches pass them and prune the rest."""
    desk.ingest([tripoli(n) for n in range(6)], OLD)
    ids = hit_ids(desk)
    put_in_digest(desk, [ids[f"Day {n}: clashes in Tripoli"] for n in (0, 1, 2)], "pending")
    report = prune(desk.services.sessions, cutoff=CUTOFF, batch=2)
    assert report == PruneReport(hits=3, versions=3, articles=3)
    assert hits_of(desk) == [f"libya: Day {n}: clashes in Tripoli" for n in (0, 1, 2)]


def test_a_second_prune_finds_nothing(desk: Desk) -> None:
    desk.ingest([tripoli(1), weather(1)], OLD)
    assert prune(desk.services.sessions, cutoff=CUTOFF) == PruneReport(1, 2, 2)
    assert prune(desk.services.sessions, cutoff=CUTOFF) == PruneReport()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"cutoff": CUTOFF.replace(tzinfo=None)}, "time zone", id="naive-cutoff"),
        pytest.param({"cutoff": CUTOFF, "batch": 0}, "at least 1, got 0", id="empty-batch"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_deleted(
    desk: Desk, options: dict[str, Any], message: str
) -> None:
    desk.ingest([tripoli(1)], OLD)
    with pytest.raises(ValueError, match=message):
        prune(desk.services.sessions, **options)
    assert counts(desk)["hits"] == 1


def test_a_pruned_article_whose_file_stays_is_not_read_again_until_it_changes(
    desk: Desk,
) -> None:
    """seen_files keeps the file's fingerprint: an unchanged file is not archived again."""
    settings = desk.services.scan_settings
    path = write(settings.seeds_dir / "calm.txt", "A calm day\n\nNothing happened.\n")
    os.utime(path, (OLD.timestamp() - 60, OLD.timestamp() - 60))
    sessions = desk.services.sessions
    assert run_scan(sessions, settings, clock=FixedClock(OLD)).new == 1
    assert prune(sessions, cutoff=CUTOFF) == PruneReport(versions=1, articles=1)
    again = run_scan(sessions, settings, clock=FixedClock(NOW))
    assert (again.new, again.unchanged) == (0, 1)
    assert archived(desk) == []
    with sessions() as session:
        assert count_files(session) == 1
    write(path, "A calm day\n\nNothing happened, again.\n")
    os.utime(path, (NOW.timestamp() - 60, NOW.timestamp() - 60))
    changed = run_scan(sessions, settings, clock=FixedClock(NOW))
    assert (changed.new, changed.changed) == (1, 0)
    assert archived(desk) == ["A calm day: Nothing happened, again."]
