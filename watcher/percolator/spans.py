"""The spans of a stored hit, found when it is shown, not when it is recorded.

A scan only asks which rules match (`Percolator.matching`): most hits are never shown
(a feed keeps its newest entries, a digest its first `max_items`), and finding where each
word of every matching rule occurs was a third of the matcher's time. What a hit needs to
be highlighted later is stored anyway: the text of the article version it matched and the
query of the rule version that matched it. The same query over the same text gives the
same spans, so they are found again here, when a feed, page, digest or alert shows the hit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from watcher.analysis import AnalyzedArticle
from watcher.errors import WatcherError
from watcher.model import TEXT_FIELDS, Field, Span
from watcher.percolator.match import ArticleContext, Leaf
from watcher.percolator.occurrences import collect_spans, positive_leaves
from watcher.query.compile import compile_query

# Queries kept compiled between calls: a feed build or a digest shows the hits of a few
# rules over and over.
COMPILED_QUERIES = 4096
# What is looked at of a huge article: no page shows more of a field, no snippet more
# marks (a word a 10 MB article repeats a million times must not make every display slow).
TEXT_LIMIT = 200_000
MAX_SPANS = 200
# Articles kept analyzed: a digest or a page shows an article's hits one after the other
# (a feed build highlights each article once for all its feeds: `spans_of_each`).
ANALYZED_ARTICLES = 64


@dataclass(frozen=True, slots=True)
class RuleQuery:
    """What a rule version matched with: its query, fields and case setting, as stored."""

    query: str
    fields: tuple[Field, ...]
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class Texts:
    """The text fields of an article version, the only part highlighting reads."""

    title: str
    lead: str
    body: str
    source: str


@lru_cache(maxsize=COMPILED_QUERIES)
def _leaves(rule: RuleQuery) -> tuple[Leaf, ...]:
    """The positive leaves of a stored query; none when it no longer compiles (a later
    version of watcher may refuse what an earlier one stored): the hit is shown unmarked."""
    try:
        compiled = compile_query(rule.query, fields=rule.fields, case_sensitive=rule.case_sensitive)
    except WatcherError:
        return ()
    return positive_leaves(compiled.root)


@lru_cache(maxsize=ANALYZED_ARTICLES)
def _analyzed(texts: Texts) -> AnalyzedArticle:
    """An article analyzed once for the rules of every feed it is shown in (the analysis
    keeps no memo keyed by object ids, so it may outlive any query)."""
    shown = {name: getattr(texts, name)[:TEXT_LIMIT] for name in TEXT_FIELDS}
    return AnalyzedArticle.from_texts(**shown)


def spans_of(texts: Texts, rules: Iterable[RuleQuery]) -> tuple[Span, ...]:
    """Where the words of these rules' queries occur in the article, sorted, once each:
    the spans of the hits these rules recorded on this version (the first MAX_SPANS of
    each field, in its first TEXT_LIMIT characters)."""
    return spans_of_each(texts, [rules])[0]


def spans_of_each(texts: Texts, rule_sets: Sequence[Iterable[RuleQuery]]) -> list[tuple[Span, ...]]:
    """`spans_of` the article for each set of rules (one article in the feeds of its rules,
    its tags and `all`): a word that several sets look for is found once."""
    leaf_sets = [
        tuple({id(leaf): leaf for rule in set(rules) for leaf in _leaves(rule)}.values())
        for rules in rule_sets
    ]
    if not any(leaf_sets):
        return [() for _ in leaf_sets]
    # Memoized by id(leaf): one context, dropped here, while `leaf_sets` holds every leaf.
    context = ArticleContext(_analyzed(texts))
    return [
        _first_of_each_field(collect_spans(leaves, context)) if leaves else ()
        for leaves in leaf_sets
    ]


def _first_of_each_field(spans: tuple[Span, ...]) -> tuple[Span, ...]:
    shown: Counter[str] = Counter()
    kept = []
    for span in spans:
        shown[span.field] += 1
        if shown[span.field] <= MAX_SPANS:
            kept.append(span)
    return tuple(kept)
