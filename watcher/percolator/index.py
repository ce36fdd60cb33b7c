"""The percolator: term and prefix -> candidate rules, so an article meets few rules.

Built once per rule set. Each rule is indexed under the smallest set of keys one of
which any matching article must contain: a word under itself, a wildcard word under its
literal prefix, a phrase or proximity group under its rarest word, a conjunction under
its cheapest child only, a disjunction under every branch. A rule indexed under one word
that needs other words as well also gets a guard, the rarest of those: it becomes a
candidate only when the article holds both. One that needs one of a few words or
prefixes beside its key (`(oil OR gas) AND Libya`, `Libya AND Tripoli*`) is filed with
each of them as a guard. A rule that can match with none of its words (`NOT football`,
`a OR NOT b`) is a candidate for every article. A source tag (`source_tag:mena`) is a
key like a word: the article holds it as a marked term (`analysis.tag_term`). Only
candidates are evaluated, each by its compiled test (`compiled.py`), except where plain
words decide (`decided.py`: `Libya OR Tripoli`, `Libya -football`): those rules match
by set operations alone, and of a rule that joins plain words by OR with other branches
only the other branches are indexed and tested. `matching` stops there: a scan needs
only which rules matched; `match` also finds the spans to highlight.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from watcher.analysis import TAG_MARK, AnalyzedArticle
from watcher.model import Article, Span
from watcher.percolator.compiled import Calls, Postings, compile_test
from watcher.percolator.decided import Pair, WordIndex, decide
from watcher.percolator.match import ArticleContext, Leaf, MaskedTerms
from watcher.percolator.occurrences import collect_spans, positive_leaves
from watcher.percolator.prefixes import PrefixIndex
from watcher.query.compile import (
    AllOf,
    AnyOf,
    CompiledQuery,
    Matcher,
    Negated,
    PhraseLeaf,
    TagLeaf,
    WordLeaf,
    WordPattern,
    required_words,
)

# An index key: (folded word or prefix, is_prefix).
Key = tuple[str, bool]
CostFn = Callable[[Key], float]

# Words so common that a conjunction should be indexed by something else.
_COMMON = frozenset(
    (  # noqa: SIM905 - a word list reads better as running text
        "a about after all also an and are as at be been but by can company corp for from "
        "had has have he his i in inc is it its last ltd mln new not of on one or pct reuter "
        "reuters s said she that the their there they this to u up was we were which will "
        "with would year"
    ).split()
)


def heuristic_cost(key: Key) -> float:
    """Guess how common a key is without statistics: common and short words cost more, and
    a source's tag, which every entry of the source carries, as much as a common word."""
    word, is_prefix = key
    common = word in _COMMON or word.startswith(TAG_MARK)
    cost = (1000.0 if common else 0.0) + max(1, 16 - len(word))
    if is_prefix:  # a prefix stands for many words, and short ones for very many
        cost = cost * 4 + max(0, 8 - len(word)) * 50
    return cost


def frequency_cost(frequencies: Mapping[str, int]) -> CostFn:
    """Cost from a document-frequency table (word -> number of documents holding it)."""

    def cost(key: Key) -> float:
        word, is_prefix = key
        if word.startswith(TAG_MARK):  # the table counts words of text, not tags
            return heuristic_cost(key)
        if is_prefix:  # the table has no prefixes: a guess, and never cheaper than the guess
            return heuristic_cost(key) + frequencies.get(word, 0) * 10
        return frequencies.get(word, 0) + heuristic_cost(key) / 1000  # guess breaks ties

    return cost


def _word_key(word: WordPattern) -> Key:
    return (word.key, word.wildcard)


def _leaf_keys(node: WordLeaf | PhraseLeaf | TagLeaf, cost: CostFn) -> frozenset[Key]:
    if isinstance(node, WordLeaf | TagLeaf):
        return frozenset((_word_key(node.word),))
    # every word of a phrase or proximity group is required: the rarest will do
    return frozenset((min((_word_key(w) for w in node.words), key=lambda k: (cost(k), k)),))


def required_keys(node: Matcher, cost: CostFn, negated: bool = False) -> frozenset[Key] | None:
    """Keys one of which every article the node matches holds; None if it needs none."""
    if isinstance(node, Negated):
        return required_keys(node.child, cost, not negated)
    if isinstance(node, WordLeaf | PhraseLeaf | TagLeaf):
        return None if negated else _leaf_keys(node, cost)
    options = [required_keys(child, cost, negated) for child in node.children]
    usable = [keys for keys in options if keys is not None]
    if isinstance(node, AllOf) != negated:  # every child must hold: the cheapest one will do
        cheapest = min(usable, default=None, key=lambda ks: (sum(cost(k) for k in ks), sorted(ks)))
        return cheapest
    if len(usable) < len(options):  # any child may hold: all of them are needed
        return None
    return frozenset().union(*usable)


# A key with more guards than this meets the article's guard words, found once per article.
_FEW_GUARDS = 32
# Of more rules decided by their words than this, those an article's words veto are found
# in one pass over its words rather than rule by rule.
_FEW_DECIDED = 16
# A rule is filed once per guard: a branch of more words than this is no guard.
_MAX_GUARDS = 4
# Keys one of which an article must hold, beside its key, for a rule to be a candidate.
Guards = tuple[Key, ...]


def _effort(node: Matcher) -> int:
    """A rough rank of how much evaluating a node costs: words first, groups last."""
    if isinstance(node, WordLeaf | TagLeaf):
        return 1 if node.word.wildcard else 0
    if isinstance(node, PhraseLeaf):
        return 2 if node.slop is None else 3
    if isinstance(node, Negated):
        return _effort(node.child)
    return 4


def _intern(node: Matcher, leaves: dict[Leaf | TagLeaf, Leaf | TagLeaf]) -> Matcher:
    """`node` with every leaf replaced by the one equal leaf shared by all rules, and the
    children of AND/OR in cheapest-first order (both short-circuit; spans do not care)."""
    if isinstance(node, WordLeaf | PhraseLeaf | TagLeaf):
        return leaves.setdefault(node, node)
    if isinstance(node, Negated):
        return Negated(_intern(node.child, leaves))
    children = tuple(sorted((_intern(c, leaves) for c in node.children), key=_effort))
    return AllOf(children, node.required) if isinstance(node, AllOf) else AnyOf(children)


def _shown(keys: frozenset[Key], guards: Guards) -> frozenset[str]:
    """The words an article holds whenever the index finds a rule filed under `keys` (with
    `guards`): its one key and its one guard, if words (of several, any one may be the finder)."""
    if len(keys) != 1:
        return frozenset()
    shown = [*keys, *guards] if len(guards) == 1 else keys
    return frozenset(word for word, is_prefix in shown if not is_prefix)


GuardIndex = dict[str, tuple[frozenset[str], dict[str, Postings]]]


def _guard_index(filed: dict[str, dict[str, Postings]]) -> tuple[GuardIndex, frozenset[str]]:
    """Key -> (its guards, guard -> rules), and the keys (for `&` with an article's terms)."""
    return {key: (frozenset(by), by) for key, by in filed.items()}, frozenset(filed)


def _wildcard_keys(leaves: Iterable[Leaf | TagLeaf]) -> set[str]:
    words = (
        w
        for leaf in leaves
        for w in ((leaf.word,) if isinstance(leaf, WordLeaf | TagLeaf) else leaf.words)
    )
    return {w.key for w in words if w.wildcard}


class Percolator:
    """All rules of one rule set, indexed; rule changes build a new Percolator."""

    __slots__ = (
        "_always",
        "_cost",
        "_decided",
        "_exact",
        "_exact_keys",
        "_guarded",
        "_guarded_keys",
        "_guards",
        "_leaves",
        "_prefix",
        "_prefix_guarded",
        "_prefix_guarded_keys",
        "_rules",
        "_vetoable",
        "_vetoed",
        "_vetoes",
    )

    def __init__(
        self,
        rules: Mapping[str, CompiledQuery],
        *,
        term_frequencies: Mapping[str, int] | None = None,
        prefix_memo_limit: int = 500_000,
    ) -> None:
        """`term_frequencies` (word -> document count) helps pick a conjunction's rarest
        word; `prefix_memo_limit` bounds the remembered terms of the wildcard index."""
        self._rules: dict[str, CompiledQuery] = dict(rules)
        self._leaves: dict[str, tuple[Leaf, ...]] = {}  # each rule's positive leaves
        self._cost: CostFn = (
            heuristic_cost if term_frequencies is None else frequency_cost(term_frequencies)
        )
        # Equal leaves become one object, so per-article memos (by id) serve every rule.
        leaves: dict[Leaf | TagLeaf, Leaf | TagLeaf] = {}
        exact: dict[str, Postings] = {}
        guarded: dict[str, dict[str, Postings]] = {}
        prefix_guarded: dict[str, dict[str, Postings]] = {}
        prefix: dict[str, Postings] = {}
        decided: list[tuple[Pair, str]] = []
        calls: Calls = {}  # one evaluator per leaf, for all the rules holding it
        self._vetoes: dict[str, tuple[Pair, ...]] = {}  # rule -> its NOT words
        self._always: Postings = {}
        for name, query in self._rules.items():
            root = _intern(query.root, leaves)
            self._leaves[name] = positive_leaves(root)
            decision = decide(root)
            decided.extend((pair, name) for pair in decision.words)
            if decision.vetoes:
                self._vetoes[name] = decision.vetoes
            if decision.rest is None:
                continue
            root = decision.rest
            required = required_words((root,))
            keys = required_keys(root, self._cost)
            if keys is None:
                self._always[name] = compile_test(root, required, calls=calls)
                continue
            guards = self._guards_for(root, keys, required)
            test = compile_test(root, required, _shown(keys, guards), calls)
            for word, is_prefix in keys:
                if guards:
                    for guard, by_prefix in guards:
                        by = prefix_guarded if by_prefix else guarded
                        by.setdefault(word, {}).setdefault(guard, {})[name] = test
                else:
                    (prefix if is_prefix else exact).setdefault(word, {})[name] = test
        self._exact = exact
        self._exact_keys = frozenset(exact)
        # Word guards are met among the article's terms, prefix guards among the prefixes its
        # terms start with: two indexes, each met by one set intersection per key.
        self._guarded, self._guarded_keys = _guard_index(guarded)
        self._guards = frozenset().union(*guarded.values())  # every guard word
        self._prefix_guarded, self._prefix_guarded_keys = _guard_index(prefix_guarded)
        self._prefix = PrefixIndex(prefix, _wildcard_keys(leaves), prefix_memo_limit)
        self._decided = WordIndex(decided)
        self._vetoable = frozenset(self._vetoes)  # for `&`, which iterates the smaller side
        self._vetoed = WordIndex(
            (pair, name) for name, vetoes in self._vetoes.items() for pair in vetoes
        )

    def _guards_for(self, root: Matcher, keys: frozenset[Key], required: frozenset[str]) -> Guards:
        """For a rule indexed under one word that needs more, keys one of which the article
        must hold too: the rarest other word the rule needs, or else the keys of its AND's
        cheapest other branch that needs one of a few (`(oil OR gas) AND Libya`, `Libya AND
        Tripoli*`). The rule is looked at only when the article holds its key and a guard."""
        if len(keys) != 1:
            return ()
        ((word, is_prefix),) = keys
        if is_prefix:
            return ()
        if others := required - {word}:
            return ((min(others, key=lambda w: (self._cost((w, False)), w)), False),)
        if not isinstance(root, AllOf):
            return ()
        options = (required_keys(child, self._cost) for child in root.children)
        usable = [ks for ks in options if ks and ks != keys and len(ks) <= _MAX_GUARDS]
        best = min(usable, default=(), key=lambda ks: (sum(map(self._cost, ks)), sorted(ks)))
        return tuple(sorted(best))

    def __len__(self) -> int:
        return len(self._rules)

    @property
    def rules(self) -> Mapping[str, CompiledQuery]:
        return self._rules

    def index_keys(self, name: str) -> frozenset[Key] | None:
        """The keys rule `name` is indexed under (None: a candidate for every article)."""
        return required_keys(self._rules[name].root, self._cost)

    def candidates(self, analyzed: AnalyzedArticle) -> set[str]:
        """Names of the rules the index lets through for this article: those worth
        evaluating, and those its words decide (they match)."""
        ctx, found = self._context(analyzed)
        return set(found) | self._decided_by(ctx.masked)

    def _gather(self, analyzed: AnalyzedArticle, starts: Mapping[str, list[str]]) -> Postings:
        terms = analyzed.all_terms
        found = dict(self._always)
        exact, guarded = self._exact, self._guarded
        for term in terms & self._exact_keys:
            found.update(exact[term])
        present: frozenset[str] | None = None  # the article's guard words, if needed
        for term in terms & self._guarded_keys:
            guards, by_guard = guarded[term]
            if len(guards) > _FEW_GUARDS:  # many: they meet the few guard words present
                if present is None:
                    present = terms & self._guards
                met = guards & present
            else:
                met = guards & terms  # (a set intersection iterates the smaller set)
            for guard in met:
                found.update(by_guard[guard])
        if prefix_keys := terms & self._prefix_guarded_keys:
            started = frozenset(starts)  # the prefixes the article's terms start with
            for term in prefix_keys:
                prefixes, by_prefix = self._prefix_guarded[term]
                for prefix in prefixes & started:
                    found.update(by_prefix[prefix])
        self._prefix.add_candidates(starts, found)
        return found

    def _context(self, analyzed: AnalyzedArticle) -> tuple[ArticleContext, Postings]:
        """The article's matching context and its candidate rules."""
        starts = self._prefix.lookup(analyzed.all_terms)
        return ArticleContext(analyzed, starts), self._gather(analyzed, starts)

    def _decided_by(self, masked: MaskedTerms) -> set[str]:
        """The rules the article's words decide (`decided.py`): they match."""
        found = self._decided.names(masked)
        if len(found) > _FEW_DECIDED:  # many: drop every rule an article word vetoes at once
            found -= self._vetoed.names(masked)
            return found
        for name in found & self._vetoable:  # few: each checks its own NOT words
            for mask, word in self._vetoes[name]:
                if word in masked[mask]:
                    found.discard(name)
                    break
        return found

    def _matching(self, ctx: ArticleContext, candidates: Postings) -> list[str]:
        decided = self._decided_by(ctx.masked)
        # A rule its words decided may be tested too (its other branches are candidates): a
        # redundant call now and then costs less than looking every candidate up in `decided`.
        return sorted(decided.union([name for name, test in candidates.items() if test(ctx)]))

    def matching_analyzed(self, analyzed: AnalyzedArticle) -> list[str]:
        """The names of the rules that match the analyzed article, sorted."""
        return self._matching(*self._context(analyzed))

    def matching(self, article: Article) -> list[str]:
        """Analyze `article` once; the names of the rules it matches, sorted. What a scan
        needs: the spans of a hit are found when it is shown (`match` finds them now)."""
        if not self._rules:  # nothing to match: no need to analyze
            return []
        return self.matching_analyzed(AnalyzedArticle.from_article(article))

    def match_analyzed(self, analyzed: AnalyzedArticle) -> dict[str, tuple[Span, ...]]:
        """Rule name -> spans, for every rule that matches the analyzed article."""
        ctx, candidates = self._context(analyzed)
        return {
            name: collect_spans(self._leaves[name], ctx) for name in self._matching(ctx, candidates)
        }

    def match(self, article: Article) -> dict[str, tuple[Span, ...]]:
        """Analyze `article` once and match it against every rule, with the spans."""
        if not self._rules:
            return {}
        return self.match_analyzed(AnalyzedArticle.from_article(article))
