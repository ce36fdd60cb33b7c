"""Semantic checks and warnings, and what `compile_query` makes of a checked query."""

from __future__ import annotations

import dataclasses

import pytest

from watcher.errors import QuerySyntaxError, RuleError
from watcher.query import check, compile_query, keywords_query, parse_query
from watcher.query.compile import (
    AllOf,
    AnyOf,
    Negated,
    PhraseLeaf,
    TagLeaf,
    WordLeaf,
    WordPattern,
)

NEGATION_ONLY = "can match by negation alone"


@pytest.mark.parametrize(
    ("query", "warns"),
    [
        pytest.param("NOT football", True, id="not"),
        pytest.param("-football", True, id="minus"),
        pytest.param("NOT a NOT b", True, id="two-nots"),
        pytest.param("Libya OR NOT football", True, id="or-not"),
        pytest.param("NOT (a AND b)", True, id="not-and"),
        pytest.param("Libya NOT football", False, id="and-not"),
        pytest.param("NOT NOT Libya", False, id="double-not"),
        pytest.param("NOT (NOT a OR NOT b)", False, id="de-morgan"),
        pytest.param("Libya", False, id="word"),
        pytest.param("(a OR b) NOT c", False, id="or-and-not"),
        pytest.param("source_tag:mena", False, id="source-tag"),
        pytest.param("NOT source_tag:mena", True, id="not-source-tag"),
    ],
)
def test_negation_only_warning(query: str, warns: bool) -> None:
    warnings = check.warnings(parse_query(query))
    assert any(NEGATION_ONLY in w for w in warnings) is warns
    assert tuple(w.message for w in compile_query(query).warnings) == warnings


@pytest.mark.parametrize(
    ("query", "offsets"),
    [
        pytest.param("coffee or cocoa", [7], id="or"),
        pytest.param("coffee and cocoa", [7], id="and"),
        pytest.param("coffee not cocoa", [7], id="not"),
        pytest.param("a Or b", [2], id="mixed-case"),
        pytest.param("a and b or not c", [2, 8, 11], id="several"),
        pytest.param("(a or b) c", [3], id="in-group"),
        pytest.param("title:(a or b)", [9], id="in-field-group"),
        pytest.param("a OR b", [], id="operator"),
        pytest.param('a "or" b', [], id="quoted-word"),
        pytest.param("or a", [], id="first-word"),
        pytest.param("a or", [], id="last-word"),
        pytest.param("a AND or AND b", [], id="between-explicit-operators"),
        pytest.param("a -or b", [], id="negated-word"),
        pytest.param("oregon orbit", [], id="longer-words"),
    ],
)
def test_lower_case_operator_warning(query: str, offsets: list[int]) -> None:
    warnings = compile_query(query).warnings
    assert [w.offset for w in warnings] == offsets
    for warning in warnings:
        word = query[warning.offset or 0 :].split(" ", maxsplit=1)[0].strip("()")
        assert warning.message.startswith(f'"{word}" is searched as a word here — did you mean ')
        assert f"did you mean {word.upper()}?" in warning.message


@pytest.mark.parametrize(
    ("text", "offset", "line", "col"),
    [
        pytest.param("abc", 0, 1, 1, id="start"),
        pytest.param("abc", 2, 1, 3, id="same-line"),
        pytest.param("ab\ncd", 3, 2, 1, id="second-line"),
        pytest.param("ab\ncd\nef", 7, 3, 2, id="third-line"),
        pytest.param("ab", 9, 1, 3, id="clamped"),
    ],
)
def test_location(text: str, offset: int, line: int, col: int) -> None:
    location = check.location(text, offset)
    assert (location.path, location.line, location.col) == ("<query>", line, col)


def test_check_field() -> None:
    assert check.check_field("lead", None, "lead:x", 0) == "lead"
    with pytest.raises(QuerySyntaxError, match='unknown field "tilte"'):
        check.check_field("tilte", None, "tilte:x", 0)
    with pytest.raises(QuerySyntaxError, match='field "body" inside "title:'):
        check.check_field("body", "title", "title:(body:x)", 7)
    assert check.check_field("source_tag", None, "source_tag:x", 0) == "source_tag"
    with pytest.raises(QuerySyntaxError, match='field "source_tag" inside "title:'):
        check.check_field("source_tag", "title", "title:(source_tag:x)", 7)


def test_check_tag() -> None:
    assert check.check_tag("MENA", "source_tag:MENA", 11) == "mena"
    assert check.check_tag("n?rth-af*", "source_tag:n?rth-af*", 11) == "n?rth-af*"
    with pytest.raises(QuerySyntaxError, match='"a b" is not a tag'):
        check.check_tag("a b", 'source_tag:"a b"', 12)


def test_compiled_query_carries_text_and_normalized_form() -> None:
    compiled = compile_query("Libya Wagner OR Haftar")
    assert compiled.text == "Libya Wagner OR Haftar"
    assert compiled.normalized == "Libya AND (Wagner OR Haftar)"
    assert compiled.fields == ("title", "lead", "body")
    assert not compiled.case_sensitive
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.text = "x"  # type: ignore[misc]


def test_compile_folds_words_and_keys() -> None:
    root = compile_query("Sarrāj OR Qadd?fi OR al-Sarraj").root
    assert isinstance(root, AnyOf)
    word, wildcard, phrase = root.children
    assert isinstance(word, WordLeaf)
    assert word.word == WordPattern("sarraj", "sarraj", False)
    assert isinstance(wildcard, WordLeaf)
    assert wildcard.word == WordPattern("qadd?fi", "qadd", True)
    assert isinstance(phrase, PhraseLeaf)
    assert phrase.slop is None
    assert [w.text for w in phrase.words] == ["al", "sarraj"]


def test_case_sensitive_keeps_case_but_keys_are_folded() -> None:
    root = compile_query("US AND Lib*", case_sensitive=True).root
    assert isinstance(root, AllOf)
    us, lib = root.children
    assert isinstance(us, WordLeaf)
    assert us.word == WordPattern("US", "us", False)
    assert us.case_sensitive
    assert isinstance(lib, WordLeaf)
    assert lib.word == WordPattern("Lib*", "lib", True)


def test_source_tags_compile_to_tag_leaves_whatever_the_case_setting() -> None:
    root = compile_query("Libya source_tag:MENA NOT source_tag:sp*", case_sensitive=True).root
    assert isinstance(root, AllOf)
    libya, mena, not_sport = root.children
    assert isinstance(libya, WordLeaf)
    assert mena == TagLeaf(WordPattern("#mena", "#mena", False))
    assert not_sport == Negated(TagLeaf(WordPattern("#sp*", "#sp", True)))
    # An article without the tag is rejected before any test runs.
    assert root.required == {"libya", "#mena"}


def test_fields_become_masks() -> None:
    root = compile_query("a title:b NOT source:c", fields=("body",)).root
    assert isinstance(root, AllOf)
    a, b, not_c = root.children
    assert isinstance(a, WordLeaf)
    assert a.mask == 0b0100
    assert isinstance(b, WordLeaf)
    assert b.mask == 0b0001
    assert isinstance(not_c, Negated)
    assert isinstance(not_c.child, WordLeaf)
    assert not_c.child.mask == 0b1000


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param((), "at least one", id="empty"),
        pytest.param(("title", "source"), "source", id="source"),
        pytest.param(("title", "source_tag"), "searched only through source_tag:", id="source-tag"),
        pytest.param(("tilte",), 'unknown field "tilte"', id="unknown"),
    ],
)
def test_bad_rule_fields(fields: tuple[str, ...], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        compile_query("Libya", fields=fields)  # type: ignore[arg-type]


def test_compile_reports_syntax_errors() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        compile_query("Libya AND\n(Wagner")
    assert caught.value.location is not None
    assert (caught.value.location.line, caught.value.location.col) == (2, 1)


def test_keywords_query() -> None:
    query = keywords_query(["Pantsir", "Watiya air base", 'say "hi"', "Russia*"])
    assert query == '"Pantsir" OR "Watiya air base" OR "say \\"hi\\"" OR "Russia*"'
    assert compile_query(query).normalized == 'Pantsir OR "Watiya air base" OR "say hi" OR Russia*'
