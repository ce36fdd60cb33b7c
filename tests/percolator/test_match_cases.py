"""The matching semantics of SPEC section 4, case by case, through the percolator.

Every case also runs through the naive reference matcher, which must agree.
"""

from __future__ import annotations

from typing import Any

import pytest
from reference import Reference

from watcher.analysis import AnalyzedArticle
from watcher.model import Span
from watcher.percolator import Percolator
from watcher.query import compile_query

# A body text, or field -> text (and "source_tags" -> the tags of the article's source).
Doc = str | dict[str, Any]


def _texts(doc: Doc) -> dict[str, str]:
    if isinstance(doc, str):
        return {"body": doc}
    return {key: value for key, value in doc.items() if key != "source_tags"}


def run(query: str, doc: Doc, **options: Any) -> tuple[Span, ...] | None:
    """Spans if `query` matches `doc`, else None."""
    texts = _texts(doc)
    tags: tuple[str, ...] = () if isinstance(doc, str) else doc.get("source_tags", ())
    compiled = compile_query(query, **options)
    percolator = Percolator({"rule": compiled})
    analyzed = AnalyzedArticle.from_texts(**texts, source_tags=tags)
    result = percolator.match_analyzed(analyzed).get("rule")
    assert Reference(query, **options).match(texts, tags) == result, "reference disagrees"
    return result


T, F = True, False
CS = {"case_sensitive": True}
MENA = {"source_tags": ("world", "mena")}
WORLD = {"source_tags": ("world",)}

CASES = [
    # whole words and the analyzer
    pytest.param("Libya", "Fighting in Libya.", {}, T, id="word"),
    pytest.param("Libya", "Libyans protest", {}, F, id="libyans-not-libya"),
    pytest.param("Libya", "LIBYA TODAY", {}, T, id="case-folded-text"),
    pytest.param("LIBYA", "in Libya", {}, T, id="case-folded-query"),
    pytest.param("Haftar", "Haftar's forces", {}, T, id="possessive-text"),
    pytest.param("Haftar's", "Haftar's forces", {}, T, id="possessive-query-is-phrase"),
    pytest.param("Haftar's", "Haftar said so", {}, F, id="possessive-query-needs-s"),
    pytest.param('"al Sarraj"', "Fayez al-Sarraj met", {}, T, id="phrase-matches-hyphenated"),
    pytest.param("al-Sarraj", "Fayez al Sarraj met", {}, T, id="hyphenated-matches-spaced"),
    pytest.param("al-Sarraj", "Fayez al-Sarraj met", {}, T, id="hyphenated-matches-hyphenated"),
    pytest.param("al-Sarraj", "Sarraj al", {}, F, id="hyphenated-is-ordered"),
    pytest.param("al-Sarraj", "al Fayez Sarraj", {}, F, id="hyphenated-is-adjacent"),
    pytest.param("Sarraj", "Fayez al-Sarrāj", {}, T, id="accent-in-text"),
    pytest.param("Sarrāj", "Fayez al-Sarraj", {}, T, id="accent-in-query"),
    pytest.param("Sarraj", "Sarra\u0304j", {}, T, id="decomposed-accent"),
    pytest.param("mendez", "Ana Méndez", {}, T, id="accent-and-case"),
    pytest.param("Méndez", "ANA MENDEZ", {}, T, id="accent-query-upper-text"),
    pytest.param("Libya", "\uff2c\uff29\uff22\uff39\uff21 news", {}, T, id="full-width-text"),
    pytest.param("\uff2c\uff49\uff42\uff59\uff41", "Libya", {}, T, id="full-width-query"),
    pytest.param("final", "the ﬁnal round", {}, T, id="ligature-text"),
    pytest.param("ﬁnal", "the final round", {}, T, id="ligature-query"),
    pytest.param("U.S.", "the U.S. embassy", {}, T, id="initials-match-initials"),
    pytest.param("U.S.", "the US embassy", {}, F, id="initials-not-word"),
    pytest.param('"U S"', "the U.S. embassy", {}, T, id="initials-are-two-tokens"),
    pytest.param("F-16", "two F-16 jets", {}, T, id="f16"),
    pytest.param("F-16", "two F16 jets", {}, F, id="f16-not-joined"),
    pytest.param("F-16", "an F 16", {}, T, id="f16-spaced"),
    pytest.param("strasse", "Hauptstraße", {}, F, id="casefold-whole-word"),
    pytest.param("strasse", "die Straße", {}, T, id="casefold-eszett"),
    pytest.param("istanbul", "in İstanbul", {}, T, id="casefold-dotted-i"),
    pytest.param("cafe", "a café", {}, T, id="cafe"),
    pytest.param("2020", "in 2020, again", {}, T, id="digits"),
    pytest.param("oil", "libya_oil", {}, T, id="underscore-separates"),
    pytest.param("Tunisia", "Libya—Tunisia", {}, T, id="em-dash-separates"),
    pytest.param("Tripoli", "“Tripoli”", {}, T, id="curly-quotes"),
    pytest.param("Tripoli", "Tripoli's\u00a0port", {}, T, id="nbsp"),
    # boolean logic and precedence
    pytest.param("Libya Wagner", "Libya and Wagner", {}, T, id="space-is-and"),
    pytest.param("Libya Wagner", "Libya only", {}, F, id="space-is-and-neg"),
    pytest.param("Libya AND Wagner", "Wagner in Libya", {}, T, id="and"),
    pytest.param("Libya AND Wagner", "Wagner", {}, F, id="and-neg"),
    pytest.param("Libya OR Wagner", "Wagner", {}, T, id="or"),
    pytest.param("Libya OR Wagner", "nothing here", {}, F, id="or-neg"),
    pytest.param("Libya Wagner OR Haftar", "Libya Haftar", {}, T, id="space-looser-than-or"),
    pytest.param("Libya Wagner OR Haftar", "Haftar", {}, F, id="space-looser-than-or-neg"),
    pytest.param("a OR b AND c", "a", {}, T, id="and-tighter-than-or"),
    pytest.param("a OR b AND c", "c", {}, F, id="and-tighter-than-or-neg"),
    pytest.param("a OR b AND c", "b c", {}, T, id="and-tighter-than-or-both"),
    pytest.param("(a OR b) AND c", "a c", {}, T, id="parentheses"),
    pytest.param("(a OR b) AND c", "a", {}, F, id="parentheses-neg"),
    pytest.param("NOT football", "Libya news", {}, T, id="negation-only"),
    pytest.param("NOT football", "football news", {}, F, id="negation-only-neg"),
    pytest.param("Libya NOT football", "Libya football", {}, F, id="and-not"),
    pytest.param("Libya NOT football", "Libya", {}, T, id="and-not-pos"),
    pytest.param("Libya -football", "Libya football", {}, F, id="minus"),
    pytest.param("Libya -football", "Libya tennis", {}, T, id="minus-pos"),
    pytest.param("+Libya", "Libya", {}, T, id="plus"),
    pytest.param("+Libya", "Tunisia", {}, F, id="plus-neg"),
    pytest.param("+Libya +Wagner", "Libya", {}, F, id="plus-plus"),
    pytest.param("Libya NOT (football OR tennis)", "Libya tennis", {}, F, id="not-group"),
    pytest.param("NOT NOT Libya", "Libya", {}, T, id="double-not"),
    pytest.param("NOT NOT Libya", "Tunisia", {}, F, id="double-not-neg"),
    pytest.param("Libya and Wagner", "Libya Wagner", {}, F, id="lowercase-and-is-word"),
    pytest.param("Libya and Wagner", "Libya and Wagner", {}, T, id="lowercase-and-is-word-pos"),
    pytest.param("Libya or Wagner", "Libya", {}, F, id="lowercase-or-is-word"),
    pytest.param("not football", "football", {}, F, id="lowercase-not-is-word"),
    pytest.param("not football", "not football", {}, T, id="lowercase-not-is-word-pos"),
    pytest.param("Libya OR NOT oil", "gas", {}, T, id="or-not"),
    pytest.param("Libya OR NOT oil", "oil", {}, F, id="or-not-neg"),
    # phrases
    pytest.param('"Khalifa Haftar"', "Gen. Khalifa Haftar", {}, T, id="phrase"),
    pytest.param('"Khalifa Haftar"', "Haftar Khalifa", {}, F, id="phrase-order"),
    pytest.param('"Khalifa Haftar"', "Khalifa the Haftar", {}, F, id="phrase-adjacent"),
    pytest.param('"Khalifa Haftar"', "Khalifa, Haftar", {}, T, id="phrase-punctuation"),
    pytest.param(
        '"Khalifa Haftar"', {"title": "Khalifa", "body": "Haftar"}, {}, F, id="phrase-two-fields"
    ),
    pytest.param(
        '"Khalifa Haftar"',
        {"title": "Gen. Khalifa", "lead": "Haftar"},
        {},
        F,
        id="phrase-title-lead",
    ),
    pytest.param('"a b a"', "a b b a b a", {}, T, id="phrase-repeated-word"),
    # (on ASCII text a phrase is searched for in the lower-cased text: its edges are tokens')
    pytest.param('"a b"', "xa b a", {}, F, id="phrase-starts-inside-a-word"),
    pytest.param('"a b"', "a bc b", {}, F, id="phrase-ends-inside-a-word"),
    pytest.param('"a a"', "ba a a", {}, T, id="phrase-found-after-a-false-start"),
    pytest.param('"a b"', "A_b", {}, T, id="phrase-underscore-separates"),
    pytest.param('"a b"', "a \n\t-- B", {}, T, id="phrase-many-separators"),
    pytest.param('"G7 summit"', "the G7 Summit", {}, T, id="phrase-with-digits"),
    pytest.param('"Sarrāj said"', "Sarraj said", {}, T, id="phrase-folded-query-ascii-text"),
    pytest.param('"Москва said"', "Moskva said", {}, F, id="phrase-non-ascii-query-ascii-text"),
    pytest.param('"Москва said"', "Москва said", {}, T, id="phrase-non-ascii-text"),
    pytest.param('"a.b c"', "a b c", {}, T, id="phrase-of-a-dotted-word"),
    # proximity
    pytest.param('"Haftar Tripoli"~5', "Haftar a b c d e Tripoli", {}, T, id="near-exactly-n"),
    pytest.param('"Haftar Tripoli"~5', "Haftar a b c d e f Tripoli", {}, F, id="near-n-plus-1"),
    pytest.param('"Haftar Tripoli"~5', "Tripoli a b c d e Haftar", {}, T, id="near-any-order"),
    pytest.param('"a b"~1', "a, -- x !! B", {}, T, id="near-counts-tokens-not-characters"),
    pytest.param('"a b"~1', "a x y b", {}, F, id="near-one-token-too-many"),
    pytest.param('"ab cd"~2', "xab cd q q q q ab", {}, F, id="near-starts-inside-a-word"),
    pytest.param('"ab cd"~2', "ab cde q q q q cd", {}, F, id="near-ends-inside-a-word"),
    pytest.param('"a b"~40', "a " + "q " * 35 + "b", {}, T, id="near-wide-slop"),
    pytest.param('"a b"~30', "a " + "q " * 31 + "b", {}, F, id="near-wide-slop-neg"),
    pytest.param('"Haftar Tripoli"~0', "Tripoli Haftar", {}, T, id="near-0-reversed"),
    pytest.param('"Haftar Tripoli"~0', "Haftar x Tripoli", {}, F, id="near-0-gap"),
    pytest.param('"a b c"~1', "c x a b", {}, T, id="near-three"),
    pytest.param('"a b c"~1', "c x a y b", {}, F, id="near-three-neg"),
    pytest.param('"Haftar Tripoli"~1', "Haftar Haftar x Tripoli", {}, T, id="near-own-not-counted"),
    pytest.param('"Haftar Tripoli"~0', "Haftar Haftar x Tripoli", {}, F, id="near-own-neg"),
    pytest.param('"Haftar Tripoli"~1', "Haftar a b Haftar x Tripoli", {}, T, id="near-later-one"),
    pytest.param('"Tripoli Haftar"~1', "Haftar a b Haftar x Tripoli", {}, T, id="near-first-later"),
    pytest.param('"Haftar Tripoli"~1', "Tripoli x y Haftar", {}, F, id="near-none-of-several"),
    pytest.param('"US ambassador"~1', "the US, an ambassador", CS, T, id="near-case-sensitive"),
    pytest.param('"US ambassador"~1', "the us, an ambassador", CS, F, id="near-case-neg"),
    pytest.param('"Haftar Haftar"~3', "Haftar x Haftar", {}, T, id="near-repeated-word"),
    pytest.param('"Haftar Haftar"~3', "Haftar alone", {}, F, id="near-repeated-needs-two"),
    pytest.param(
        '"Haftar Tripoli"~9', {"title": "Haftar", "body": "Tripoli"}, {}, F, id="near-two-fields"
    ),
    pytest.param('"Haftar Trip*"~1', "Tripolitania x Haftar", {}, T, id="near-wildcard"),
    pytest.param('"Trip* Tri*"~0', "Tripoli", {}, F, id="near-wildcards-need-two-tokens"),
    pytest.param('"Trip* Tri*"~0', "Tripoli Trieste", {}, T, id="near-wildcards-two-tokens"),
    # wildcards
    pytest.param("Russia*", "Russian troops", {}, T, id="star"),
    pytest.param("Russia*", "Russia", {}, T, id="star-empty"),
    pytest.param("Russia*", "Belarussia", {}, F, id="star-prefix-only"),
    pytest.param("Wagner?", "Wagner", {}, F, id="question-needs-one"),
    pytest.param("Wagner?", "Wagners", {}, T, id="question"),
    pytest.param("Wagner?", "Wagnerss", {}, F, id="question-exactly-one"),
    pytest.param("Qadd?fi", "Muammar Qaddafi", {}, T, id="question-inside"),
    pytest.param("Qadd?fi", "Muammar Qadafi", {}, F, id="question-inside-neg"),
    pytest.param("Gadd*fi", "Gaddhafi", {}, T, id="star-inside"),
    pytest.param("Gadd*fi", "Gaddafi", {}, T, id="star-inside-empty"),
    pytest.param("Gadd*fi", "Gadafi", {}, F, id="star-inside-neg"),
    pytest.param('"Khalif* Haftar"', "Khalifa Haftar", {}, T, id="star-in-phrase"),
    pytest.param('"Khalif* Haftar"', "Khalifa x Haftar", {}, F, id="star-in-phrase-neg"),
    pytest.param("Lib*", "LIBYAN", {}, T, id="star-case-folded"),
    pytest.param("al-Sarr*", "al-Sarraj", {}, T, id="star-in-split-word"),
    pytest.param("Libya*", "Libya's", {}, T, id="star-possessive"),
    pytest.param("Libya*", {"source": "Libyan News", "body": "x"}, {}, F, id="star-not-in-source"),
    pytest.param("title:Lib*", {"title": "x", "body": "Libyan"}, {}, F, id="star-in-its-field"),
    pytest.param("title:Lib*", {"title": "Libyan", "body": "x"}, {}, T, id="star-field"),
    # case-sensitive rules
    pytest.param("US", "the US envoy", CS, T, id="cs-upper"),
    pytest.param("US", "told us", CS, F, id="cs-lower"),
    pytest.param("us", "the US envoy", {}, T, id="not-cs"),
    pytest.param("US", "the U.S. envoy", CS, F, id="cs-initials"),
    pytest.param("Sarraj", "al-Sarrāj", CS, T, id="cs-still-folds-accents"),
    pytest.param("Libya", "\uff2c\uff29\uff22\uff39\uff21", CS, F, id="cs-full-width-upper"),
    pytest.param("Libya", "\uff2c\uff49\uff42\uff59\uff41", CS, T, id="cs-full-width-nfkc"),
    pytest.param("Lib*", "Libyan", CS, T, id="cs-wildcard"),
    pytest.param("Lib*", "libyan", CS, F, id="cs-wildcard-neg"),
    pytest.param('"US envoy"', "US Envoy", CS, F, id="cs-phrase"),
    # fields
    pytest.param("title:Libya", {"title": "Libya"}, {}, T, id="title-field"),
    pytest.param("title:Libya", {"body": "Libya"}, {}, F, id="title-field-neg"),
    pytest.param("lead:Libya", {"lead": "In Libya"}, {}, T, id="lead-field"),
    pytest.param("Libya", {"source": "Libya Herald"}, {}, F, id="bare-term-not-source"),
    pytest.param("source:Reuters", {"source": "Reuters"}, {}, T, id="source-field"),
    pytest.param("source:Reuters", {"body": "Reuters"}, {}, F, id="source-field-neg"),
    pytest.param(
        'source:"The Limited Times"', {"source": "The Limited Times"}, {}, T, id="source-phrase"
    ),
    pytest.param(
        'source:"Limited Times"', {"body": "Limited Times"}, {}, F, id="source-phrase-neg"
    ),
    pytest.param("body:(Haftar OR Wagner)", {"body": "Wagner"}, {}, T, id="field-group"),
    pytest.param("body:(Haftar OR Wagner)", {"title": "Wagner"}, {}, F, id="field-group-neg"),
    pytest.param("Libya", {"body": "Libya"}, {"fields": ("title",)}, F, id="rule-fields"),
    pytest.param("Libya", {"title": "Libya"}, {"fields": ("title",)}, T, id="rule-fields-pos"),
    pytest.param("body:Libya", {"body": "Libya"}, {"fields": ("title",)}, T, id="explicit-field"),
    pytest.param("NOT title:Libya", {"title": "Libya"}, {}, F, id="not-field"),
    pytest.param("NOT title:Libya", {"body": "Libya"}, {}, T, id="not-field-pos"),
    pytest.param('lead:"Khalifa Haftar"', {"lead": "Khalifa Haftar"}, {}, T, id="field-phrase"),
    pytest.param('title:"Haftar Tripoli"~1', {"title": "Tripoli, Haftar"}, {}, T, id="field-near"),
    # the tags of the article's source
    pytest.param("Libya source_tag:mena", {"body": "Libya", **MENA}, {}, T, id="tag"),
    pytest.param("Libya source_tag:mena", {"body": "Libya"}, {}, F, id="tag-none"),
    pytest.param("Libya source_tag:mena", {"body": "x", **MENA}, {}, F, id="tag-without-word"),
    pytest.param("Libya source_tag:mena", {"body": "Libya", **WORLD}, {}, F, id="tag-other"),
    pytest.param("source_tag:mena", {"body": "Libya", **MENA}, {}, T, id="tag-alone"),
    pytest.param("source_tag:MENA", MENA, CS, T, id="tag-any-case-even-case-sensitive"),
    pytest.param("source_tag:mena", {"body": "mena"}, {}, F, id="tag-is-not-a-word"),
    pytest.param("mena", MENA, {}, F, id="word-is-not-a-tag"),
    pytest.param("source:mena", {"source_tags": ("mena",)}, {}, F, id="source-is-not-tag"),
    pytest.param("source_tag:north", {"source_tags": ("north-africa",)}, {}, F, id="tag-whole"),
    pytest.param("source_tag:north*", {"source_tags": ("north-africa",)}, {}, T, id="tag-prefix"),
    pytest.param("source_tag:n?rth-africa", {"source_tags": ("north-africa",)}, {}, T, id="tag-?"),
    pytest.param("source_tag:m*", WORLD, {}, F, id="tag-prefix-neg"),
    pytest.param("m* source_tag:mena", {"body": "x", **MENA}, {}, F, id="word-prefix-not-tag"),
    pytest.param("Libya -source_tag:mena", {"body": "Libya", **MENA}, {}, F, id="not-tag"),
    pytest.param("Libya -source_tag:mena", {"body": "Libya", **WORLD}, {}, T, id="not-tag-pos"),
    pytest.param(
        "source_tag:(gulf OR mena) Libya", {"body": "Libya", **MENA}, {}, T, id="tag-group"
    ),
]


@pytest.mark.parametrize(("query", "doc", "options", "expected"), CASES)
def test_match(query: str, doc: Doc, options: dict[str, Any], expected: bool) -> None:
    assert (run(query, doc, **options) is not None) is expected


def _s(field: str, start: int, end: int, text: str) -> Span:
    return Span(field, start, end, text)  # type: ignore[arg-type]


SPAN_CASES = [
    pytest.param(
        "Libya",
        "Fighting in Libya. Libya!",
        {},
        [_s("body", 12, 17, "Libya"), _s("body", 19, 24, "Libya")],
        id="every-occurrence",
    ),
    pytest.param(
        '"Khalifa Haftar"',
        "Gen. Khalifa Haftar said",
        {},
        [_s("body", 5, 19, "Khalifa Haftar")],
        id="phrase-one-span",
    ),
    pytest.param(
        "al-Sarraj", "Fayez al-Sarraj", {}, [_s("body", 6, 15, "al-Sarraj")], id="split-word-span"
    ),
    pytest.param("Haftar", "Haftar's men", {}, [_s("body", 0, 6, "Haftar")], id="possessive"),
    pytest.param("Sarraj", "al-Sarrāj", {}, [_s("body", 3, 9, "Sarrāj")], id="accent"),
    pytest.param(
        "Sarraj", "al-Sarra\u0304j", {}, [_s("body", 3, 10, "Sarra\u0304j")], id="decomposed"
    ),
    pytest.param(
        "Libya",
        "in \uff2c\uff49\uff42\uff59\uff41",
        {},
        [_s("body", 3, 8, "\uff2c\uff49\uff42\uff59\uff41")],
        id="full-width",
    ),
    pytest.param("final", "a ﬁnal", {}, [_s("body", 2, 6, "ﬁnal")], id="ligature-original-chars"),
    pytest.param(
        '"Haftar Tripoli"~1',
        "Haftar x Tripoli y Haftar z z Haftar",
        {},
        [_s("body", 0, 6, "Haftar"), _s("body", 9, 16, "Tripoli"), _s("body", 19, 25, "Haftar")],
        id="near-window-tokens",
    ),
    pytest.param(
        "Libya OR NOT football",
        "Libya football",
        {},
        [_s("body", 0, 5, "Libya")],
        id="negated-leaf-no-span",
    ),
    pytest.param(
        "NOT NOT Libya", "Libya", {}, [_s("body", 0, 5, "Libya")], id="double-negation-span"
    ),
    pytest.param("NOT football", "Libya", {}, [], id="negation-only-no-spans"),
    pytest.param(
        "Libya OR Wagner",
        {"title": "Wagner", "body": "Libya"},
        {},
        [_s("body", 0, 5, "Libya"), _s("title", 0, 6, "Wagner")],
        id="both-fields-sorted",
    ),
    pytest.param(
        'Libya OR "Khalifa Haftar"',
        "Libya Khalifa",
        {},
        [_s("body", 0, 5, "Libya")],
        id="unmatched-branch-no-span",
    ),
    pytest.param(
        "Libya",
        {"title": "Libya", "source": "Libya Herald"},
        {},
        [_s("title", 0, 5, "Libya")],
        id="no-source-span-for-bare-term",
    ),
    pytest.param(
        "source:Libya",
        {"title": "Libya", "source": "Libya Herald"},
        {},
        [_s("source", 0, 5, "Libya")],
        id="source-span",
    ),
    pytest.param(
        "Russia*",
        "Russian and Russia",
        {},
        [_s("body", 0, 7, "Russian"), _s("body", 12, 18, "Russia")],
        id="wildcard-spans",
    ),
    pytest.param(
        '"a a"',
        "a a a",
        {},
        [_s("body", 0, 3, "a a"), _s("body", 2, 5, "a a")],
        id="overlapping-phrases",
    ),
    pytest.param("US", "US us", CS, [_s("body", 0, 2, "US")], id="case-sensitive-span"),
    pytest.param(
        "Libya source_tag:mena",
        {"body": "Libya", "source": "mena", **MENA},
        {},
        [_s("body", 0, 5, "Libya")],
        id="tag-no-span",
    ),
    pytest.param("source_tag:mena", {"title": "mena", **MENA}, {}, [], id="tag-alone-no-span"),
    pytest.param(
        "title:Libya Libya",
        {"title": "Libya", "body": "Libya"},
        {},
        [_s("body", 0, 5, "Libya"), _s("title", 0, 5, "Libya")],
        id="duplicates-merged",
    ),
]


@pytest.mark.parametrize(("query", "doc", "options", "expected"), SPAN_CASES)
def test_spans(query: str, doc: Doc, options: dict[str, Any], expected: list[Span]) -> None:
    assert run(query, doc, **options) == tuple(expected)


def test_many_rules_at_once() -> None:
    rules = {
        "libya": compile_query("Libya OR Tripoli"),
        "wagner": compile_query('(Wagner OR "Wagner Group") AND (Libya OR Haftar)'),
        "raids": compile_query('"Haftar Tripoli"~10 AND (raid* OR strike*) NOT football'),
        "sport": compile_query("football"),
        "us": compile_query("US AND ambassador", case_sensitive=True),
    }
    article = AnalyzedArticle.from_texts(
        title="Haftar's raids near Tripoli",
        body="The Wagner Group backs Haftar, the US ambassador said.",
    )
    assert sorted(Percolator(rules).match_analyzed(article)) == ["libya", "raids", "us", "wagner"]


def test_proximity_pairs_past_the_first_words_a_field_was_asked_for() -> None:
    """A field scans its tokens for the first few words asked of it, then maps every
    term's positions at once: pairs found either way are the same."""
    body = " ".join(f"w{i} " + "x " * (i % 3) + f"p{i}" for i in range(12))
    rules = {f"r{i:02d}": compile_query(f'"w{i} p{i}"~1') for i in range(12)}
    rules |= {f"s{i:02d}": compile_query(f'"p{i} w{i}"~1') for i in range(12)}
    found = Percolator(rules).matching_analyzed(AnalyzedArticle.from_texts(body=body))
    near = [i for i in range(12) if i % 3 != 2]  # at most one token between the two
    assert found == [f"r{i:02d}" for i in near] + [f"s{i:02d}" for i in near]
    for name, query in rules.items():
        alone = Percolator({name: query}).matching_analyzed(AnalyzedArticle.from_texts(body=body))
        assert alone == ([name] if name in found else [])
