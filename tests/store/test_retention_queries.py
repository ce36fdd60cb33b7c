"""The retention statements run on indexes: the plans of the very statements a prune sends,
explained (see plans.py); and every foreign key a delete cascades through is indexed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from plans import captured, full_scans
from store.aged import CUTOFF, OLD, RECENT, hit_ids, put_in_digest, tripoli, weather
from web.desk import Desk, open_desk

from watcher.store.retention import PruneReport, prune
from watcher.store.tables import Base

# What prune deletes from: every foreign key into these is looked up for each deleted row.
PRUNED_TABLES = ("hits", "article_versions", "articles")
BIG_TABLES = (*PRUNED_TABLES, "article_locations", "digest_items", "digests")


@pytest.fixture
def desk(tmp_path: Path, database_url: str) -> Iterator[Desk]:
    with open_desk(tmp_path / "project", database_url) as opened:
        yield opened


def selects_or_deletes(statement: str) -> bool:
    return statement.lstrip().upper().startswith(("SELECT", "DELETE"))


def test_prune_statements_walk_indexes(desk: Desk) -> None:
    """Every statement a prune sends, explained: none reads a big table whole."""
    desk.ingest([tripoli(n) for n in range(3)], OLD)
    desk.ingest([weather(1, body="Fog."), weather(2)], OLD)
    desk.ingest([weather(1, body="Rain.")], OLD + timedelta(days=1))
    desk.ingest([tripoli(9), weather(3)], RECENT)
    ids = hit_ids(desk)
    put_in_digest(desk, [ids["Day 0: clashes in Tripoli"]], "pending")
    put_in_digest(desk, [ids["Day 1: clashes in Tripoli"]], "sent")
    engine = desk.services.engine
    with captured(engine, selects_or_deletes) as sent:
        report = prune(desk.services.sessions, cutoff=CUTOFF, batch=2)
    assert report == PruneReport(hits=2, versions=5, articles=4)
    assert len(sent) >= 12
    with engine.begin() as connection:
        for statement, params in sent:
            assert full_scans(connection, statement, params, BIG_TABLES) == [], statement


def test_every_foreign_key_prune_deletes_through_is_indexed(engine: sa.Engine) -> None:
    """Deleting a row makes the database look up the rows that refer to it (to cascade): an
    unindexed referring column is read whole for every row deleted."""
    inspector = sa.inspect(engine)
    unindexed = []
    for name in Base.metadata.tables:
        indexes = [*inspector.get_indexes(name), *inspector.get_unique_constraints(name)]
        leading = {index["column_names"][0] for index in indexes}
        for key in inspector.get_foreign_keys(name):
            column = key["constrained_columns"][0]
            if key["referred_table"] in PRUNED_TABLES and column not in leading:
                unindexed.append(f"{name}.{column}")
    assert unindexed == []
