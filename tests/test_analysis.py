"""The analyzer: tokens, folding, offsets into the original text, analyzed articles."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher import analysis
from watcher.analysis import (
    AnalyzedArticle,
    AnalyzedField,
    Token,
    analyze,
    analyze_pattern,
    fold,
)
from watcher.model import Article

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Libya", ["libya"], id="word"),
        pytest.param("Haftar's", ["haftar", "s"], id="possessive"),
        pytest.param("al-Sarraj", ["al", "sarraj"], id="hyphen"),
        pytest.param("U.S.", ["u", "s"], id="initials"),
        pytest.param("F-16", ["f", "16"], id="digits"),
        pytest.param("libya_oil", ["libya", "oil"], id="underscore"),
        pytest.param("Sarrāj", ["sarraj"], id="macron"),
        pytest.param("Sarra\u0304j", ["sarraj"], id="decomposed-macron"),
        pytest.param("Méndez", ["mendez"], id="acute"),
        pytest.param("ﬁnal", ["final"], id="ligature"),
        pytest.param("\uff2c\uff49\uff42\uff59\uff41", ["libya"], id="full-width"),
        pytest.param("Straße", ["strasse"], id="eszett"),
        pytest.param("İstanbul", ["istanbul"], id="dotted-capital-i"),
        pytest.param("ΣΟΦΙΑ", ["σοφια"], id="greek"),
        pytest.param("Москва", ["москва"], id="cyrillic"),
        pytest.param("“Tripoli”—Benghazi", ["tripoli", "benghazi"], id="curly-quotes-dash"),
        pytest.param("½", ["1", "2"], id="fraction-splits"),
        pytest.param("①②", ["12"], id="circled-digits"),
        pytest.param("x\u0301y", ["xy"], id="lone-mark-joins"),
        pytest.param("  ,.;  ", [], id="no-words"),
        pytest.param("", [], id="empty"),
        pytest.param("طرابلس", ["طرابلس"], id="arabic"),
        pytest.param("北京 新闻", ["北京", "新闻"], id="cjk-runs"),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert [t.text for t in analyze(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Haftar's men", [("Haftar", 0, 6), ("s", 7, 8), ("men", 9, 12)], id="ascii"),
        pytest.param("al-Sarrāj", [("al", 0, 2), ("Sarraj", 3, 9)], id="accent"),
        pytest.param("Sarra\u0304j!", [("Sarraj", 0, 7)], id="decomposed-mark-inside"),
        pytest.param("cafe\u0301 x", [("cafe", 0, 5), ("x", 6, 7)], id="trailing-mark-included"),
        pytest.param("a ﬁne", [("a", 0, 1), ("fine", 2, 5)], id="ligature-one-char"),
        pytest.param(
            "in \uff2c\uff49\uff42\uff59\uff41.", [("in", 0, 2), ("Libya", 3, 8)], id="full-width"
        ),
        pytest.param("Straße", [("Straße", 0, 6)], id="eszett-unfolded"),
        pytest.param("x½", [("x1", 0, 2), ("2", 1, 2)], id="fraction-offsets"),
    ],
)
def test_unfolded_tokens_and_offsets(text: str, expected: list[tuple[str, int, int]]) -> None:
    assert analyze(text, fold_case=False) == [Token(*e) for e in expected]


def test_offsets_slice_the_original_word() -> None:
    text = "Gen. Khalifa Haftar\u2019s \uff2c\uff2e\uff21 in al-Sarrāj's Tripoli"
    for token in analyze(text):
        assert analyze(text[token.start : token.end])[0].text == token.text


def test_fold_case_false_skips_only_case() -> None:
    assert [t.text for t in analyze("Méndez \uff35\uff33", fold_case=False)] == ["Mendez", "US"]


def test_patterns_keep_wildcards() -> None:
    assert [t.text for t in analyze_pattern("Qadd?fi Gadd*fi al-Sarr*")] == [
        "qadd?fi",
        "gadd*fi",
        "al",
        "sarr*",
    ]
    assert [t.text for t in analyze_pattern("Sarrā*", fold_case=False)] == ["Sarra*"]
    assert [t.text for t in analyze("Qadd?fi")] == ["qadd", "fi"]


@pytest.mark.parametrize(
    ("word", "folded"),
    [("Libya", "libya"), ("Lib*", "lib*"), ("Straße", "strasse"), ("\uff2c\uff49\uff42?", "lib?")],
)
def test_fold(word: str, folded: str) -> None:
    assert fold(word) == folded


def test_analyzed_field_is_lazy_and_consistent() -> None:
    for text, us in (("US said us, US", [0, 2, 3]), ("ÉU said us, US", [2, 3])):
        field = AnalyzedField(text)
        assert field.terms == [t.text for t in analyze(text)]
        assert field.raw_terms() == [t.text for t in analyze(text, fold_case=False)]
        assert field.tokens() == analyze(text)
        assert field.tokens(fold_case=False) == analyze(text, fold_case=False)
        assert field.positions()["us"] == us
        assert field.positions(case_sensitive=True)["US"][-1] == 3
        assert field.set_for(True) == set(field.raw_terms())
        assert field.set_for(False) == field.term_set


def test_analyzed_article() -> None:
    article = Article(
        title="Libya",
        lead="Haftar",
        body="Tripoli",
        source="Reuters",
        published=datetime(2020, 5, 21, tzinfo=UTC),
    )
    analyzed = AnalyzedArticle.from_article(article)
    assert analyzed.field("lead").terms == ["haftar"]
    assert analyzed.all_terms == {"libya", "haftar", "tripoli", "reuters"}
    assert analysis.analyze_article(article).field("source").text == "Reuters"
    with pytest.raises(ValueError, match="expected 4 fields"):
        AnalyzedArticle([AnalyzedField("x")])


ascii_text = st.text(alphabet=st.characters(max_codepoint=127), max_size=60)


@SETTINGS
@given(text=ascii_text)
def test_ascii_fast_path_equals_general_path(text: str) -> None:
    folded, unfolded, offsets = analysis._tokenize_general(text, analysis._RUN)
    assert [t.text for t in analyze(text)] == folded
    assert [t.text for t in analyze(text, fold_case=False)] == unfolded
    assert [(t.start, t.end) for t in analyze(text)] == offsets
    field = AnalyzedField(text)
    assert field.terms == folded
    assert [field.folded_text()[s:e] for s, e in offsets] == folded


@SETTINGS
@given(text=st.text(max_size=60))
def test_tokens_are_words_in_order(text: str) -> None:
    tokens = analyze(text)
    assert all(t.text and all(c.isalnum() or not c.isascii() for c in t.text) for t in tokens)
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Libya, Tripoli: Libya's LIBYA x", id="ascii"),
        pytest.param("Libya, Tripoli: Libya\u2019s LIBYA x", id="non-ascii"),
    ],
)
def test_positions_and_offsets_of_one_term(text: str) -> None:
    field = AnalyzedField(text)
    assert field.positions_of("libya") == [0, 2, 4]
    assert field.positions_of("Libya", case_sensitive=True) == [0, 2]
    assert field.positions_of("benghazi") == []
    assert [text[s:e] for s, e in field.offsets_of("libya")] == ["Libya", "Libya", "LIBYA"]
    assert field.offsets_of("LIBYA", case_sensitive=True) == [field.offset_at(4)]
    assert field.offset_at(1) == (7, 14)
    assert field.offsets() == [(t.start, t.end) for t in analyze(text)]
    assert field.positions()["libya"] == [0, 2, 4]


ASCII_TEXT = st.text(alphabet="aAbB09 _-'.\n", max_size=60)


@given(ASCII_TEXT, st.booleans())
@settings(max_examples=300, deadline=None)
def test_one_words_offsets_are_the_offsets_of_its_positions(
    text: str, case_sensitive: bool
) -> None:
    """Offsets of one word come from a search for it alone before any offsets are made;
    they must be those of its token positions."""
    field = AnalyzedField(text)
    terms = set(field.terms_for(case_sensitive))
    searched = {term: field.offsets_of(term, case_sensitive) for term in terms}
    every = field.offsets()
    for term, offsets in searched.items():
        assert offsets == [every[p] for p in field.positions_of(term, case_sensitive)]


@given(ASCII_TEXT)
@settings(max_examples=300, deadline=None)
def test_offset_at_before_any_offsets_are_made(text: str) -> None:
    """A phrase's ends come from a search for the word at each end alone (no offsets of
    every token made); they must be the offsets of those positions."""
    field = AnalyzedField(text)
    found = [field.offset_at(position) for position in range(len(field.terms))]
    assert found == AnalyzedField(text).offsets()


def test_empty_field() -> None:
    field = AnalyzedField("")
    assert field.terms == []
    assert field.offsets() == []
    assert field.positions_of("x") == []


@pytest.mark.parametrize(
    ("run", "extra"), [(analysis._RUN, ""), (analysis._PATTERN_RUN, "*?")], ids=["text", "pattern"]
)
def test_a_run_is_ascii_letters_and_digits_or_any_other_character(
    run: re.Pattern[str], extra: str
) -> None:
    """The run classes are written as the ASCII characters they leave out."""
    chars = [chr(c) for c in range(128)] + ["\x80", "é", "\u2019", "\ud800", "\uffff", "\U0010ffff"]
    for char in chars:
        expected = not char.isascii() or char.isalnum() or char in extra
        assert bool(run.fullmatch(char)) is expected, repr(char)
