"""Random queries and articles: the percolator agrees with the naive reference matcher.

Also: rendering a query AST and parsing it back gives the same AST, and the analyzer is
idempotent (a token analyzes to itself).
"""

from __future__ import annotations

from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from query import grouping
from reference import Reference

from watcher.analysis import AnalyzedArticle, analyze
from watcher.model import TEXT_FIELDS, Field
from watcher.percolator import Percolator, index
from watcher.percolator.spans import RuleQuery, Texts, spans_of, spans_of_each
from watcher.query import compile_node, compile_query, parse_query, render
from watcher.query.nodes import Near, Node, Not, Phrase, Tag, Term, conj, disj

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)

WORDS = ["Libya", "haftar", "Wagner", "oil", "al", "Sarraj", "US", "us"]
PATTERNS = ["lib*", "Haf?ar", "wag*", "s*j", "o?l", "Wagner?"]
TEXT_WORDS = [
    *WORDS,
    "LIBYA",
    "Libyan",
    "Wagners",
    "Sarrāj",
    "al-Sarraj",
    "Haftar's",
    "U.S.",
    "Tripoli",
    "x",
    "y",
]
FIELDS: list[Field | None] = [None, None, None, "title", "lead", "body", "source"]
TAGS = ["mena", "world", "north-africa", "me*", "n?rth-*", "w*x"]  # as parsed: folded
SOURCE_TAGS = ["mena", "world", "north-africa", "sport"]

word = st.sampled_from(WORDS + PATTERNS)
field = st.sampled_from(FIELDS)
words = st.lists(word, min_size=2, max_size=3).map(tuple)
leaf = st.one_of(
    st.builds(Term, word, field),
    st.builds(Phrase, words, field),
    st.builds(Near, words, st.integers(0, 3), field),
    st.builds(Tag, st.sampled_from(TAGS)),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    groups = st.lists(children, min_size=2, max_size=3)
    return st.one_of(groups.map(conj), groups.map(disj), children.map(Not))


queries = st.recursive(leaf, _extend, max_leaves=6)
texts = st.lists(st.sampled_from(TEXT_WORDS), max_size=10).map(" ".join)
articles = st.fixed_dictionaries(dict.fromkeys(TEXT_FIELDS, texts))
source_tags = st.lists(st.sampled_from(SOURCE_TAGS), max_size=2, unique=True).map(tuple)
# Articles made of the query generator's own words, so that most articles tell groupings apart.
query_texts = st.lists(st.sampled_from([*grouping.TEXT_WORDS, "x"]), max_size=6).map(" ".join)
query_articles = st.fixed_dictionaries(dict.fromkeys(TEXT_FIELDS, query_texts))
rule_fields = st.sampled_from([("title", "lead", "body"), ("title",), ("body", "lead")])
rules = st.lists(st.tuples(queries, rule_fields, st.booleans()), min_size=1, max_size=8)


@SETTINGS
@given(rules=rules, docs=st.lists(st.tuples(articles, source_tags), min_size=1, max_size=3))
def test_percolator_agrees_with_reference(
    rules: list[tuple[Node, tuple[Field, ...], bool]],
    docs: list[tuple[dict[str, str], tuple[str, ...]]],
) -> None:
    compiled = {
        f"r{i}": compile_node(node, fields=fields, case_sensitive=cs)
        for i, (node, fields, cs) in enumerate(rules)
    }
    percolator = Percolator(compiled)
    for doc, tags in docs:
        analyzed = AnalyzedArticle.from_texts(**doc, source_tags=tags)
        got = percolator.match_analyzed(analyzed)
        expected = {}
        for i, (node, fields, cs) in enumerate(rules):
            spans = Reference(node, fields=fields, case_sensitive=cs).match(doc, tags)
            if spans is not None:
                expected[f"r{i}"] = spans
        assert got == expected
        # What a scan asks (names only) is what the spans were found for.
        assert percolator.matching_analyzed(analyzed) == sorted(expected)


# `P AND NOT N`, with P and N plain words or ORs of them (or P beside one other leaf): the
# rules decided by their words, within the reach of articles made of the same words.
plain_words = st.lists(st.builds(Term, st.sampled_from(WORDS), field), min_size=1, max_size=3)


def _or_beside(words: list[Node], other: Node) -> Node:
    return disj([*words, other])


def _and_not(positive: Node, negatives: list[list[Node]]) -> Node:
    return conj([positive, *(Not(disj(words)) for words in negatives)])


positive = st.one_of(plain_words.map(disj), st.builds(_or_beside, plain_words, leaf))
vetoed = st.builds(_and_not, positive, st.lists(plain_words, min_size=1, max_size=2))
mixed_rules = st.lists(
    st.tuples(st.one_of(queries, vetoed), rule_fields, st.booleans()), min_size=1, max_size=12
)
word_articles = st.fixed_dictionaries(
    dict.fromkeys(TEXT_FIELDS, st.lists(st.sampled_from(WORDS), max_size=4).map(" ".join))
)


@pytest.mark.parametrize("few", [0, 10_000], ids=["one-pass", "rule-by-rule"])
@settings(SETTINGS, max_examples=200)
@given(rules=mixed_rules, doc=st.tuples(word_articles, source_tags))
def test_percolator_agrees_with_reference_either_side_of_its_few_thresholds(
    few: int,
    rules: list[tuple[Node, tuple[Field, ...], bool]],
    doc: tuple[dict[str, str], tuple[str, ...]],
) -> None:
    """Past a few, the index takes other paths: the vetoes of many decided rules are found
    in one pass, a key's many guards meet the article's guard words. Both agree."""
    texts, tags = doc
    compiled = {
        f"r{i:02d}": compile_node(node, fields=fields, case_sensitive=cs)
        for i, (node, fields, cs) in enumerate(rules)
    }
    expected = [
        f"r{i:02d}"
        for i, (node, fields, cs) in enumerate(rules)
        if Reference(node, fields=fields, case_sensitive=cs).match(texts, tags) is not None
    ]
    with mock.patch.multiple(index, _FEW_DECIDED=few, _FEW_GUARDS=few):
        percolator = Percolator(compiled)
        analyzed = AnalyzedArticle.from_texts(**texts, source_tags=tags)
        assert percolator.matching_analyzed(analyzed) == expected


@SETTINGS
@given(rules=rules, doc=articles)
def test_spans_of_several_rule_sets_at_once(
    rules: list[tuple[Node, tuple[Field, ...], bool]], doc: dict[str, str]
) -> None:
    """A feed build highlights an article for the rules of each feed it is in (its rules',
    its tags', `all`) at once, the article analyzed once: each set's spans are the ones
    found for it alone, and each rule's the reference's."""
    references = [Reference(node, fields=fields, case_sensitive=cs) for node, fields, cs in rules]
    stored = [RuleQuery(render(node), fields, cs) for node, fields, cs in rules]
    matching = [i for i, ref in enumerate(references) if ref.match(doc, ()) is not None]
    sets = [[stored[i]] for i in matching] + [[stored[i] for i in matching]]
    found = spans_of_each(Texts(**doc), sets)
    assert found[:-1] == [references[i].match(doc, ()) for i in matching]
    assert found == [spans_of(Texts(**doc), rule_set) for rule_set in sets]


@pytest.mark.slow
@SETTINGS
@given(
    expression=grouping.expressions,
    fields=rule_fields,
    docs=st.lists(query_articles, min_size=1, max_size=4),
)
def test_query_text_matches_as_the_reference_reads_it(
    expression: grouping.Expression, fields: tuple[Field, ...], docs: list[dict[str, str]]
) -> None:
    """From text: implicit AND, OR, AND, NOT, -, + in any mix, through parser and percolator,
    against the independent grouping and the naive matcher."""
    text = grouping.text_of(expression)
    percolator = Percolator({"q": compile_query(text, fields=fields)})
    reference = Reference(grouping.expected_node(expression), fields=fields, case_sensitive=False)
    for doc in docs:
        got = percolator.match_analyzed(AnalyzedArticle.from_texts(**doc)).get("q")
        assert got == reference.match(doc), text
        if got is not None:  # found again from the stored query, as a hit is shown
            assert spans_of(Texts(**doc), [RuleQuery(text, fields, False)]) == got, text


@SETTINGS
@given(node=queries)
def test_render_parse_round_trip(node: Node) -> None:
    text = render(node)
    assert parse_query(text) == node
    assert render(parse_query(text)) == text


@SETTINGS
@given(text=st.text(max_size=40))
def test_analyzer_is_idempotent(text: str) -> None:
    for fold_case in (True, False):
        for token in analyze(text, fold_case=fold_case):
            assert [t.text for t in analyze(token.text, fold_case=fold_case)] == [token.text]
            assert 0 <= token.start < token.end <= len(text)


@SETTINGS
@given(text=st.text(max_size=40))
def test_case_sensitive_tokens_align_with_folded(text: str) -> None:
    folded = analyze(text)
    unfolded = analyze(text, fold_case=False)
    assert [(t.start, t.end) for t in folded] == [(t.start, t.end) for t in unfolded]
    assert [t.text for t in folded] == [analyze(t.text)[0].text for t in unfolded]
