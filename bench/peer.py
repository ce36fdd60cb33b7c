"""The peer: tantivy, a real search engine, doing watcher's job the way it can.

A search engine cannot percolate: for each batch of new articles it indexes them (in RAM)
and runs every rule as a query over that index. Each rule is translated from watcher's own
parse (so both read the query the same way): words are term queries over the rule's fields,
AND/OR/NOT boolean queries, phrases and proximity groups phrase queries with a slop,
wildcards regex queries. What tantivy cannot say the same way is skipped and counted:
case-sensitive rules (the index is folded), wildcards inside phrases, a word twice in a
proximity group (one token would satisfy both). Its proximity differs:
tantivy's slop keeps the words in order (watcher's `"a b"~N` takes any order), so the
`agreement` figure is the share of (rule, article) decisions both make the same.

tantivy is an optional dependency (`pip install -e '.[bench]'`); without it the bench says
so and reports no peer.
"""

from __future__ import annotations

import importlib.metadata
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from watcher.model import TEXT_FIELDS, Article
from watcher.query.compile import (
    AllOf,
    AnyOf,
    CompiledQuery,
    Matcher,
    Negated,
    PhraseLeaf,
    TagLeaf,
    WordLeaf,
    WordPattern,
)

BATCH = 500  # articles per index: the scan's batch
ANALYZER = "folded"
# The peer's keys in a matcher row of the results.
PEER_KEYS = (
    "peer_articles_per_s",
    "ratio_vs_peer",
    "peer_skipped_rules",
    "peer_articles",
    "peer_index_s",
    "peer_query_s",
    "peer_agreement",
    "peer_matches_per_article",
)


class Inexpressible(Exception):
    """A rule tantivy cannot run with the same meaning."""


@dataclass(frozen=True, slots=True)
class PeerRun:
    articles_per_s: float
    articles: int
    index_s: float
    query_s: float
    skipped_rules: int
    agreement: float | None
    matches_per_article: float


def available() -> str | None:
    """tantivy's version, or None when it is not installed."""
    try:
        return importlib.metadata.version("tantivy")
    except importlib.metadata.PackageNotFoundError:
        return None


def _schema(tantivy: Any) -> Any:
    builder = tantivy.SchemaBuilder()
    for field in TEXT_FIELDS:
        builder.add_text_field(field, tokenizer_name=ANALYZER)
    return builder.build()


def _analyzer(tantivy: Any) -> Any:
    """Split on what is not a letter or digit, lower-case, fold accents: watcher's analysis
    as far as tantivy's filters go."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
        .build()
    )


def _fields(mask: int) -> list[str]:
    return [field for i, field in enumerate(TEXT_FIELDS) if mask >> i & 1]


def _regex(word: WordPattern) -> str:
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in word.text)


class Translator:
    """watcher's compiled rules as tantivy queries over one schema."""

    def __init__(self, tantivy: Any, schema: Any) -> None:
        self._tantivy = tantivy
        self._schema = schema
        self._everything = tantivy.Query.all_query()

    def translate(self, root: Matcher) -> Any:
        """The tantivy query for `root`; Inexpressible when it cannot mean the same."""
        return self._node(root)

    def _any(self, queries: Sequence[Any]) -> Any:
        if len(queries) == 1:
            return queries[0]
        should = self._tantivy.Occur.Should
        return self._tantivy.Query.boolean_query([(should, q) for q in queries])

    def _node(self, node: Matcher) -> Any:
        query, occur = self._tantivy.Query, self._tantivy.Occur
        if isinstance(node, AnyOf):
            return self._any([self._node(child) for child in node.children])
        if isinstance(node, AllOf):
            clauses = [
                (occur.MustNot, self._node(child.child))
                if isinstance(child, Negated)
                else (occur.Must, self._node(child))
                for child in node.children
            ]
            if all(kind == occur.MustNot for kind, _ in clauses):
                clauses.append((occur.Must, self._everything))
            return query.boolean_query(clauses)
        if isinstance(node, Negated):
            return query.boolean_query(
                [(occur.Must, self._everything), (occur.MustNot, self._node(node.child))]
            )
        if isinstance(node, TagLeaf):
            raise Inexpressible("source tags")  # the bench's articles come from no feed
        if node.case_sensitive:
            raise Inexpressible("case-sensitive")
        if isinstance(node, WordLeaf):
            return self._any([self._word(node.word, field) for field in _fields(node.mask)])
        return self._any([self._group(node, field) for field in _fields(node.mask)])

    def _word(self, word: WordPattern, field: str) -> Any:
        query = self._tantivy.Query
        if word.wildcard:
            return query.regex_query(self._schema, field, _regex(word))
        return query.term_query(self._schema, field, word.text)

    def _group(self, leaf: PhraseLeaf, field: str) -> Any:
        if any(word.wildcard for word in leaf.words):
            raise Inexpressible("a wildcard in a phrase")
        words = [word.text for word in leaf.words]
        if leaf.slop is not None and len(set(words)) < len(words):
            raise Inexpressible("a word twice in a proximity group")  # one token would do
        if len(words) == 1:
            return self._tantivy.Query.term_query(self._schema, field, words[0])
        return self._tantivy.Query.phrase_query(self._schema, field, words, leaf.slop or 0)


class Peer:
    """tantivy set up for one rule set: each rule translated once, run over any batch."""

    def __init__(self, rules: Mapping[str, CompiledQuery]) -> None:
        import tantivy  # noqa: PLC0415 - optional: only when the peer is installed

        self._tantivy = tantivy
        self._schema = _schema(tantivy)
        translator = Translator(tantivy, self._schema)
        self.queries: dict[str, Any] = {}
        self.skipped: list[str] = []  # names of the rules tantivy cannot express
        for name, rule in rules.items():
            try:
                self.queries[name] = translator.translate(rule.root)
            except Inexpressible:
                self.skipped.append(name)

    def index(self, articles: Sequence[Article]) -> Any:
        """A searcher over `articles`, indexed in RAM."""
        index = self._tantivy.Index(self._schema)
        index.register_tokenizer(ANALYZER, _analyzer(self._tantivy))
        writer = index.writer(heap_size=50_000_000, num_threads=1)
        for article in articles:
            document = self._tantivy.Document()
            for field in TEXT_FIELDS:
                document.add_text(field, article.field_text(field))
            writer.add_document(document)
        writer.commit()
        writer.wait_merging_threads()
        index.reload()
        searcher = index.searcher()
        if searcher.num_segments != 1:
            raise RuntimeError(f"tantivy made {searcher.num_segments} segments of one batch")
        return searcher

    def search(self, searcher: Any, size: int) -> set[tuple[str, int]]:
        """(rule name, position in the batch) of every match. One commit of one writer
        thread makes one segment, whose document ids are the order of insertion."""
        found = set()
        for name, query in self.queries.items():
            for _, address in searcher.search(query, limit=size, count=False).hits:
                found.add((name, address.doc))
        return found


def run_peer(
    rules: Mapping[str, CompiledQuery],
    articles: Sequence[Article],
    budget_s: float | None,
    ours: Callable[[Article], Sequence[str]],
) -> PeerRun:
    """Index batches of `BATCH` articles and run every rule over each, until `budget_s`
    seconds of work (None: every batch). `ours` (watcher's rule names matching an article,
    called outside the timing) gives the agreement."""
    peer = Peer(rules)
    index_s = query_s = 0.0
    done = matches = differ = 0
    for start in range(0, len(articles), BATCH):
        batch = articles[start : start + BATCH]
        began = time.perf_counter()
        searcher = peer.index(batch)
        indexed = time.perf_counter()
        found = peer.search(searcher, len(batch))
        index_s, query_s = index_s + indexed - began, query_s + time.perf_counter() - indexed
        done += len(batch)
        matches += len(found)
        expected = {(n, p) for p, a in enumerate(batch) for n in ours(a) if n in peer.queries}
        differ += len(found ^ expected)
        if budget_s is not None and index_s + query_s >= budget_s:
            break
    return PeerRun(
        articles_per_s=done / (index_s + query_s),
        articles=done,
        index_s=index_s,
        query_s=query_s,
        skipped_rules=len(peer.skipped),
        agreement=1 - differ / (done * len(peer.queries)) if peer.queries else None,
        matches_per_article=matches / done,
    )
