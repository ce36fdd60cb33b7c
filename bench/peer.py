"""The peer: tantivy, a real search engine, doing watcher's job the way it can.

A search engine cannot percolate: for each batch of new articles it indexes them (in RAM)
and runs every rule as a query over that index. Each rule is translated from watcher's own
parse (so both read the query the same way): words are term queries over the rule's fields,
AND/OR/NOT boolean queries, phrases and proximity groups phrase queries with a slop,
wildcards regex queries. What tantivy cannot say the same way is skipped and counted:
case-sensitive rules (the index is folded), wildcards inside phrases. Its proximity differs:
tantivy's slop keeps the words in order (watcher's `"a b"~N` takes any order), so the
`agreement` figure is the share of (rule, article) decisions both make the same.

tantivy is an optional dependency (`pip install -e '.[bench]'`); without it the bench says
so and reports no peer.
"""

from __future__ import annotations

import importlib.metadata
import re
import time
from collections.abc import Mapping, Sequence
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
    WordLeaf,
    WordPattern,
)

BATCH = 500  # articles per index: the scan's batch
ANALYZER = "folded"


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
    builder.add_unsigned_field("position", stored=True)
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
        if len(words) == 1:
            return self._tantivy.Query.term_query(self._schema, field, words[0])
        return self._tantivy.Query.phrase_query(self._schema, field, words, leaf.slop or 0)


def translate_rules(
    tantivy: Any, schema: Any, rules: Mapping[str, CompiledQuery]
) -> tuple[dict[str, Any], int]:
    """Rule name -> tantivy query, and how many rules were skipped."""
    translator = Translator(tantivy, schema)
    queries, skipped = {}, 0
    for name, rule in rules.items():
        try:
            queries[name] = translator.translate(rule.root)
        except Inexpressible:
            skipped += 1
    return queries, skipped


def _index(tantivy: Any, schema: Any, articles: Sequence[Article]) -> Any:
    index = tantivy.Index(schema)
    index.register_tokenizer(ANALYZER, _analyzer(tantivy))
    writer = index.writer(heap_size=50_000_000, num_threads=1)
    for position, article in enumerate(articles):
        document = tantivy.Document(position=position)
        for field in TEXT_FIELDS:
            document.add_text(field, article.field_text(field))
        writer.add_document(document)
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index.searcher()


def _run_batch(
    searcher: Any, queries: Mapping[str, Any], size: int
) -> dict[str, list[int]]:
    """Rule name -> positions (in the batch) of the articles it matched."""
    found = {}
    for name, query in queries.items():
        hits = searcher.search(query, limit=size, count=False).hits
        if hits:
            found[name] = [searcher.doc(address)["position"][0] for _, address in hits]
    return found


def run_peer(
    rules: Mapping[str, CompiledQuery],
    articles: Sequence[Article],
    budget_s: float | None,
    watcher_matches: Sequence[Sequence[str]] | None = None,
) -> PeerRun:
    """Index batches of `BATCH` articles and run every rule over each, until `budget_s`
    seconds of work (None: every batch). `watcher_matches`, per article, gives agreement."""
    import tantivy  # noqa: PLC0415 - optional: only when the peer is installed

    schema = _schema(tantivy)
    queries, skipped = translate_rules(tantivy, schema, rules)
    index_s = query_s = 0.0
    done = matches = same = decisions = 0
    for start in range(0, len(articles), BATCH):
        batch = articles[start : start + BATCH]
        began = time.perf_counter()
        searcher = _index(tantivy, schema, batch)
        indexed = time.perf_counter()
        found = _run_batch(searcher, queries, len(batch))
        index_s, query_s = index_s + indexed - began, query_s + time.perf_counter() - indexed
        done += len(batch)
        matches += sum(len(positions) for positions in found.values())
        if watcher_matches is not None:
            peer = {(name, p) for name, positions in found.items() for p in positions}
            ours = {
                (name, p)
                for p in range(len(batch))
                for name in watcher_matches[start + p]
                if name in queries
            }
            decisions += len(batch) * len(queries)
            same += len(batch) * len(queries) - len(peer ^ ours)
        if budget_s is not None and index_s + query_s >= budget_s:
            break
    return PeerRun(
        articles_per_s=done / (index_s + query_s),
        articles=done,
        index_s=index_s,
        query_s=query_s,
        skipped_rules=skipped,
        agreement=same / decisions if decisions else None,
        matches_per_article=matches / done,
    )
