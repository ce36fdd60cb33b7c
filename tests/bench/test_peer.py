"""The bench's peer: tantivy runs watcher's rules with watcher's meaning, or skips them.

Skipped when tantivy (the optional `bench` extra) is not installed.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from bench.corpus import CORPUS, load_docs, to_article
from bench.peer import Peer, available, run_peer
from watcher.percolator import Percolator
from watcher.query import compile_query

pytestmark = [
    pytest.mark.skipif(
        available() is None, reason="tantivy is not installed (pip install -e '.[bench]')"
    ),
    pytest.mark.skipif(
        not CORPUS.is_file(),
        reason=f"the Reuters corpus is not at {CORPUS} (the bench reads ../shared/corpora/)",
    ),
]

SAME_MEANING = (
    "U.S. AND dollar",
    '"u s" AND yen',
    "title:(oil OR crude)",
    "source:Reuters AND opec",
    'lead:bank* AND body:"central bank"',
    "export* -wheat",
    "NOT the",
    "mln dlrs NOT (profit OR loss)",
    "oil OR (gold -silver) OR +coffee",
    "cocoa AND NOT (ghana OR ivory)",
    "wheat corn",
    'title:"oil prices"',
)
INEXPRESSIBLE = ('"oil price*"', '"oil oil"~2', "oil source_tag:mena")


def _matches(rules: dict[str, object], positions: set[tuple[str, int]]) -> dict[str, set[int]]:
    found: dict[str, set[int]] = defaultdict(set)
    for name, position in positions:
        found[name].add(position)
    return {name: found[name] for name in rules}


def test_tantivy_finds_what_watcher_finds_and_skips_what_it_cannot_say() -> None:
    articles = [to_article(doc) for doc in load_docs(limit=400)]
    rules = {f"r{i}": compile_query(q) for i, q in enumerate(SAME_MEANING + INEXPRESSIBLE)}
    rules["cased"] = compile_query("OPEC", case_sensitive=True)
    peer = Peer(rules)
    assert sorted(peer.skipped) == sorted(
        ["cased", *(f"r{len(SAME_MEANING) + i}" for i in range(len(INEXPRESSIBLE)))]
    )
    found = _matches(peer.queries, peer.search(peer.index(articles), len(articles)))
    percolator = Percolator(rules)
    ours = _matches(
        peer.queries,
        {(n, p) for p, a in enumerate(articles) for n in percolator.matching(a)},
    )
    assert found == ours
    assert sum(len(hits) for hits in found.values()) > 100  # the rules do match


def test_a_run_reports_throughput_and_agreement_over_batches() -> None:
    articles = [to_article(doc) for doc in load_docs(limit=1_200)]
    rules = {"oil": compile_query("oil AND prices"), "near": compile_query('"prices oil"~3')}
    percolator = Percolator(rules)
    run = run_peer(rules, articles, None, percolator.matching)
    assert run.articles == 1_200  # three batches, the last one short
    assert run.skipped_rules == 0
    assert run.articles_per_s > 0
    # tantivy keeps a proximity group's words in order, watcher takes any order: the only
    # decisions that may differ, and few.
    assert 0.99 < run.agreement <= 1.0
    expected = sum(len(percolator.matching(article)) for article in articles) / 1_200
    assert run.matches_per_article <= expected
