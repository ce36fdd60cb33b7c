"""Feeds: a rebuild of every feed with N hits stored, and the rebuild after one new hit.

`bench_feeds(hits=100_000)` fills a fresh SQLite archive in a temporary folder with
synthetic articles (about 1.5 KB of text each) hit by 100 rules with 10 tags (4 rules per
article, hits recorded in scan-sized batches), then times `build_all` (every feed written)
and `build_since` after one more article hit by one rule (only its feeds, its tags', `all`).
Run alone: `python -m bench.feeds_bench [HITS]` prints the result as JSON.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from watcher.config import FeedsConfig
from watcher.feeds import build_all, build_since
from watcher.rules import RuleSet, load_rules
from watcher.store.db import make_engine, make_sessionmaker, upgrade
from watcher.store.tables import (
    ArticleRow,
    ArticleVersionRow,
    HitRow,
    RuleRow,
    RuleVersionRow,
    table,
)

RULES = 100
TAGS = 10
RULES_PER_ARTICLE = 4
SCAN_BATCH = 500  # articles recorded with one matched_at, as one scan batch does
CHUNK = 5_000
START = datetime(2026, 1, 1, tzinfo=UTC)
BASE_URL = "http://127.0.0.1:8080/"  # links are written, never followed
VOCABULARY = (
    "libya tripoli haftar wagner benghazi ceasefire oil port militia government talks "
    "minister army airport drone strike offensive parliament election border refugees "
    "the of and in to a on for with by from at as said that is was will have been"
)
WORDS = VOCABULARY.split()


def _rules_yaml(path: Path) -> RuleSet:
    lines = ["rules:"]
    for index in range(RULES):
        tags = f"[t{index % TAGS}, t{(index + 3) % TAGS}]"
        lines += [f"  - name: r{index:03d}", f"    query: w{index:03d}", f"    tags: {tags}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_rules([path])


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def _article(rng: random.Random, number: int, moment: datetime) -> dict[str, Any]:
    return {
        "uid": f"{number:064x}",
        "title": f"Article {number}: " + _text(rng, 8),
        "lead": _text(rng, 30),
        "body": _text(rng, 250),
        "published": moment - timedelta(minutes=rng.randrange(600)),
    }


def _rows(count: int, seed: int = 7) -> Iterator[tuple[dict[str, Any], list[int], datetime]]:
    rng = random.Random(seed)
    for number in range(count):
        moment = START + timedelta(minutes=number // SCAN_BATCH)
        yield _article(rng, number, moment), rng.sample(range(RULES), RULES_PER_ARTICLE), moment


def _insert_rules(connection: sa.Connection) -> None:
    connection.execute(
        sa.insert(table(RuleRow)),
        [{"id": i + 1, "name": f"r{i:03d}", "created_at": START} for i in range(RULES)],
    )
    connection.execute(
        sa.insert(table(RuleVersionRow)),
        [
            {
                "id": i + 1,
                "rule_id": i + 1,
                "digest": f"{i:064x}",
                "query": f"w{i:03d}",
                "fields": ["title", "lead", "body"],
                "case_sensitive": False,
                "created_at": START,
            }
            for i in range(RULES)
        ],
    )


def _insert_chunk(
    connection: sa.Connection, chunk: list[tuple[dict[str, Any], list[int], datetime]], first: int
) -> None:
    articles: list[dict[str, Any]] = []
    versions: list[dict[str, Any]] = []
    hits: list[dict[str, Any]] = []
    for offset, (article, rules, moment) in enumerate(chunk):
        number = first + offset + 1
        articles.append({"id": number, "uid": article["uid"], "created_at": moment})
        versions.append(_version_row(number, article, moment))
        hits.extend(
            {
                "rule_id": rule + 1,
                "rule_version_id": rule + 1,
                "article_id": number,
                "article_version_id": number,
                "matched_at": moment,
                "backfill": False,
            }
            for rule in rules
        )
    connection.execute(sa.insert(table(ArticleRow)), articles)
    connection.execute(sa.insert(table(ArticleVersionRow)), versions)
    connection.execute(sa.insert(table(HitRow)), hits)


def _version_row(number: int, article: dict[str, Any], moment: datetime) -> dict[str, Any]:
    return {
        "id": number,
        "article_id": number,
        "content_hash": article["uid"],
        "path": f"seeds/{number}.txt",
        "title": article["title"],
        "lead": article["lead"],
        "body": article["body"],
        "source": "Bench Times",
        "published": article["published"],
        "url": f"https://news.example.org/{number}",
        "tags": [],
        "created_at": moment,
    }


def fill(engine: sa.Engine, hits: int) -> int:
    """Store `hits` hits (hits / 4 articles); return the number of articles."""
    count = max(1, hits // RULES_PER_ARTICLE)
    rows = list(_rows(count))
    with engine.begin() as connection:
        _insert_rules(connection)
        for first in range(0, count, CHUNK):
            _insert_chunk(connection, rows[first : first + CHUNK], first)
    return count


def _one_more_hit(engine: sa.Engine, articles: int) -> datetime:
    moment = START + timedelta(days=365)
    rng = random.Random(99)
    article = _article(rng, articles, moment)
    with engine.begin() as connection:
        _insert_chunk(connection, [(article, [0], moment)], articles)
    return moment


def bench_feeds(hits: int = 100_000) -> dict[str, Any]:
    """Time a full rebuild of every feed over `hits` stored hits, then one incremental one."""
    with tempfile.TemporaryDirectory(prefix="watcher-feeds-bench-") as folder:
        root = Path(folder)
        engine = make_engine(f"sqlite:///{root / 'bench.db'}")
        try:
            upgrade(engine)
            articles = fill(engine, hits)
            sessions = make_sessionmaker(engine)
            ruleset = _rules_yaml(root / "rules.yaml")
            feeds = FeedsConfig(dir=root / "feeds", max_entries=50)
            started = time.perf_counter()
            full = build_all(sessions, feeds, ruleset, base_url=BASE_URL)
            full_s = time.perf_counter() - started
            since = _one_more_hit(engine, articles)
            started = time.perf_counter()
            incremental = build_since(sessions, feeds, ruleset, since, base_url=BASE_URL)
            incremental_s = time.perf_counter() - started
        finally:
            engine.dispose()
    return {
        "hits": hits,
        "full_rebuild_s": round(full_s, 3),
        "incremental_s": round(incremental_s, 3),
        "feeds_written": len(full.written),
        "incremental_written": len(incremental.written),
    }


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    sys.stdout.write(json.dumps(bench_feeds(size), indent=2) + "\n")
