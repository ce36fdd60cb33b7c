"""The leaves of a rule against one analyzed article (whether each occurs).

A word is a set lookup in the terms of the fields it searches (`MaskedTerms`); a phrase
is searched for in ASCII text by one pattern (`ascii.py`), elsewhere (and for its spans) it
anchors on its rarest word's positions and checks its neighbours; a proximity group of two
different literal words looks for the second among the tokens around each occurrence of
the first, any other group slides a window over the merged positions of its words. A
wildcard is expanded once per article and pattern, over the article terms that start with
its literal prefix: never a regex per rule. How a rule combines its leaves is compiled into
one function per rule (`compiled.py`); where the leaves of a matching rule occur is found
in `occurrences.py`.

`ArticleContext` holds what all rules share for one article. Its leaf memos are keyed by
`id(leaf)`, so the leaves must outlive the context (the Percolator holds them), and the
Percolator makes equal leaves of different rules one object so that they share the work.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence

from watcher.analysis import WILDCARDS, AnalyzedArticle, AnalyzedField
from watcher.model import TEXT_FIELDS, Span
from watcher.percolator.ascii import found_in, phrase_pattern
from watcher.query.compile import (
    PhraseLeaf,
    TagLeaf,
    WordLeaf,
    WordPattern,
)

Leaf = WordLeaf | PhraseLeaf
ALL_FIELDS = (1 << len(TEXT_FIELDS)) - 1
TEXT_MASK = ALL_FIELDS & ~(1 << TEXT_FIELDS.index("source"))  # the default fields
# Field indices (into TEXT_FIELDS) of every field mask.
MASK_FIELDS: tuple[tuple[int, ...], ...] = tuple(
    tuple(i for i in range(len(TEXT_FIELDS)) if mask >> i & 1)
    for mask in range(1 << len(TEXT_FIELDS))
)
# Field indices in the order of their names, and each field's rank in that order: spots
# (rank, start, end) sort as the Span objects made from them do.
_FIELD_ORDER = tuple(sorted(range(len(TEXT_FIELDS)), key=TEXT_FIELDS.__getitem__))
RANK = tuple(_FIELD_ORDER.index(i) for i in range(len(TEXT_FIELDS)))
# Where a leaf matched: (field rank, start, end).
Spot = tuple[int, int, int]


def wildcard_match(pattern: str, word: str) -> bool:
    """Whether `word` matches `pattern`: `*` any run (maybe empty), `?` exactly one char."""
    p = w = 0
    star = mark = -1
    plen, wlen = len(pattern), len(word)
    while w < wlen:
        if p < plen and pattern[p] == "*":
            star, mark = p, w
            p += 1
        elif p < plen and (pattern[p] == "?" or pattern[p] == word[w]):
            p += 1
            w += 1
        elif star >= 0:
            mark += 1
            p, w = star + 1, mark
        else:
            return False
    while p < plen and pattern[p] == "*":
        p += 1
    return p == plen


def _literal_prefix(pattern: str) -> str:
    cut = min((i for i, c in enumerate(pattern) if c in WILDCARDS), default=len(pattern))
    return pattern[:cut]


class MaskedTerms(dict[int, frozenset[str]]):
    """Field mask -> the article's folded terms in those fields, each union made once."""

    __slots__ = ("_fields",)

    def __init__(self, analyzed: AnalyzedArticle) -> None:
        super().__init__({ALL_FIELDS: analyzed.all_terms, TEXT_MASK: analyzed.text_terms})
        self._fields = analyzed.fields

    def __missing__(self, mask: int) -> frozenset[str]:
        fields = self._fields
        found = self[mask] = frozenset().union(*(fields[i].term_set for i in MASK_FIELDS[mask]))
        return found


class ArticleContext:
    """One article during matching: its fields and per-article memos shared by all rules."""

    __slots__ = (
        "_expansions",
        "_vocabulary",
        "all_terms",
        "fields",
        "group_memo",
        "masked",
        "span_at",
        "spans_memo",
        "spots_memo",
        "starts",
    )

    def __init__(
        self, analyzed: AnalyzedArticle, starts: Mapping[str, list[str]] | None = None
    ) -> None:
        """`starts`, if known, maps wildcard prefixes to the folded terms they start."""
        self.fields: tuple[AnalyzedField, ...] = analyzed.fields
        self.all_terms = analyzed.all_terms
        self.masked = MaskedTerms(analyzed)
        self.starts = starts
        self._expansions: dict[tuple[str, bool], frozenset[str]] = {}
        self._vocabulary: dict[bool, list[str]] = {}
        self.span_at: dict[tuple[int, int, int], Span] = {}
        # Memos keyed by id(leaf): the percolator shares one leaf object among its rules.
        self.group_memo: dict[int, bool] = {}
        self.spots_memo: dict[int, tuple[Spot, ...]] = {}
        self.spans_memo: dict[int, tuple[Span, ...]] = {}

    def vocabulary(self, case_sensitive: bool) -> list[str]:
        """Every distinct term of the article, sorted."""
        found = self._vocabulary.get(case_sensitive)
        if found is None:
            if case_sensitive:
                terms = frozenset().union(*(f.raw_set() for f in self.fields))
            else:
                terms = self.all_terms
            found = self._vocabulary[case_sensitive] = sorted(terms)
        return found

    def _with_prefix(self, prefix: str, case_sensitive: bool) -> list[str]:
        vocabulary = self.vocabulary(case_sensitive)
        found = []
        for i in range(bisect_left(vocabulary, prefix), len(vocabulary)):
            if not vocabulary[i].startswith(prefix):
                break
            found.append(vocabulary[i])
        return found

    def expand(self, word: WordPattern, case_sensitive: bool) -> frozenset[str]:
        """The article's terms that a wildcard word matches."""
        key = (word.text, case_sensitive)
        found = self._expansions.get(key)
        if found is None:
            pattern = word.text
            if self.starts is not None and not case_sensitive:
                terms: Iterable[str] = self.starts.get(word.key, ())
            else:
                terms = self._with_prefix(_literal_prefix(pattern), case_sensitive)
            if pattern.endswith("*") and pattern[:-1] == word.key:  # `libya*`: every term
                found = frozenset(terms)
            else:
                found = frozenset(term for term in terms if wildcard_match(pattern, term))
            self._expansions[key] = found
        return found

    def word_set(self, word: WordPattern, case_sensitive: bool) -> frozenset[str]:
        return self.expand(word, case_sensitive) if word.wildcard else frozenset((word.text,))

    def terms(self, word: WordPattern, case_sensitive: bool) -> Iterable[str]:
        """The article terms `word` stands for (itself, or a wildcard's expansion)."""
        return self.expand(word, case_sensitive) if word.wildcard else (word.text,)

    def occurrences(self, word: WordPattern, field: AnalyzedField, cs: bool) -> Sequence[int]:
        """Ascending token positions of `word` in `field`."""
        if not word.wildcard:
            return field.positions_of(word.text, cs)
        found = [p for term in self.expand(word, cs) for p in field.positions_of(term, cs)]
        found.sort()
        return found

    def span(self, rank: int, start: int, end: int) -> Span:
        """The Span for the field of `rank` and `[start, end)`, made once per article."""
        key = (rank, start, end)
        found = self.span_at.get(key)
        if found is None:
            index = _FIELD_ORDER[rank]
            text = self.fields[index].text
            found = self.span_at[key] = Span(TEXT_FIELDS[index], start, end, text[start:end])
        return found


def word_in(leaf: WordLeaf, ctx: ArticleContext) -> bool:
    word, cs, fields = leaf.word, leaf.case_sensitive, ctx.fields
    if word.wildcard:
        found = ctx.expand(word, cs)
        if found:
            for i in MASK_FIELDS[leaf.mask]:
                if not found.isdisjoint(fields[i].set_for(cs)):
                    return True
        return False
    text = word.text
    if not cs:
        if text not in ctx.all_terms:
            return False
        if leaf.mask == ALL_FIELDS:
            return True
    for i in MASK_FIELDS[leaf.mask]:
        if text in (fields[i].raw_set() if cs else fields[i].term_set):
            return True
    return False


def tag_in(leaf: TagLeaf, ctx: ArticleContext) -> bool:
    """Whether the article's source carries the tag (or one the pattern matches)."""
    if leaf.word.wildcard:
        return bool(ctx.expand(leaf.word, False))
    return leaf.word.text in ctx.all_terms


def _may_occur(leaf: PhraseLeaf, field: AnalyzedField, ctx: ArticleContext) -> bool:
    """Cheap test before positions: every word of the group is in the field."""
    terms = field.set_for(leaf.case_sensitive)
    for word in leaf.words:
        if word.wildcard:
            if ctx.expand(word, leaf.case_sensitive).isdisjoint(terms):
                return False
        elif word.text not in terms:
            return False
    return True


def phrase_starts(
    leaf: PhraseLeaf, field: AnalyzedField, ctx: ArticleContext, first_only: bool
) -> list[int]:
    """Positions where the exact phrase starts in `field`."""
    if not _may_occur(leaf, field, ctx):
        return []
    cs, words = leaf.case_sensitive, leaf.words
    occurrences = [ctx.occurrences(w, field, cs) for w in words]
    anchor = min(range(len(words)), key=lambda i: len(occurrences[i]))
    allowed = [ctx.word_set(w, cs) for w in words]
    tokens = field.terms_for(cs)
    last = len(tokens) - len(words)
    starts = []
    for position in occurrences[anchor]:
        start = position - anchor
        if 0 <= start <= last and all(
            tokens[start + i] in allowed[i] for i in range(len(words)) if i != anchor
        ):
            starts.append(start)
            if first_only:
                break
    return starts


def _assignable(masks: Sequence[int], size: int) -> bool:
    """Whether each of `size` words can take a distinct token (bit i of a mask: word i)."""
    owner = [-1] * len(masks)

    def place(word: int, seen: set[int]) -> bool:
        for j, mask in enumerate(masks):
            if mask >> word & 1 and j not in seen:
                seen.add(j)
                if owner[j] < 0 or place(owner[j], seen):
                    owner[j] = word
                    return True
        return False

    return all(place(word, set()) for word in range(size))


def near_positions(
    leaf: PhraseLeaf, field: AnalyzedField, ctx: ArticleContext, first_only: bool
) -> list[int]:
    """Positions of the group's tokens that lie in a window satisfying the proximity."""
    if not _may_occur(leaf, field, ctx):
        return []
    size, slop = len(leaf.words), leaf.slop or 0
    bits: dict[int, int] = {}
    for i, word in enumerate(leaf.words):
        for position in ctx.occurrences(word, field, leaf.case_sensitive):
            bits[position] = bits.get(position, 0) | 1 << i
    positions = sorted(bits)
    masks = [bits[p] for p in positions]
    full = (1 << size) - 1
    simple = all(m & (m - 1) == 0 for m in masks)
    found: set[int] = set()
    for a in range(len(positions)):
        seen, covered, last = 0, False, a
        for b in range(a, len(positions)):
            if positions[b] - positions[a] - (b - a) > slop:
                break
            seen |= masks[b]
            last = b
            if not covered and seen == full and (simple or _assignable(masks[a : b + 1], size)):
                if first_only:
                    return [positions[a]]
                covered = True
        if covered:
            found.update(positions[a : last + 1])
    return sorted(found)


# How a group is looked for in one field, chosen once per leaf (`group_check`).
FieldCheck = Callable[[AnalyzedField, ArticleContext], bool]


def group_check(leaf: PhraseLeaf) -> FieldCheck:
    """How `group_found` looks for `leaf` in one field, chosen when the rule is compiled:
    two different literal words within a slop look for the second among the tokens around
    each occurrence of the first (most proximity groups); an exact phrase in ASCII text is
    one pattern search (`ascii.py`); anything else, and other text, goes by positions."""
    match leaf.words:
        case (first, second) if (
            leaf.slop is not None
            and not (first.wildcard or second.wildcard)
            and first.text != second.text
        ):
            return _pair_check(first.text, second.text, leaf.slop, leaf.case_sensitive)
    pattern = phrase_pattern(leaf)
    find = phrase_starts if leaf.slop is None else near_positions

    def search(field: AnalyzedField, ctx: ArticleContext) -> bool:
        if pattern is not None and field.text.isascii():  # (isascii reads a flag)
            return found_in(pattern, field.folded_text())
        return bool(find(leaf, field, ctx, True))

    return search


def _pair_check(first: str, second: str, slop: int, case_sensitive: bool) -> FieldCheck:
    reach = slop + 1

    def near(field: AnalyzedField, ctx: ArticleContext) -> bool:
        """Whether `second` is among the `reach` tokens on either side of an occurrence of
        `first`: the field finds `first` (by a scan in C while few words were asked of it,
        then from its map of every term's positions) and `in` looks at a slice, in C."""
        terms = field.set_for(case_sensitive)
        if first not in terms or second not in terms:
            return False
        tokens = field.terms_for(case_sensitive)
        for position in field.positions_of(first, case_sensitive):
            if second in tokens[max(position - reach, 0) : position + reach + 1]:
                return True
        return False

    return near


def group_found(
    leaf: PhraseLeaf, in_field: FieldCheck, literals: frozenset[str], ctx: ArticleContext
) -> bool:
    """Whether the phrase or proximity group occurs in a field it searches; memoized.
    `in_field` (`group_check(leaf)`) looks in one field; `literals`, the group's literal
    words (none for a case-sensitive group), rule out a field that lacks one before that."""
    memo = ctx.group_memo
    found = memo.get(id(leaf))
    if found is None:
        found = False
        for i in MASK_FIELDS[leaf.mask]:
            field = ctx.fields[i]
            if literals <= field.term_set and in_field(field, ctx):
                found = True
                break
        memo[id(leaf)] = found
    return found
