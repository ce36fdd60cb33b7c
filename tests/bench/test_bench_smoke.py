"""The bench harness on a few hundred articles and 100 rules: JSON shape, agreement, rules.

Checks the harness, not the speed: there is no timing assertion here. Skipped when the
Reuters corpus is not beside the repository (../shared/corpora/).
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import statistics
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bench import rulegen, run
from bench.corpus import CORPUS, load_docs, to_article
from bench.matcher import DisagreementError, NaiveRun, check_agreement, load_articles
from bench.naive import NaiveMatcher
from bench.peer import available
from bench.report import markdown, print_report
from bench.schema import SECTIONS, problems
from bench.targets import evaluate
from watcher.percolator import Percolator

ARTICLES = 300
RULES = 100

needs_corpus = pytest.mark.skipif(
    not CORPUS.is_file(),
    reason=f"the Reuters corpus is not at {CORPUS} (the bench reads ../shared/corpora/)",
)


pytestmark = pytest.mark.slow  # a whole bench run, shared (below)


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One smoke run of the bench for every test here, even when they are spread over
    pytest-xdist's workers: the first to ask runs it, the others read its JSON."""
    if not CORPUS.is_file():
        pytest.skip(f"the Reuters corpus is not at {CORPUS}")
    run_dir = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        run_dir = run_dir.parent  # this run's folder, above each worker's own
    saved = run_dir / "bench-smoke.json"
    with (run_dir / "bench-smoke.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not saved.exists():
            workdir = tmp_path_factory.mktemp("bench")
            found = run.run_bench(run.PLANS["smoke"], workdir, say=lambda _: None)
            saved.write_text(json.dumps(found), encoding="utf-8")
    loaded: dict[str, Any] = json.loads(saved.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def stats() -> rulegen.CorpusStats:
    if not CORPUS.is_file():
        pytest.skip(f"the Reuters corpus is not at {CORPUS}")
    return rulegen.corpus_stats(load_docs(limit=ARTICLES))


@needs_corpus
def test_results_have_every_key_with_its_type(results: dict[str, Any]) -> None:
    assert problems(results) == []
    assert json.loads(json.dumps(results)) == results
    assert {(m["family"], m["rules"]) for m in results["matcher"]} == {
        ("realistic", RULES),
        ("selective", RULES),
    }
    assert results["ingest"]["articles"] == ARTICLES
    assert results["ingest"]["rules"] == RULES
    assert results["rescan"]["files"] == ARTICLES
    assert results["feeds"]["hits"] == 2_000
    assert results["feeds"]["feeds_written"] > 0
    assert [run["command"] for run in results["startup"]["commands"]] == [
        "watcher --version",
        "watcher --help",
        "watcher status (empty project)",
        "watcher scan (unchanged project)",
        "python: import of the libraries status needs",
    ]
    assert all(run["wall_s"] > 0 for run in results["startup"]["commands"])
    startup = results["startup"]
    assert 0 < startup["python_s"] < startup["version_s"]
    assert startup["status_s"] > 0
    assert startup["rescan_command_s"] > 0
    assert startup["python_s"] < startup["libraries_s"]


@needs_corpus
def test_the_peer_is_measured_when_installed_and_named_when_not(
    results: dict[str, Any],
) -> None:
    if available() is None:
        assert results["peer"] is None
        assert all(run["peer_articles_per_s"] is None for run in results["matcher"])
        return
    assert results["peer"] == {"name": "tantivy", "version": available()}
    for run_ in results["matcher"]:
        assert run_["peer_articles"] == ARTICLES
        assert run_["ratio_vs_peer"] == pytest.approx(
            run_["articles_per_s"] / run_["peer_articles_per_s"]
        )
        assert run_["peer_agreement"] > 0.99


@needs_corpus
def test_a_missing_or_mistyped_key_is_named(results: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(results))
    del broken["matcher"][0]["ratio_vs_naive"]
    broken["rescan"]["seconds"] = "fast"
    assert problems(broken) == [
        "matcher[realistic/100].ratio_vs_naive: missing or not a number",
        "rescan.seconds: missing or not a number",
    ]
    assert problems({}) == [f"{key}: expected {kind.__name__}" for key, kind in SECTIONS.items()]


@needs_corpus
def test_the_harness_compared_both_matchers_on_every_article(results: dict[str, Any]) -> None:
    # run_bench raises DisagreementError otherwise; the smoke plan's naive budget covers all
    for run_ in results["matcher"]:
        assert run_["naive_sample"] == ARTICLES
        assert run_["naive_extrapolated"] is False


@needs_corpus
def test_selective_rules_match_nothing(results: dict[str, Any]) -> None:
    selective = next(m for m in results["matcher"] if m["family"] == "selective")
    assert selective["matches_per_article"] == 0
    assert selective["candidates_per_article"] > 0


EDGE_QUERIES = (
    "U.S. AND dollar",
    '"u s" AND yen',
    "title:(oil OR crude)",
    "source:Reuters AND opec",
    'lead:bank* AND body:"central bank"',
    '"oil price*"',
    '"prices oil"~3',
    '"oil oil"~2',
    '"bank rate interest"~4',
    "export* -wheat",
    "NOT the",
    "Qadd?fi OR gadd*fi OR qaddafi",
    "F-16 OR Haftar's",
    "mln dlrs NOT (profit OR loss)",
)


def both_matchers(queries: Sequence[str]) -> tuple[Percolator, NaiveMatcher]:
    """The percolator and the naive matcher over the same queries, named q0, q1, ..."""
    named = {f"q{i}": q for i, q in enumerate(queries)}
    compiled = rulegen.compile_rules(rulegen.GeneratedRule(n, q) for n, q in named.items())
    return Percolator(compiled), NaiveMatcher(named)


@needs_corpus
def test_naive_and_percolator_agree_on_edge_queries() -> None:
    percolator, naive = both_matchers(EDGE_QUERIES)
    matched = 0
    for article in (to_article(doc) for doc in load_docs(limit=ARTICLES)):
        expected = naive.match(article)
        assert sorted(percolator.match(article)) == expected, article.title
        matched += len(expected)
    assert matched > 0


SOURCE_TAGS = ((), ("mena",), ("world", "mena"), ("world",))
TAG_QUERIES = (
    "oil source_tag:mena",
    "source_tag:m*",
    "said -source_tag:world",
    "source_tag:(gulf OR wor?d) bank*",
)


@needs_corpus
def test_naive_and_percolator_agree_on_source_tags() -> None:
    percolator, naive = both_matchers(TAG_QUERIES)
    matched: dict[str, int] = {f"q{i}": 0 for i in range(len(TAG_QUERIES))}
    docs = load_docs(limit=ARTICLES)
    for i, doc in enumerate(docs):
        article = replace(to_article(doc), source_tags=SOURCE_TAGS[i % len(SOURCE_TAGS)])
        expected = naive.match(article)
        assert sorted(percolator.match(article)) == expected, article.title
        for name in expected:
            matched[name] += 1
    # Every query matched some articles and, its tags being on only some, not all.
    assert all(0 < count < len(docs) for count in matched.values()), matched


@needs_corpus
def test_a_disagreement_names_the_article_and_the_rule(stats: rulegen.CorpusStats) -> None:
    rules = rulegen.generate("realistic", stats, RULES)
    labels, articles = load_articles(None, ARTICLES)
    percolator = Percolator(rulegen.compile_rules(rules))
    index = next(i for i, a in enumerate(articles) if percolator.match(a))
    wrong = NaiveRun(sample=[index], seconds=1.0, build_s=0.0, results=[[]])
    with pytest.raises(DisagreementError, match=rf"corpus id {labels[index].id}\b.*rule \S+"):
        check_agreement(percolator, wrong, labels, articles, rules)


@needs_corpus
def test_rule_sets_are_deterministic_nested_and_valid(stats: rulegen.CorpusStats) -> None:
    for family in rulegen.FAMILIES:
        large = rulegen.generate(family, stats, 2 * RULES)
        assert rulegen.generate(family, stats, RULES) == large[:RULES]
        assert len(rulegen.compile_rules(large)) == 2 * RULES


@needs_corpus
def test_realistic_rules_mix_every_kind(stats: rulegen.CorpusStats) -> None:
    queries = [rule.query for rule in rulegen.generate("realistic", stats, 500)]
    for needle in (" OR ", " AND ", '"', "~", "NOT ", "*", "title:"):
        assert any(needle in q for q in queries), needle
    prefixes = [w[:-1] for q in queries for w in q.replace("(", " ").split() if w.endswith("*")]
    assert all(len(p.split(":")[-1]) >= 4 for p in prefixes)


@needs_corpus
def test_reports_render(results: dict[str, Any]) -> None:
    out = io.StringIO()
    print_report(results, Console(file=out, width=200))
    assert "Targets" in out.getvalue()
    assert "| realistic | 100 |" in markdown(results)


def test_a_missing_corpus_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.jsonl.gz"
    assert run.main(["--smoke", "--corpus", str(missing), "--out", str(tmp_path / "r.json")]) == 1
    assert f"Reuters corpus not found at {missing}" in capsys.readouterr().err


@needs_corpus
def test_each_matcher_row_carries_its_own_analysis_floor(results: dict[str, Any]) -> None:
    for run_ in results["matcher"]:
        floor_passes, passes = run_["floor_pass_s"], run_["pass_s"]
        assert len(floor_passes) == len(passes) == run_["repetitions"]
        floor_us = statistics.median(floor_passes) / run_["articles"] * 1e6
        assert run_["floor_us_per_article"] == pytest.approx(floor_us)
        assert run_["vs_floor"] == pytest.approx(run_["us_per_article"] / floor_us)


def test_selective_growth_is_judged_on_time_and_shown_over_each_rows_floor() -> None:
    def row(rules: int, us: float, floor_us: float | None) -> dict[str, Any]:
        found: dict[str, Any] = {
            "family": "selective",
            "rules": rules,
            "us_per_article": us,
            "peak_rss_mib": 100.0,
        }
        if floor_us is not None:
            found["vs_floor"] = us / floor_us
        return found

    def selective(*runs: dict[str, Any]) -> dict[str, Any]:
        rows = evaluate({"matcher": list(runs)})
        return next(r for r in rows if r["goal"].startswith("selective"))

    # the machine slowed down between the two rows: over 3x in time, 2x over the floor
    slowed = selective(row(100, 30.0, 20.0), row(100_000, 120.0, 40.0))
    assert slowed["met"] is False
    assert slowed["shown"] == "4.0x (120 vs 30 µs); 2.0x over each row's analysis floor"
    # a run from before rows carried a floor shows time alone
    older = selective(row(100, 30.0, None), row(100_000, 60.0, None))
    assert (older["met"], older["shown"]) == (True, "2.0x (60 vs 30 µs)")
