"""Query text -> AST: precedence, fields, analyzed words, rendering, and located errors."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from query import grouping

from watcher.errors import QuerySyntaxError, RuleError
from watcher.query import parse_query, render
from watcher.query.nodes import And, Near, Node, Not, Or, Phrase, Tag, Term


def t(text: str, field: str | None = None) -> Term:
    return Term(text, field)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("Libya", t("Libya"), id="word"),
        pytest.param("Libya Wagner", And((t("Libya"), t("Wagner"))), id="space-is-and"),
        pytest.param(
            "Libya Wagner OR Haftar",
            And((t("Libya"), Or((t("Wagner"), t("Haftar"))))),
            id="space-looser-than-or",
        ),
        pytest.param("a OR b AND c", Or((t("a"), And((t("b"), t("c"))))), id="and-tighter-than-or"),
        pytest.param(
            "a AND b OR c", Or((And((t("a"), t("b"))), t("c"))), id="and-tighter-than-or-left"
        ),
        pytest.param("a OR b c", And((Or((t("a"), t("b"))), t("c"))), id="or-tighter-than-space"),
        pytest.param("NOT a b", And((Not(t("a")), t("b"))), id="not-tightest"),
        pytest.param("a -b", And((t("a"), Not(t("b")))), id="minus-is-not"),
        pytest.param("+a +b", And((t("a"), t("b"))), id="plus-is-required"),
        pytest.param("a AND (b AND c)", And((t("a"), t("b"), t("c"))), id="and-flattened"),
        pytest.param("(a OR b) OR c", Or((t("a"), t("b"), t("c"))), id="or-flattened"),
        pytest.param("NOT NOT a", Not(Not(t("a"))), id="double-not"),
        # issue 9: a prefix operator after an OR must not bind to the OR's last word
        pytest.param(
            "Libya OR Tripoli -football",
            And((Or((t("Libya"), t("Tripoli"))), Not(t("football")))),
            id="minus-after-or",
        ),
        pytest.param(
            "Libya OR Libyan +Haftar",
            And((Or((t("Libya"), t("Libyan"))), t("Haftar"))),
            id="plus-after-or",
        ),
        pytest.param(
            "Libya OR Tripoli NOT football",
            And((Or((t("Libya"), t("Tripoli"))), Not(t("football")))),
            id="not-after-or",
        ),
        pytest.param(
            "a OR b -c d", And((Or((t("a"), t("b"))), Not(t("c")), t("d"))), id="minus-then-word"
        ),
        pytest.param(
            "a OR b -c OR d",
            And((Or((t("a"), t("b"))), Or((Not(t("c")), t("d"))))),
            id="minus-between-ors",
        ),
        pytest.param(
            "title:(a OR b -c)",
            And((Or((t("a", "title"), t("b", "title"))), Not(t("c", "title")))),
            id="minus-after-or-in-field-group",
        ),
        pytest.param(
            "a OR b AND -c", Or((t("a"), And((t("b"), Not(t("c")))))), id="minus-after-and"
        ),
        pytest.param("a -b OR c", And((t("a"), Or((Not(t("b")), t("c"))))), id="minus-before-or"),
        pytest.param("-a OR b", Or((Not(t("a")), t("b"))), id="leading-minus-in-or"),
        pytest.param(
            "-(a OR b) c", And((Not(Or((t("a"), t("b")))), t("c"))), id="minus-before-group"
        ),
        pytest.param("-+a", Not(t("a")), id="minus-plus"),
        pytest.param(
            "a OR b +c -d",
            And((Or((t("a"), t("b"))), t("c"), Not(t("d")))),
            id="plus-and-minus-after-or",
        ),
        pytest.param(
            "a and b or not c",
            And(tuple(t(w) for w in ("a", "and", "b", "or", "not", "c"))),
            id="lowercase-operators-are-words",
        ),
        pytest.param("al-Sarraj", Phrase(("al", "Sarraj")), id="split-word-is-phrase"),
        pytest.param("U.S.", Phrase(("U", "S")), id="initials"),
        pytest.param("F-16", Phrase(("F", "16")), id="f16"),
        pytest.param("Haftar's", Phrase(("Haftar", "s")), id="possessive"),
        pytest.param("Sarrāj", t("Sarraj"), id="accents-folded-case-kept"),
        pytest.param("\uff2c\uff49\uff42\uff59\uff41", t("Libya"), id="full-width"),
        pytest.param('"Libya"', t("Libya"), id="one-word-phrase-is-term"),
        pytest.param('"Khalifa Haftar"', Phrase(("Khalifa", "Haftar")), id="phrase"),
        pytest.param('"Haftar Tripoli"~5', Near(("Haftar", "Tripoli"), 5), id="near"),
        pytest.param('"Haftar"~5', t("Haftar"), id="near-one-word"),
        pytest.param('"Khalif* Haftar"', Phrase(("Khalif*", "Haftar")), id="wildcard-in-phrase"),
        pytest.param("Qadd?fi", t("Qadd?fi"), id="wildcard-inside"),
        pytest.param("al-Sarr*", Phrase(("al", "Sarr*")), id="wildcard-in-split-word"),
        pytest.param("title:Libya", t("Libya", "title"), id="field"),
        pytest.param(
            "body:(a OR b)", Or((t("a", "body"), t("b", "body"))), id="field-group-pushed-down"
        ),
        pytest.param(
            'source:"The Limited Times"',
            Phrase(("The", "Limited", "Times"), "source"),
            id="source-phrase",
        ),
        pytest.param('lead:"a b"~2 c', And((Near(("a", "b"), 2, "lead"), t("c"))), id="field-near"),
        pytest.param("foo\\:bar", Phrase(("foo", "bar")), id="escaped-colon"),
        pytest.param("a\\*b", Phrase(("a", "b")), id="escaped-star-is-literal"),
        pytest.param('"say \\"hi\\""', Phrase(("say", "hi")), id="escaped-quote"),
        pytest.param('"AND"', t("AND"), id="quoted-operator-is-word"),
        pytest.param("a\n  OR\tb", Or((t("a"), t("b"))), id="whitespace"),
        pytest.param("source_tag:mena", Tag("mena"), id="source-tag"),
        pytest.param("source_tag:MENA", Tag("mena"), id="source-tag-folded"),
        pytest.param(
            "source_tag:north-africa", Tag("north-africa"), id="source-tag-dash-is-not-a-split"
        ),
        pytest.param('source_tag:"mena"', Tag("mena"), id="source-tag-quoted"),
        pytest.param("source_tag:me*", Tag("me*"), id="source-tag-wildcard"),
        pytest.param(
            "Libya source_tag:(mena OR gulf)",
            And((t("Libya"), Or((Tag("mena"), Tag("gulf"))))),
            id="source-tag-group",
        ),
        pytest.param(
            "Libya -source_tag:sport", And((t("Libya"), Not(Tag("sport")))), id="source-tag-not"
        ),
    ],
)
def test_parse(query: str, expected: Node) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "normalized"),
    [
        pytest.param("Libya Wagner OR Haftar", "Libya AND (Wagner OR Haftar)", id="precedence"),
        pytest.param("a OR b AND c", "a OR (b AND c)", id="and-in-or"),
        pytest.param("+x -y", "x AND NOT y", id="plus-minus"),
        pytest.param(
            "Libya OR Tripoli -football",
            "(Libya OR Tripoli) AND NOT football",
            id="minus-after-or",
        ),
        pytest.param("a OR b -c OR d", "(a OR b) AND (NOT c OR d)", id="minus-between-ors"),
        pytest.param("title:(a OR b -c)", "title:((a OR b) AND NOT c)", id="field-group-minus"),
        pytest.param("body:(a OR b) title:c", "body:(a OR b) AND title:c", id="field-group"),
        pytest.param("title:a title:b", "title:(a AND b)", id="common-field-grouped"),
        pytest.param("al-Sarraj", '"al Sarraj"', id="split-word"),
        pytest.param("NOT (a OR b)", "NOT (a OR b)", id="not-group"),
        pytest.param('"AND"', '"AND"', id="reserved-word-quoted"),
        pytest.param('"a  b"~3', '"a b"~3', id="near"),
        pytest.param("Libya source_tag:MENA", "Libya AND source_tag:mena", id="source-tag-folded"),
        pytest.param(
            "source_tag:a OR source_tag:b-c", "source_tag:(a OR b-c)", id="source-tags-grouped"
        ),
        pytest.param(
            "source_tag:a title:b", "source_tag:a AND title:b", id="source-tag-beside-field"
        ),
    ],
)
def test_render(query: str, normalized: str) -> None:
    node = parse_query(query)
    assert render(node) == normalized
    assert parse_query(normalized) == node


def test_positions_do_not_affect_equality() -> None:
    assert parse_query("  Libya") == parse_query("Libya")
    assert parse_query("  Libya").pos == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("query", "message", "line", "col"),
    [
        pytest.param("", "empty query", 1, 1, id="empty"),
        pytest.param("  \n ", "empty query", 1, 1, id="blank"),
        pytest.param("a OR b)", 'unexpected ")" — check the parentheses', 1, 7, id="close-paren"),
        pytest.param("a\n  )", 'unexpected ")" — check the parentheses', 2, 3, id="second-line"),
        pytest.param("(a OR b", 'missing ")"', 1, 1, id="open-paren"),
        pytest.param("x (a OR (b)", 'missing ")"', 1, 3, id="open-paren-inner"),
        pytest.param("a AND", '"AND" at the end needs a term', 1, 3, id="trailing-and"),
        pytest.param("a\nOR", '"OR" at the end needs a term', 2, 1, id="trailing-or"),
        pytest.param("AND a", 'unexpected "AND"', 1, 1, id="leading-and"),
        pytest.param("a OR OR b", 'unexpected "OR"', 1, 6, id="double-or"),
        pytest.param("NOT", '"NOT" at the end', 1, 1, id="lone-not"),
        pytest.param('a "abc', "unbalanced quote", 1, 3, id="unbalanced-quote"),
        pytest.param('a\nb\n  "c', "unbalanced quote", 3, 3, id="unbalanced-quote-line-3"),
        pytest.param("'hello'", "use double quotes", 1, 1, id="single-quote"),
        pytest.param(
            "auhtor:x",
            'unknown field "auhtor" — use title, lead, body, source or source_tag',
            1,
            1,
            id="unknown-field",
        ),
        pytest.param("a AND Title:x", 'unknown field "Title"', 1, 7, id="field-case"),
        pytest.param("title:(a body:b)", 'field "body" inside', 1, 10, id="nested-field"),
        pytest.param(
            "source_tag:(a title:b)", 'field "title" inside', 1, 15, id="field-in-source-tag"
        ),
        pytest.param(
            "title:(a source_tag:b)", 'field "source_tag" inside', 1, 10, id="source-tag-in-field"
        ),
        pytest.param("x source_tag:*", "a bare *", 1, 14, id="source-tag-bare-star"),
        pytest.param("source_tag:*na", "a tag may not start with a wildcard", 1, 12, id="tag-*"),
        pytest.param(
            'source_tag:"north africa"', '"north africa" is not a tag', 1, 13, id="tag-spaces"
        ),
        pytest.param("source_tag:a_b", '"a_b" is not a tag', 1, 12, id="tag-underscore"),
        pytest.param("source_tag:Ména", '"Ména" is not a tag', 1, 12, id="tag-accent"),
        pytest.param('source_tag:"a"~2', '"~" does not apply to a tag', 1, 12, id="tag-near"),
        pytest.param("title:", '":" at the end', 1, 6, id="field-without-value"),
        pytest.param(":a", 'unexpected ":"', 1, 1, id="colon"),
        pytest.param("*", "a bare * would match every article", 1, 1, id="bare-star"),
        pytest.param("a OR *", "a bare *", 1, 6, id="bare-star-later"),
        pytest.param("*ya", "a term may not start with a wildcard", 1, 1, id="leading-star"),
        pytest.param("a ?ibya", "may not start with a wildcard", 1, 3, id="leading-question"),
        pytest.param("al-*", "may not start with a wildcard", 1, 4, id="leading-star-in-split"),
        pytest.param('"Haftar *oli"', "may not start with a wildcard", 1, 9, id="star-in-phrase"),
        pytest.param('""', "an empty phrase", 1, 1, id="empty-phrase"),
        pytest.param('a "—"', "an empty phrase", 1, 3, id="punctuation-phrase"),
        pytest.param("—", "has no letters or digits", 1, 1, id="punctuation-word"),
        pytest.param("a && b", '"&&" is not an operator here — use AND', 1, 3, id="ampersands"),
        pytest.param("a || b", "use OR", 1, 3, id="pipes"),
        pytest.param("!a", "use NOT", 1, 1, id="bang"),
        pytest.param("Libya~2", "fuzzy search", 1, 6, id="fuzzy"),
        pytest.param("a^2", "boosts", 1, 2, id="boost"),
        pytest.param("a /re/", "regular expressions", 1, 3, id="regex"),
        pytest.param("a /re", "regular expressions", 1, 3, id="unclosed-regex"),
        pytest.param("[a TO b]", "ranges", 1, 1, id="range"),
        pytest.param("a >3", "ranges", 1, 3, id="open-range"),
        pytest.param('"a b"~', '"~" needs a number', 1, 6, id="near-without-number"),
        pytest.param('x "a b"~1.5', "whole number", 1, 8, id="near-fraction"),
        pytest.param("~", 'unexpected "~"', 1, 1, id="lone-tilde"),
        pytest.param("a\\", "backslash", 1, 2, id="trailing-backslash"),
        pytest.param("(" * 500 + "a" + ")" * 500, "nests more than 100 levels", 1, 1, id="parens"),
        pytest.param("NOT " * 500 + "a", "nests more than 100 levels", 1, 1, id="nots"),
        pytest.param("- " * 3000 + "a", "nests more than 100 levels", 1, 1, id="minuses"),
    ],
)
def test_errors(query: str, message: str, line: int, col: int) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query(query)
    error = caught.value
    assert message in error.message
    assert error.location is not None
    assert (error.location.path, error.location.line, error.location.col) == ("<query>", line, col)
    assert isinstance(error, RuleError)


def test_message_has_no_query_prefix() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        parse_query("a)")
    assert caught.value.message == 'unexpected ")" — check the parentheses'
    assert str(caught.value) == '<query>:1:2: unexpected ")" — check the parentheses'


def test_parse_is_thread_safe() -> None:
    queries = [f'(w{i} OR "x{i} y") AND title:z{i} NOT q{i}' for i in range(200)]
    expected = [parse_query(q) for q in queries]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(parse_query, queries)) == expected


@pytest.mark.slow
@settings(max_examples=500, deadline=None, derandomize=True, database=None)
@given(expression=grouping.expressions)
def test_grouping_agrees_with_an_independent_precedence_parser(
    expression: grouping.Expression,
) -> None:
    text = grouping.text_of(expression)
    assert parse_query(text) == grouping.expected_node(expression), text
