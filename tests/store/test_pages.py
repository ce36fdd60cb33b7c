"""The page queries on both databases: rule totals, keyset pages of hits, hits by day."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

import pytest
from web.desk import T0, Desk, article

from watcher.store.pages import HitKey, hit_page, hits_by_day, ids_of_rules, rule_stats

HOUR = timedelta(hours=1)


def every_key(desk: Desk, ids: Collection[int] | None) -> list[HitKey]:
    """Every hit's key, newest first, by walking pages of one hit (the reference order)."""
    keys, after = [], None
    with desk.services.sessions() as session:
        while True:
            page = hit_page(session, ids, after, 1)
            keys.extend(hit.key for hit in page.hits)
            if page.older is None:
                return keys
            after = page.older


def test_ids_of_rules_name_only_the_rules_the_database_knows(ingested_desk: Desk) -> None:
    with ingested_desk.services.sessions() as session:
        ids = ids_of_rules(session, ["libya", "oil", "never-synced"])
        assert set(ids) == {"libya", "oil"}
        assert ids_of_rules(session, []) == {}
        assert rule_stats(session, []) == {}


def test_rule_stats_give_the_newest_hit_by_hit_time_then_publication(
    ingested_desk: Desk,
) -> None:
    with ingested_desk.services.sessions() as session:
        stats = rule_stats(session)
        ids = ids_of_rules(session, ["libya"])
        only = rule_stats(session, ids.values())
    assert set(stats) == {"libya", "wagner", "oil"}
    libya = stats["libya"]
    assert libya.hits == 3
    assert libya.last_matched == T0 + HOUR
    # "Clashes near Tripoli" was published later (T0) but recorded earlier: the newest hit is
    # the newest article among those recorded last, as the rule's feed puts it first.
    assert libya.last_published == T0 - HOUR
    assert (stats["wagner"].hits, stats["wagner"].last_published) == (1, T0 - 5 * HOUR)
    assert only == {"libya": libya}


def test_pages_walk_every_hit_once_newest_first(ingested_desk: Desk) -> None:
    keys = every_key(ingested_desk, None)
    assert len(keys) == 6
    assert keys == sorted(keys, reverse=True)
    assert len(set(keys)) == 6
    with ingested_desk.services.sessions() as session:
        first = hit_page(session, None, None, 4)
        rest = hit_page(session, None, first.older, 4)
    assert [hit.key for hit in first.hits] == keys[:4]
    assert first.older == keys[3]
    assert [hit.key for hit in rest.hits] == keys[4:]
    assert rest.older is None
    newest = first.hits[0]
    assert (newest.title, newest.source, newest.published) == ("", "Agence", T0 - HOUR)
    assert newest.body.startswith("Untitled dispatch")
    assert {span.text for span in newest.spans} in ({"Libya"}, {"oil"})


def test_ties_on_hit_and_publication_time_page_by_id(ingested_desk: Desk) -> None:
    moment = T0 + 2 * HOUR
    batch = [article(f"Oil story {number}", "Oil again.") for number in range(7)]
    ingested_desk.ingest(batch, moment)
    keys = every_key(ingested_desk, None)
    tied = [key for key in keys if key.matched_at == moment]
    assert len(tied) == 7
    assert [key.hit_id for key in tied] == sorted((key.hit_id for key in tied), reverse=True)
    with ingested_desk.services.sessions() as session:
        oil = ids_of_rules(session, ["oil"])["oil"]
        pages, after = [], None
        while True:
            page = hit_page(session, [oil], after, 3)
            pages.append([hit.key for hit in page.hits])
            if page.older is None:
                break
            after = page.older
    assert [len(page) for page in pages] == [3, 3, 3]
    assert [key for page in pages for key in page] == every_key(ingested_desk, [oil])


@pytest.mark.parametrize(
    "names",
    [
        pytest.param(["libya"], id="one-rule"),
        pytest.param(["libya", "wagner"], id="a-few-rules-merged"),
        pytest.param(["libya", "wagner", "oil"], id="every-rule-merged"),
    ],
)
def test_pages_of_some_rules_hold_exactly_their_hits(ingested_desk: Desk, names: list[str]) -> None:
    with ingested_desk.services.sessions() as session:
        ids = ids_of_rules(session, names)
    every = every_key(ingested_desk, None)
    with ingested_desk.services.sessions() as session:
        page = hit_page(session, ids.values(), None, 10)
    assert {hit.rule for hit in page.hits} == set(names)
    chosen = [hit.key for hit in page.hits]
    assert chosen == [key for key in every if key in set(chosen)]
    many = [*ids.values(), *range(1000, 1070)]  # past the merge limit: one walk of all hits
    assert every_key(ingested_desk, many) == every_key(ingested_desk, ids.values()) == chosen


def test_no_rules_means_no_hits(ingested_desk: Desk) -> None:
    with ingested_desk.services.sessions() as session:
        page = hit_page(session, [], None, 10)
    assert (page.hits, page.older) == ((), None)


def test_a_hit_recorded_between_pages_does_not_shift_the_next_page(ingested_desk: Desk) -> None:
    before = every_key(ingested_desk, None)
    with ingested_desk.services.sessions() as session:
        first = hit_page(session, None, None, 2)
    ingested_desk.ingest([article("Tripoli again", "Tripoli and oil.")], T0 + 3 * HOUR)
    with ingested_desk.services.sessions() as session:
        second = hit_page(session, None, first.older, 2)
        fresh = hit_page(session, None, None, 2)
    assert [hit.key for hit in second.hits] == before[2:4]
    assert {hit.title for hit in fresh.hits} == {"Tripoli again"}


def test_hits_by_day_counts_utc_days_from_midnight_to_midnight(ingested_desk: Desk) -> None:
    midnight = datetime(2026, 3, 2, tzinfo=UTC)
    ingested_desk.ingest([article("Late", "Libya late.")], midnight - timedelta(microseconds=1))
    ingested_desk.ingest([article("Early", "Libya early.")], midnight)
    ingested_desk.ingest([article("Later", "Libya later.")], midnight + timedelta(days=2))
    with ingested_desk.services.sessions() as session:
        libya = ids_of_rules(session, ["libya"])["libya"]
        counts = hits_by_day(session, libya, datetime(2026, 2, 28, tzinfo=UTC), 3)
        ahead = hits_by_day(session, libya, midnight + timedelta(days=2), 1)
        empty = hits_by_day(session, libya, datetime(2025, 1, 1, tzinfo=UTC), 30)
    assert counts == [0, 4, 1]  # T0 and T0+1h (3 hits) and the last microsecond of March 1
    assert ahead == [1]
    assert empty == [0] * 30
