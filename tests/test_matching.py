"""Rules meet the archive: a backfill over stored versions sees what matching saw."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from watcher.matching import backfill_rule
from watcher.model import Article, Span
from watcher.rules import load_rules
from watcher.store.articles import Located, store_articles
from watcher.store.hits import list_hits

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


def _article(
    title: str, *, tags: tuple[str, ...] = (), source_tags: tuple[str, ...] = ()
) -> Article:
    published = NOW - timedelta(days=1)
    return Article(title, "", "Fighting.", "Desk", published, tags=tags, source_tags=source_tags)


def test_a_backfill_matches_the_stored_tags_of_each_articles_source(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    rules_path = tmp_path / "rules.yaml"
    rules_path.write_text(
        "rules:\n  - name: libya-mena\n    query: Libya AND source_tag:MENA\n", encoding="utf-8"
    )
    rule = load_rules([rules_path]).get("libya-mena")
    batch = [
        Located("source:bbc-africa:1", 0, _article("Libya talks", source_tags=("mena",))),
        Located("source:reuters:1", 0, _article("Libya oil", source_tags=("world",))),
        Located("source:bbc-africa:2", 0, _article("Chad vote", source_tags=("mena",))),
        # A file's own tags are not its source's.
        Located("libya.md", 0, _article("Libya port", tags=("mena",))),
    ]
    with sessions.begin() as session:
        store_articles(session, batch, NOW)

    added = backfill_rule(sessions, rule, period=timedelta(days=30), now=NOW)

    with sessions() as session:
        hits = list_hits(session)
    assert added == 1
    assert [(hit.rule, hit.path, hit.backfill) for hit in hits] == [
        ("libya-mena", "source:bbc-africa:1", True)
    ]
    # The tag is in no text: only the word is highlighted.
    assert hits[0].spans == (Span("title", 0, 5, "Libya"),)
