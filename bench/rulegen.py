"""Rule sets made from the corpus, deterministically (a seed): `realistic` and `selective`.

`realistic` is what analysts write: single entities and OR-lists of the corpus's own
`places`, `people`, `orgs` and `topics` values (hyphenated values are phrases:
`el-salvador` is "el salvador"), ANDs of 2-3 terms or groups, phrases and proximity
groups from real bigrams of the bodies, NOT, prefix wildcards with at least 5 literal
letters, and `title:` rules.

`selective` rules are ANDs of 2-3 words of moderate document frequency that never occur
together in one article of the corpus: every article holds some of their words (many
candidates) but matches almost none of them.

A larger set starts with the smaller one (same seed), so sizes are comparable. Generating
100,000 rules takes well under a second once `corpus_stats` (a few seconds) is built.
"""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice, pairwise
from pathlib import Path

from bench.corpus import ENTITY_KINDS, Doc
from watcher.analysis import AnalyzedField
from watcher.errors import WatcherError
from watcher.query.compile import CompiledQuery, compile_query

FAMILIES = ("realistic", "selective")
DEFAULT_SEED = 1987
_MAX_TRIES = 20

STOPWORDS = frozenset(
    (  # noqa: SIM905 - a word list reads better as running text
        "about above after again against also among another because been before being below "
        "between both could does doing down during each even every from further have having "
        "here into itself just last like made make many more most much must next only other "
        "over said same says should since some such than that their them then there these "
        "they this those though through under until upon very were what when where which "
        "while whom will with within without would year years reuter reuters dlrs mln pct "
        "billion cts shrs corp company companies week month told today"
    ).split()
)


class RuleGenError(RuntimeError):
    """A generated rule that does not compile, or a corpus too small to draw rules from."""


@dataclass(frozen=True, slots=True)
class GeneratedRule:
    name: str
    query: str
    kind: str = ""  # which generator made it (entity, phrase, ...), for breakdowns


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """What the generators draw from; every pool is a sorted tuple (deterministic order)."""

    doc_count: int
    entities: Mapping[str, tuple[str, ...]]  # kind -> distinct values
    words: tuple[str, ...]  # content words, df 0.2%..15%
    bigrams: tuple[tuple[str, str], ...]  # adjacent body words seen often enough
    prefixes: tuple[str, ...]  # literal prefixes (5..7 letters) of long content words
    moderate: tuple[str, ...]  # content words, df 0.4%..4%: selective rules
    postings: Mapping[str, int]  # moderate word -> bit set of the docs that hold it


def _is_content(word: str) -> bool:
    return len(word) >= 4 and word.isalpha() and word.isascii() and word not in STOPWORDS


def _postings(docs: Sequence[Doc]) -> dict[str, list[int]]:
    """Word -> indices of the docs whose title or body holds it."""
    found: defaultdict[str, list[int]] = defaultdict(list)
    for index, doc in enumerate(docs):
        terms = AnalyzedField(doc.title).term_set | AnalyzedField(doc.body).term_set
        for term in terms:
            found[term].append(index)
    return found


def _bigrams(
    docs: Sequence[Doc], vocabulary: frozenset[str], min_count: int
) -> list[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for doc in docs:
        terms = AnalyzedField(doc.body).terms
        counts.update(
            pair
            for pair in pairwise(terms)
            if pair[0] in vocabulary and pair[1] in vocabulary and pair[0] != pair[1]
        )
    return sorted(pair for pair, count in counts.items() if count >= min_count)


def _bitset(indices: Iterable[int], size: int) -> int:
    bits = bytearray((size + 7) // 8)
    for i in indices:
        bits[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(bits, "little")


def _prefix(word: str) -> str:
    return word[: min(7, max(5, len(word) - 3))]


def corpus_stats(docs: Sequence[Doc]) -> CorpusStats:
    """Entities, vocabulary, bigrams, prefixes and postings of the corpus (a few seconds)."""
    n = len(docs)
    postings = _postings(docs)
    df = {word: len(ids) for word, ids in postings.items() if _is_content(word)}
    words = sorted(w for w, f in df.items() if max(3, n * 0.002) <= f <= n * 0.15)
    moderate = sorted(w for w, f in df.items() if max(2, n * 0.004) <= f <= n * 0.04)
    phrase_words = frozenset(w for w, f in df.items() if f >= max(2, n * 0.0005))
    bigrams = _bigrams(docs, phrase_words, min_count=max(2, n // 2000))
    entities = {
        kind: tuple(sorted({v for doc in docs for v in doc.entities(kind)}))
        for kind in ENTITY_KINDS
    }
    stats = CorpusStats(
        doc_count=n,
        entities={kind: values for kind, values in entities.items() if values},
        words=tuple(words),
        bigrams=tuple(bigrams),
        prefixes=tuple(sorted({_prefix(w) for w in words if len(w) >= 7})),
        moderate=tuple(moderate),
        postings={w: _bitset(postings[w], n) for w in moderate},
    )
    _check_pools(stats)
    return stats


def _check_pools(stats: CorpusStats) -> None:
    pools = {
        "entities": stats.entities,
        "words": stats.words,
        "bigrams": stats.bigrams,
        "prefixes": stats.prefixes,
        "moderate words": stats.moderate,
    }
    empty = [name for name, pool in pools.items() if len(pool) < 3]
    if empty:
        raise RuleGenError(f"corpus too small to draw rules from: few {', '.join(empty)}")


def entity_query(value: str) -> str:
    """An annotation value as query text: hyphenated values are phrases."""
    return f'"{value.replace("-", " ")}"' if "-" in value else value


class _Realistic:
    """One query of each realistic kind; `kinds` weights how often each is drawn."""

    def __init__(self, stats: CorpusStats, rng: random.Random) -> None:
        self.stats, self.rng = stats, rng
        self.kinds: tuple[tuple[Callable[[], str], int], ...] = (
            (self.entity, 14),
            (self.entity_or, 14),
            (self.conjunction, 18),
            (self.phrase, 12),
            (self.near, 10),
            (self.negation, 10),
            (self.wildcard, 10),
            (self.title, 12),
        )
        self._makers = [maker for maker, _ in self.kinds]
        self._weights = [weight for _, weight in self.kinds]

    def query(self) -> tuple[str, str]:
        """(kind, query): `kind` is the name of the maker drawn."""
        maker = self.rng.choices(self._makers, self._weights)[0]
        return maker.__name__, maker()

    def entity(self) -> str:
        kind = self.rng.choice(sorted(self.stats.entities))
        return entity_query(self.rng.choice(self.stats.entities[kind]))

    def entity_or(self) -> str:
        values = self.stats.entities[self.rng.choice(sorted(self.stats.entities))]
        count = min(len(values), self.rng.randint(2, 4))
        return " OR ".join(entity_query(v) for v in self.rng.sample(values, count))

    def word(self) -> str:
        return self.rng.choice(self.stats.words)

    def group(self) -> str:
        make = self.entity if self.rng.random() < 0.5 else self.word
        return f"({make()} OR {make()})"

    def part(self) -> str:
        roll = self.rng.random()
        return self.entity() if roll < 0.4 else self.word() if roll < 0.8 else self.group()

    def conjunction(self) -> str:
        joiner = " AND " if self.rng.random() < 0.7 else " "
        return joiner.join(self.part() for _ in range(self.rng.randint(2, 3)))

    def bigram(self) -> tuple[str, str]:
        return self.rng.choice(self.stats.bigrams)

    def phrase(self) -> str:
        phrase = '"{} {}"'.format(*self.bigram())
        return phrase if self.rng.random() < 0.6 else f"{phrase} AND {self.entity()}"

    def near(self) -> str:
        words = list(self.bigram())
        if self.rng.random() < 0.25:
            words.append(self.word())
        self.rng.shuffle(words)
        near = f'"{" ".join(words)}"~{self.rng.randint(1, 10)}'
        return near if self.rng.random() < 0.7 else f"{near} AND {self.entity()}"

    def negation(self) -> str:
        positive = self.entity() if self.rng.random() < 0.5 else f"({self.entity_or()})"
        negative = self.entity() if self.rng.random() < 0.5 else self.word()
        style = self.rng.random()
        if style < 0.4:
            return f"{positive} NOT {negative}"
        if style < 0.7:
            return f"{positive} -{negative}"
        return f"{positive} AND NOT ({negative} OR {self.word()})"

    def prefix(self) -> str:
        return self.rng.choice(self.stats.prefixes) + "*"

    def wildcard(self) -> str:
        style = self.rng.random()
        if style < 0.3:
            return self.prefix()
        if style < 0.7:
            return f"{self.prefix()} AND {self.entity()}"
        return f"({self.prefix()} OR {self.prefix()}) AND {self.word()}"

    def title(self) -> str:
        style = self.rng.random()
        if style < 0.3:
            return f"title:{self.entity()}"
        if style < 0.5:
            return f"title:({self.entity_or()})"
        if style < 0.7:
            return 'title:"{} {}"'.format(*self.bigram())
        if style < 0.85:
            return f"title:{self.prefix()} AND {self.entity()}"
        return f"title:{self.word()} AND {self.part()}"


def realistic(stats: CorpusStats, count: int, seed: int = DEFAULT_SEED) -> list[GeneratedRule]:
    """`count` realistic rules; mostly distinct queries (a repeat only when hard to avoid)."""
    maker = _Realistic(stats, random.Random(f"{seed}-realistic"))
    seen: set[str] = set()
    rules = []
    for index in range(count):
        kind, query = maker.query()
        for _ in range(_MAX_TRIES):
            if query not in seen:
                break
            kind, query = maker.query()
        seen.add(query)
        rules.append(GeneratedRule(f"realistic-{index:06d}", query, kind))
    return rules


def selective(stats: CorpusStats, count: int, seed: int = DEFAULT_SEED) -> list[GeneratedRule]:
    """`count` distinct ANDs of 2-3 moderate words that no article of the corpus holds together."""
    rng = random.Random(f"{seed}-selective")
    words, postings = stats.moderate, stats.postings
    seen: set[tuple[str, ...]] = set()
    rules: list[GeneratedRule] = []
    budget = count * 1000
    while len(rules) < count:
        budget -= 1
        if budget < 0:
            raise RuleGenError(f"could not find {count} never co-occurring word combinations")
        picked = tuple(rng.sample(words, 2 if rng.random() < 0.6 else 3))
        together = postings[picked[0]]
        for word in picked[1:]:
            together &= postings[word]
        if together or tuple(sorted(picked)) in seen:
            continue
        seen.add(tuple(sorted(picked)))
        joiner = " AND " if rng.random() < 0.7 else " "
        name = f"selective-{len(rules):06d}"
        rules.append(GeneratedRule(name, joiner.join(picked), f"and{len(picked)}"))
    return rules


GENERATORS: Mapping[str, Callable[[CorpusStats, int, int], list[GeneratedRule]]] = {
    "realistic": realistic,
    "selective": selective,
}


def generate(
    family: str, stats: CorpusStats, count: int, seed: int = DEFAULT_SEED
) -> list[GeneratedRule]:
    if family not in GENERATORS:
        raise RuleGenError(f"unknown rule family {family!r} (known: {', '.join(FAMILIES)})")
    return GENERATORS[family](stats, count, seed)


def compile_rules(rules: Iterable[GeneratedRule]) -> dict[str, CompiledQuery]:
    """Compile every rule; RuleGenError naming the first one that does not compile."""
    compiled = {}
    for rule in rules:
        try:
            compiled[rule.name] = compile_query(rule.query)
        except WatcherError as exc:
            raise RuleGenError(f"generated rule {rule.name} {rule.query!r}: {exc}") from exc
    return compiled


def rules_yaml(rules: Iterable[GeneratedRule]) -> str:
    """A rules.yaml holding `rules` (JSON strings are valid YAML 1.2 scalars)."""
    lines = [
        line
        for rule in rules
        for line in (f"  - name: {rule.name}", f"    query: {json.dumps(rule.query)}")
    ]
    return "rules:\n" + "\n".join(lines) + "\n" if lines else "rules: []\n"


def write_rules(rules: Iterable[GeneratedRule], path: Path) -> None:
    """One JSON array [name, query, kind] per line, so that a prefix reads cheaply."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps([r.name, r.query, r.kind]) + "\n" for r in rules)


def read_rules(path: Path, limit: int | None = None) -> list[GeneratedRule]:
    """The first `limit` rules (all if None) of a file written by `write_rules`."""
    with path.open(encoding="utf-8") as lines:
        return [GeneratedRule(*map(str, json.loads(line))) for line in islice(lines, limit)]
