"""The feed and page queries run on indexes: the plans of the very statements they execute.

Every statement a build and the index, rule, tag and article pages send is captured, then
explained (see plans.py): none may read hits, article_versions or articles whole.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from plans import captured, full_scans
from web.desk import T0, Desk

from watcher.feeds import build_all, build_since
from watcher.store.feeds import article_page, hits_since, newest_articles
from watcher.store.pages import hit_page, hits_by_day, ids_of_rules, rule_stats

BIG_TABLES = ("hits", "article_versions", "articles")


@pytest.fixture
def desk(ingested_desk: Desk) -> Desk:
    """Articles ingested, no feed built yet: these tests build the feeds themselves."""
    return ingested_desk


def selects_hits(statement: str) -> bool:
    return statement.lstrip().upper().startswith("SELECT") and "hits" in statement


def run_every_query(desk: Desk) -> None:
    sessions, feeds, ruleset = desk.services.sessions, desk.config.feeds, desk.ruleset
    build_all(sessions, feeds, ruleset)
    build_since(sessions, feeds, ruleset, T0 + timedelta(hours=1))
    with sessions() as session:
        rule_stats(session)
        ids = ids_of_rules(session, ["libya", "wagner"])
        rule_stats(session, [ids["libya"]])
        first = hit_page(session, None, None, 2)  # the index
        article_page(session, first.hits[0].uid)
        hit_page(session, None, first.older, 2)  # its next page
        hit_page(session, [ids["libya"]], first.older, 2)  # a rule page
        hit_page(session, ids.values(), first.older, 2)  # a tag page: each rule's walk, merged
        hit_page(session, [*ids.values(), *range(1000, 1070)], first.older, 2)  # many: one walk
        hits_by_day(session, ids["libya"], T0 - timedelta(days=29), 30)
        hits_since(session, T0)
        newest_articles(session, range(1, 70), range(1, 100), 10)  # many rules: one walk


def test_feed_and_page_queries_use_indexes(desk: Desk) -> None:
    engine = desk.services.engine
    with captured(engine, selects_hits) as statements:
        run_every_query(desk)
    assert len(statements) >= 10
    with engine.begin() as connection:
        for statement, params in statements:
            assert full_scans(connection, statement, params, BIG_TABLES) == [], statement
