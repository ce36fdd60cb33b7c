"""Matcher measurements: percolator throughput, memory, the naive matcher, and agreement.

`measure_matcher` runs one configuration (rule family and count) and is meant to run in
a fresh process (`bench/worker.py`), so its peak RSS is its own. Throughput is timed on
one core over every article, the median of several passes. The naive matcher runs on an
evenly spaced sample sized to a time budget, its full time extrapolated; on that sample
both matchers must find the same rules for every article, else `DisagreementError`.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from bench.corpus import evenly_spaced, iter_docs, to_article
from bench.naive import NaiveMatcher
from bench.peer import PEER_KEYS, run_peer
from bench.rulegen import GeneratedRule, compile_rules, read_rules
from watcher.analysis import AnalyzedArticle
from watcher.model import Article
from watcher.percolator import Percolator
from watcher.query.compile import CompiledQuery

CANDIDATE_SAMPLE = 2000
NAIVE_PROBE = 3
NAIVE_MIN_SAMPLE = 3


class DisagreementError(RuntimeError):
    """The naive matcher and the percolator found different rules for one article."""


@dataclass(frozen=True, slots=True)
class MatcherJob:
    family: str
    rules: int
    rules_file: str
    repetitions: int
    naive_seconds: float | None  # None: the naive matcher over every article
    corpus: str | None = None
    limit: int | None = None
    peer_seconds: float | None = None  # the peer's time budget; None: every article
    peer: bool = False  # measure the peer (tantivy) too


@dataclass(frozen=True, slots=True)
class Label:
    """What names an article in a message: its corpus id and headline."""

    id: int
    title: str


@dataclass(frozen=True, slots=True)
class NaiveRun:
    sample: list[int]
    seconds: float
    build_s: float
    results: list[list[str]]


def rss_mib() -> float:
    """Peak resident set size of this process so far (`ru_maxrss`), in MiB.

    On Linux a new process starts with its parent's peak at the moment it was started, so
    run.py keeps its own memory small and `start_rss_mib` shows what was inherited.
    """
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes vs KiB


def hwm_mib() -> float | None:
    """The peak RSS of this process's own memory (Linux `VmHWM`, reset by exec), in MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def load_articles(corpus: str | None, limit: int | None) -> tuple[list[Label], list[Article]]:
    """The articles, and each one's corpus id and title (for messages); nothing else kept."""
    labels, articles = [], []
    for doc in islice(iter_docs(None if corpus is None else Path(corpus)), limit):
        labels.append(Label(doc.id, doc.title))
        articles.append(to_article(doc))
    return labels, articles


def _timed_pass(percolator: Percolator, articles: Sequence[Article]) -> tuple[float, int]:
    match = percolator.matching  # what a scan asks: which rules (spans come when shown)
    matched = 0
    started = time.perf_counter()
    for article in articles:
        matched += len(match(article))
    return time.perf_counter() - started, matched


@dataclass(frozen=True, slots=True)
class Passes:
    seconds: list[float]  # each full matching pass
    floor_seconds: list[float]  # each analysis pass, run just before the matching pass
    matched: int  # rules matched in one pass


def throughput(percolator: Percolator, articles: Sequence[Article], repetitions: int) -> Passes:
    """Full matching passes, each after a pass of the analyzer alone: this machine's speed
    moves within minutes, and the two side by side see the same speed."""
    floor, passes = [], []
    for _ in range(repetitions):
        floor.append(_analysis_pass(articles))
        passes.append(_timed_pass(percolator, articles))
    return Passes([seconds for seconds, _ in passes], floor, passes[0][1])


def _analysis_pass(articles: Sequence[Article]) -> float:
    started = time.perf_counter()
    for article in articles:
        AnalyzedArticle.from_article(article)
    return time.perf_counter() - started


def analysis_passes(articles: Sequence[Article], repetitions: int) -> list[float]:
    """Seconds of each pass of the analyzer alone over every article."""
    return [_analysis_pass(articles) for _ in range(repetitions)]


def breakdown(
    percolator: Percolator, articles: Sequence[Article], kinds: Mapping[str, str]
) -> tuple[float, dict[str, float]]:
    """On a sample: candidates per article (what the index lets through), and matches per
    article by the kind of rule that matched."""
    sample = evenly_spaced(len(articles), CANDIDATE_SAMPLE)
    candidates = 0
    matches: Counter[str] = Counter()
    for i in sample:
        analyzed = AnalyzedArticle.from_article(articles[i])
        candidates += len(percolator.candidates(analyzed))
        matches.update(kinds[name] for name in percolator.matching_analyzed(analyzed))
    size = max(len(sample), 1)
    return candidates / size, {k: n / size for k, n in sorted(matches.items())}


def run_naive(
    rules: Sequence[GeneratedRule], articles: Sequence[Article], budget_s: float | None
) -> NaiveRun:
    """Build the naive matcher, size a sample to `budget_s` from a probe (None: every
    article, whatever the time), time the sample."""
    started = time.perf_counter()
    naive = NaiveMatcher({rule.name: rule.query for rule in rules})
    build_s = time.perf_counter() - started
    if budget_s is None:
        sample = list(range(len(articles)))
    else:
        probe = evenly_spaced(len(articles), NAIVE_PROBE)
        started = time.perf_counter()
        for i in probe:
            naive.match(articles[i])
        per_article = (time.perf_counter() - started) / max(len(probe), 1)
        count = max(NAIVE_MIN_SAMPLE, int(budget_s / max(per_article, 1e-9)))
        sample = evenly_spaced(len(articles), count)
    started = time.perf_counter()
    results = [naive.match(articles[i]) for i in sample]
    return NaiveRun(sample, time.perf_counter() - started, build_s, results)


def check_agreement(
    percolator: Percolator,
    naive: NaiveRun,
    labels: Sequence[Label],
    articles: Sequence[Article],
    rules: Sequence[GeneratedRule],
) -> None:
    """DisagreementError naming the first article and rule the two matchers differ on."""
    queries = {rule.name: rule.query for rule in rules}
    for index, naive_names in zip(naive.sample, naive.results, strict=True):
        found = set(percolator.matching(articles[index]))
        expected = set(naive_names)
        if found != expected:
            doc = labels[index]
            name = min(found ^ expected)
            who = "the percolator only" if name in found else "the naive matcher only"
            raise DisagreementError(
                f"naive and percolator disagree on article #{index} (corpus id {doc.id}, "
                f"{doc.title!r}): rule {name} {queries[name]!r} is matched by {who} "
                f"({len(found ^ expected)} rules differ on this article)"
            )


@dataclass(frozen=True, slots=True)
class Built:
    compiled: dict[str, CompiledQuery]
    percolator: Percolator
    compile_s: float
    build_s: float


def _timed_build(rules: Sequence[GeneratedRule]) -> Built:
    started = time.perf_counter()
    compiled = compile_rules(rules)
    compiled_at = time.perf_counter()
    percolator = Percolator(compiled)
    return Built(compiled, percolator, compiled_at - started, time.perf_counter() - compiled_at)


def _peer_figures(
    job: MatcherJob, built: Built, articles: Sequence[Article], rate: float
) -> dict[str, Any]:
    """The peer's keys of a matcher row (None when the peer is not measured)."""
    if not job.peer:
        return dict.fromkeys(PEER_KEYS)
    peer = run_peer(built.compiled, articles, job.peer_seconds, built.percolator.matching)
    return {
        "peer_articles_per_s": peer.articles_per_s,
        "ratio_vs_peer": rate / peer.articles_per_s,
        "peer_skipped_rules": peer.skipped_rules,
        "peer_articles": peer.articles,
        "peer_index_s": peer.index_s,
        "peer_query_s": peer.query_s,
        "peer_agreement": peer.agreement,
        "peer_matches_per_article": peer.matches_per_article,
    }


def measure_matcher(job: MatcherJob) -> dict[str, Any]:
    """Every figure of one (family, rule count) configuration."""
    start = rss_mib()
    labels, articles = load_articles(job.corpus, job.limit)
    baseline = rss_mib()
    rules = read_rules(Path(job.rules_file), job.rules)
    built = _timed_build(rules)
    percolator = built.percolator
    timed = throughput(percolator, articles, job.repetitions)
    peak, hwm = rss_mib(), hwm_mib()  # before the naive matcher: its regexes are not ours
    candidates, by_kind = breakdown(percolator, articles, {r.name: r.kind for r in rules})
    naive = run_naive(rules, articles, job.naive_seconds)
    check_agreement(percolator, naive, labels, articles, rules)
    median = statistics.median(timed.seconds)
    floor = statistics.median(timed.floor_seconds)
    rate = len(articles) / median
    naive_rate = len(naive.sample) / naive.seconds
    return {
        "family": job.family,
        "rules": len(rules),
        "articles": len(articles),
        "repetitions": job.repetitions,
        "articles_per_s": rate,
        "us_per_article": median / len(articles) * 1e6,
        "floor_us_per_article": floor / len(articles) * 1e6,
        "vs_floor": median / floor,
        "matches_per_article": timed.matched / len(articles),
        "candidates_per_article": candidates,
        "matches_by_kind": by_kind,
        "rules_by_kind": dict(sorted(Counter(rule.kind for rule in rules).items())),
        "naive_articles_per_s": naive_rate,
        "naive_sample": len(naive.sample),
        "naive_sample_s": naive.seconds,
        "naive_full_s": len(articles) / naive_rate,
        "naive_extrapolated": len(naive.sample) < len(articles),
        "naive_build_s": naive.build_s,
        "ratio_vs_naive": rate / naive_rate,
        **_peer_figures(job, built, articles, rate),
        "compile_s": built.compile_s,
        "index_build_s": built.build_s,
        "pass_s": timed.seconds,
        "floor_pass_s": timed.floor_seconds,
        "peak_rss_mib": peak,
        "baseline_rss_mib": baseline,
        "start_rss_mib": start,
        "hwm_mib": hwm,
    }


def measure_analysis(corpus: str | None, limit: int | None, repetitions: int) -> dict[str, Any]:
    """The analysis floor: the analyzer alone over every article."""
    _, articles = load_articles(corpus, limit)
    passes = analysis_passes(articles, repetitions)
    median = statistics.median(passes)
    return {
        "articles": len(articles),
        "repetitions": repetitions,
        "articles_per_s": len(articles) / median,
        "us_per_article": median / len(articles) * 1e6,
        "pass_s": passes,
    }
