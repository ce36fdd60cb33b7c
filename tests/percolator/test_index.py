"""The percolator's index: which keys a rule is filed under, and which rules are candidates."""

from __future__ import annotations

import pytest

from watcher.analysis import AnalyzedArticle
from watcher.percolator import Percolator
from watcher.percolator.compiled import Calls, _factory, compile_test
from watcher.percolator.index import heuristic_cost, required_keys
from watcher.percolator.match import ArticleContext
from watcher.query import compile_query


def keys(query: str, **options: object) -> frozenset[tuple[str, bool]] | None:
    return Percolator({"r": compile_query(query, **options)}).index_keys("r")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("Libya", {("libya", False)}, id="word"),
        pytest.param(
            "Libya OR Wagner", {("libya", False), ("wagner", False)}, id="or-every-branch"
        ),
        pytest.param("Russia*", {("russia", True)}, id="wildcard-by-prefix"),
        pytest.param("Qadd?fi", {("qadd", True)}, id="inner-wildcard-by-prefix"),
        pytest.param("the AND Tripoli", {("tripoli", False)}, id="and-avoids-common-word"),
        pytest.param("of Benghazi", {("benghazi", False)}, id="implicit-and"),
        pytest.param('"the Tripolitanian"', {("tripolitanian", False)}, id="phrase-rarest-word"),
        pytest.param('"Khalif* Haftar"', {("haftar", False)}, id="phrase-prefers-exact-word"),
        pytest.param('"x y"~3', {("x", False)}, id="near-one-word-tie-broken-by-name"),
        pytest.param("Libya NOT football", {("libya", False)}, id="and-not"),
        pytest.param("NOT NOT Libya", {("libya", False)}, id="double-negation"),
        pytest.param(
            "NOT (NOT Libya OR NOT Tripoli)", {("tripoli", False)}, id="negated-or-is-and"
        ),
        pytest.param("NOT football", None, id="negation-only"),
        pytest.param("Libya OR NOT football", None, id="or-with-negation"),
        pytest.param("US", {("us", False)}, id="case-sensitive-key-folded"),
        pytest.param(
            "(Wagner OR Haftar) AND Libya OR oil",
            {("libya", False), ("oil", False)},
            id="nested-one-key-cheaper-than-two",
        ),
    ],
)
def test_index_keys(query: str, expected: set[tuple[str, bool]] | None) -> None:
    found = keys(query, case_sensitive=query == "US")
    assert found == (None if expected is None else frozenset(expected))


def test_conjunction_is_indexed_by_exactly_one_term() -> None:
    assert keys("Libya AND Haftar AND Tripoli AND Wagner") is not None
    assert len(keys("Libya AND Haftar AND Tripoli AND Wagner") or ()) == 1
    assert len(keys('Libya "Khalifa Haftar" Tripoli* title:Wagner') or ()) == 1


def test_document_frequencies_pick_the_rarest_term() -> None:
    rules = {"r": compile_query("Haftar AND Libya AND Tripolitania")}
    frequencies = {"libya": 5, "haftar": 50, "tripolitania": 500}
    assert Percolator(rules, term_frequencies=frequencies).index_keys("r") == {("libya", False)}
    assert Percolator(rules).index_keys("r") == {("tripolitania", False)}


def test_heuristic_prefers_long_uncommon_words_and_exact_over_prefix() -> None:
    assert heuristic_cost(("benghazi", False)) < heuristic_cost(("libya", False))
    assert heuristic_cost(("libya", False)) < heuristic_cost(("said", False))
    assert heuristic_cost(("libya", False)) < heuristic_cost(("libya", True))
    assert heuristic_cost(("libya", True)) < heuristic_cost(("li", True))


def test_required_keys_of_a_conjunction_of_disjunctions_picks_the_cheaper_branch() -> None:
    root = compile_query("(a OR b OR c) AND (Tripolitania OR Cyrenaica)").root
    assert required_keys(root, heuristic_cost) == {("tripolitania", False), ("cyrenaica", False)}


RULES = {
    "libya": "Libya OR Tripoli",
    "haftar": "Haftar AND Libya",
    "russia": "Russia*",
    "opec": "OPEC",
    "qaddafi": "Qadd?fi",
    "not-football": "NOT football",
    "or-not": "oil OR NOT gas",
    "us": "US",
}


@pytest.fixture(scope="module")
def percolator() -> Percolator:
    return Percolator(
        {name: compile_query(q, case_sensitive=name == "us") for name, q in RULES.items()}
    )


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param({"body": "cocoa prices"}, set(), id="no-shared-term"),
        pytest.param({"body": "Tripoli port"}, {"libya"}, id="one-term"),
        pytest.param({"body": "Libya"}, {"libya"}, id="conjunction-key-only"),
        pytest.param({"title": "Libya", "body": "Haftar"}, {"libya", "haftar"}, id="conjunction"),
        pytest.param({"body": "Russian troops"}, {"russia"}, id="prefix"),
        pytest.param({"body": "Russ"}, set(), id="prefix-needed"),
        pytest.param({"body": "Qaddafi"}, {"qaddafi"}, id="inner-wildcard"),
        pytest.param({"body": "Qadd"}, {"qaddafi"}, id="prefix-candidate-not-match"),
        pytest.param({"body": "OPEC us"}, {"opec", "us"}, id="case-sensitive-candidate"),
        pytest.param({"source": "Haftar Libya"}, {"haftar"}, id="source-terms-count"),
        pytest.param({"source": "OPEC"}, set(), id="plain-words-decided-by-their-fields"),
    ],
)
def test_candidates(percolator: Percolator, texts: dict[str, str], expected: set[str]) -> None:
    found = percolator.candidates(AnalyzedArticle.from_texts(**texts))
    assert found == expected | {"not-football", "or-not"}


def test_only_candidates_match(percolator: Percolator) -> None:
    article = AnalyzedArticle.from_texts(title="Libya", body="Qadd the US said")
    matched = percolator.match_analyzed(article)
    assert set(matched) == {"libya", "not-football", "or-not", "us"}
    assert set(matched) <= percolator.candidates(article)
    assert list(matched) == sorted(matched)


def test_empty_rule_set() -> None:
    percolator = Percolator({})
    assert len(percolator) == 0
    assert percolator.match_analyzed(AnalyzedArticle.from_texts(body="Libya")) == {}


def test_many_rules_share_keys() -> None:
    rules = {f"r{i}": compile_query(f"Libya AND zarzis{i}") for i in range(300)}
    percolator = Percolator(rules)
    assert percolator.candidates(AnalyzedArticle.from_texts(body="Libya")) == set()
    article = AnalyzedArticle.from_texts(body="Libya zarzis7 zarzis12")
    assert percolator.candidates(article) == {"r7", "r12"}
    assert set(percolator.match_analyzed(article)) == {"r7", "r12"}


def test_wildcard_memo_is_bounded_and_invisible() -> None:
    rules = {"russia": compile_query("Russia*"), "lib": compile_query("Lib?a")}
    small = Percolator(rules, prefix_memo_limit=2)
    large = Percolator(rules)
    texts = ["Russian Libya", "libya", "Russians and more words here", "Russian Libya"]
    for text in texts * 2:
        article = AnalyzedArticle.from_texts(body=text)
        assert small.match_analyzed(article) == large.match_analyzed(article)
        assert small.candidates(article) == large.candidates(article)


def test_equal_leaves_of_different_rules_share_work_but_not_results() -> None:
    rules = {
        "a": compile_query("Libya OR Tripoli"),
        "b": compile_query("Libya AND NOT Tripoli"),
        "c": compile_query('title:Libya "Libya Tripoli"'),
    }
    article = AnalyzedArticle.from_texts(title="Libya", body="Libya Tripoli")
    matched = Percolator(rules).match_analyzed(article)
    assert sorted(matched) == ["a", "c"]
    assert [(s.field, s.start) for s in matched["a"]] == [("body", 0), ("body", 6), ("title", 0)]
    assert [(s.field, s.end) for s in matched["c"]] == [("body", 13), ("title", 5)]


def test_frequencies_do_not_make_a_prefix_cheap() -> None:
    rules = {"r": compile_query("Russ* AND Benghazi")}
    frequencies = {"benghazi": 40}
    assert Percolator(rules, term_frequencies=frequencies).index_keys("r") == {("benghazi", False)}


def test_a_conjunction_is_a_candidate_only_with_its_guard_word() -> None:
    percolator = Percolator({"r": compile_query("Tripolitania AND Libya AND oil*")})
    assert percolator.index_keys("r") == {("tripolitania", False)}
    only_key = AnalyzedArticle.from_texts(body="Tripolitania")
    with_guard = AnalyzedArticle.from_texts(body="Tripolitania Libya")
    assert percolator.candidates(only_key) == set()
    assert percolator.candidates(with_guard) == {"r"}
    assert percolator.match_analyzed(with_guard) == {}
    assert list(
        percolator.match_analyzed(AnalyzedArticle.from_texts(body="Tripolitania Libya oily"))
    )


def test_rules_of_one_shape_share_their_compiled_code() -> None:
    queries = ["Libya AND (oil OR gas)", "Sudan AND (gold OR cotton)", '"Wagner group" OR Haftar']
    rules = {f"r{i}": compile_query(text) for i, text in enumerate(queries)}
    _factory.cache_clear()
    percolator = Percolator(rules)
    assert _factory.cache_info().currsize == 2  # the first two differ only in their words
    article = AnalyzedArticle.from_texts(body="Sudan exports gold; the Wagner group")
    assert percolator.matching_analyzed(article) == ["r1", "r2"]


def test_rules_of_plain_words_joined_by_or_are_decided_by_the_words_in_their_fields() -> None:
    """Such rules are never tested one by one: the article's words in each rule's fields
    decide, with the same answer and spans as any other rule."""
    rules = {
        "either": compile_query("Libya OR Tripoli"),
        "title": compile_query("title:Haftar"),
        "tag": compile_query("source_tag:mena"),
        "default-fields": compile_query("OPEC"),
        "source": compile_query("source:OPEC OR Benghazi"),
        "tested": compile_query('Tripoli AND NOT "Khalifa Haftar"'),
    }
    percolator = Percolator(rules)
    article = AnalyzedArticle.from_texts(
        title="Haftar", body="Tripoli", source="OPEC", source_tags=["MENA"]
    )
    matched = percolator.match_analyzed(article)
    assert list(matched) == ["either", "source", "tag", "tested", "title"]
    assert [(s.field, s.text) for s in matched["either"]] == [("body", "Tripoli")]
    assert [(s.field, s.text) for s in matched["source"]] == [("source", "OPEC")]
    assert percolator.matching_analyzed(article) == list(matched)
    assert percolator.candidates(article) == {"either", "source", "tag", "title", "tested"}
    elsewhere = AnalyzedArticle.from_texts(body="Haftar in Benghazi", source="Reuters")
    assert percolator.matching_analyzed(elsewhere) == ["source"]


def test_a_rule_joining_plain_words_and_other_branches_by_or_tests_only_the_others() -> None:
    percolator = Percolator({"r": compile_query('Libya OR "Khalifa Haftar" OR title:Tripoli*')})
    by_word = AnalyzedArticle.from_texts(body="Libya and Haftar")
    by_phrase = AnalyzedArticle.from_texts(body="Gen. Khalifa Haftar")
    by_prefix = AnalyzedArticle.from_texts(title="Tripolitania", body="x")
    for article in (by_word, by_phrase, by_prefix):
        assert percolator.matching_analyzed(article) == ["r"]
    neither = AnalyzedArticle.from_texts(title="Khalifa", body="Haftar Tripoli", source="Libya")
    assert percolator.matching_analyzed(neither) == []
    both = AnalyzedArticle.from_texts(body="Libya: Khalifa Haftar")
    assert [s.text for s in percolator.match_analyzed(both)["r"]] == ["Libya", "Khalifa Haftar"]


def test_plain_words_and_not_plain_words_decide_a_rule() -> None:
    """`P AND NOT N ...` of plain words joined by OR: one of P's words and none of the
    others', each in its fields, without a test per rule."""
    percolator = Percolator(
        {
            "fuel": compile_query("(oil OR gas) AND NOT (Iran OR Iraq)"),
            "not-in-title": compile_query("Libya -title:football"),
            "two-vetoes": compile_query("Libya NOT Wagner NOT Haftar"),
            "never": compile_query("Libya NOT Libya"),
        }
    )

    def matching(**texts: str) -> list[str]:
        return percolator.matching_analyzed(AnalyzedArticle.from_texts(**texts))

    assert matching(body="gas prices in Iraq") == []
    assert matching(body="gas prices", source="Iran News") == ["fuel"]
    assert matching(title="Football", body="Libya") == ["two-vetoes"]
    assert matching(title="Libya", body="football") == ["not-in-title", "two-vetoes"]
    assert matching(body="Libya and Haftar") == ["not-in-title"]
    vetoed = AnalyzedArticle.from_texts(body="oil from Libya, Iran and Wagner")
    assert percolator.candidates(vetoed) == {"not-in-title"}
    spans = percolator.match_analyzed(AnalyzedArticle.from_texts(body="oil, Libya"))
    assert {name: [s.text for s in found] for name, found in spans.items()} == {
        "fuel": ["oil"],
        "not-in-title": ["Libya"],
        "two-vetoes": ["Libya"],
    }


def test_not_plain_words_beside_an_or_of_words_and_other_branches_decide_its_words() -> None:
    """`(P OR other) AND NOT N`: P's plain words decide with N as their vetoes, and only
    `other AND NOT N` is left to test, filed under the other branch's words."""
    percolator = Percolator({"r": compile_query('(Libya OR "Khalifa Haftar") -football')})

    def matching(body: str) -> list[str]:
        return percolator.matching_analyzed(AnalyzedArticle.from_texts(body=body))

    assert matching("Libya") == ["r"]
    assert matching("Gen. Khalifa Haftar") == ["r"]
    assert matching("Libya football") == []
    assert matching("Khalifa Haftar at the football") == []
    assert matching("Haftar, Khalifa") == []
    only_one_word = AnalyzedArticle.from_texts(body="Khalifa Belqasim")
    assert percolator.candidates(only_one_word) == set()
    both = AnalyzedArticle.from_texts(body="Libya: Khalifa Haftar")
    assert [s.text for s in percolator.match_analyzed(both)["r"]] == ["Libya", "Khalifa Haftar"]


def test_a_rule_needing_one_word_and_one_of_a_few_is_a_candidate_only_with_both() -> None:
    """`(oil OR gas) AND Libya` is filed under its key with each word of the OR as a guard;
    a branch of more than four words guards nothing."""
    rules = {
        "fuel": compile_query("(oil OR gas) AND Libya"),
        "many": compile_query("(a1 OR a2 OR a3 OR a4 OR a5) AND Libya"),
    }
    frequencies = {"libya": 1, "oil": 500, "gas": 500} | {f"a{i}": 500 for i in range(1, 6)}
    percolator = Percolator(rules, term_frequencies=frequencies)
    assert percolator.index_keys("fuel") == percolator.index_keys("many") == {("libya", False)}

    def candidates(body: str) -> set[str]:
        return percolator.candidates(AnalyzedArticle.from_texts(body=body))

    assert candidates("Libya and its wheat") == {"many"}
    assert candidates("gas from Libya") == {"fuel", "many"}
    assert candidates("oil and gas, Libya") == {"fuel", "many"}
    article = AnalyzedArticle.from_texts(body="Libya's gas, a5")
    assert percolator.matching_analyzed(article) == ["fuel", "many"]
    assert [s.text for s in percolator.match_analyzed(article)["fuel"]] == ["Libya", "gas"]


def test_a_rule_needing_a_word_and_a_prefix_is_a_candidate_only_with_both() -> None:
    """`Libya AND (Tripoli* OR Misrat*)`, filed under `libya`, is guarded by its prefixes: an
    article must also hold a term that starts with one of them."""
    percolator = Percolator(
        {"r": compile_query("Libya AND (Tripoli* OR Misrat*)")}, term_frequencies={"libya": 1}
    )
    assert percolator.index_keys("r") == {("libya", False)}

    def candidates(body: str) -> set[str]:
        return percolator.candidates(AnalyzedArticle.from_texts(body=body))

    assert candidates("Libya and Benghazi") == set()
    assert candidates("Tripolitania, Misrata") == set()
    assert candidates("Libya and Tripolitania") == {"r"}
    article = AnalyzedArticle.from_texts(body="Libya: Misratan forces")
    assert percolator.matching_analyzed(article) == ["r"]
    assert [s.text for s in percolator.match_analyzed(article)["r"]] == ["Libya", "Misratan"]


def test_many_rules_decided_by_their_words_are_vetoed_as_few_are() -> None:
    """Past a few decided rules an article's NOT words veto them in one pass, each rule
    still only by its own NOT words in their fields."""
    rules = {f"r{i:02d}": compile_query(f"Libya -title:w{i} -w{i + 100}") for i in range(40)}
    percolator = Percolator(rules | {"plain": compile_query("Libya")})

    def matching(**texts: str) -> list[str]:
        return percolator.matching_analyzed(AnalyzedArticle.from_texts(**texts))

    def all_but(*vetoed: str) -> list[str]:
        return sorted({*rules, "plain"} - set(vetoed))

    assert matching(title="Libya w3", body="w105") == all_but("r03", "r05")
    assert matching(title="Libya", body="w3 w140") == all_but()
    assert matching(title="w1", body="Libya w139") == all_but("r01", "r39")


def test_a_key_with_many_guards_lets_through_only_the_rules_whose_guard_is_present() -> None:
    """A word many conjunctions are indexed under (here the rarest by the frequencies) has
    more guards than are worth meeting one by one: they meet the article's guard words."""
    rules = {f"r{i}": compile_query(f"Zarzis AND libya{i}") for i in range(100)}
    frequencies = {"zarzis": 1} | {f"libya{i}": 1000 for i in range(100)}
    percolator = Percolator(rules, term_frequencies=frequencies)
    assert percolator.index_keys("r7") == {("zarzis", False)}
    article = AnalyzedArticle.from_texts(body="Zarzis libya7 libya12 libya")
    assert percolator.candidates(article) == {"r7", "r12"}
    assert percolator.matching_analyzed(article) == ["r12", "r7"]
    assert percolator.candidates(AnalyzedArticle.from_texts(body="libya7 libya12")) == set()
    assert percolator.candidates(AnalyzedArticle.from_texts(body="Zarzis libya")) == set()


def test_rules_holding_one_leaf_share_its_evaluator() -> None:
    """The Percolator compiles every rule with one `calls`: a phrase or wildcard that many
    rules hold is evaluated by one shared call, not one per rule."""
    calls: Calls = {}
    queries = ['"Khalifa Haftar" AND Libya', '"Khalifa Haftar" OR Tripoli', "Haft?r", "Haft?r x"]
    tests = [compile_test(compile_query(query).root, calls=calls) for query in queries]
    assert len(calls) == 2
    article = AnalyzedArticle.from_texts(body="Libya: Khalifa Haftar")
    ctx = ArticleContext(article, {"haft": ["haftar"]})
    assert [test(ctx) for test in tests] == [True, True, True, False]
