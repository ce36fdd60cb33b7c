"""Where the leaves of a matching rule occur: the spans a hit is highlighted with.

Spots are (field rank, start, end), memoized per article and leaf in the `ArticleContext`
(`spots_memo`, `spans_memo`), so leaves shared by several rules are found once.
"""

from __future__ import annotations

from collections.abc import Sequence

from watcher.model import Span
from watcher.percolator.match import (
    MASK_FIELDS,
    RANK,
    ArticleContext,
    Leaf,
    Spot,
    near_positions,
    phrase_starts,
)
from watcher.query.compile import AllOf, AnyOf, Matcher, Negated, TagLeaf, WordLeaf


def _find_spots(leaf: Leaf, ctx: ArticleContext) -> list[Spot]:
    """Occurrences of one leaf; never twice the same (distinct fields, terms or starts)."""
    out: list[Spot] = []
    cs, fields, all_terms = leaf.case_sensitive, ctx.fields, ctx.all_terms
    words = (leaf.word,) if isinstance(leaf, WordLeaf) else leaf.words
    if any(not w.wildcard and w.key not in all_terms for w in words):
        return out  # a word of it is nowhere in the article (often: an OR's other branch)
    if isinstance(leaf, WordLeaf):
        terms = ctx.terms(leaf.word, cs)
        for i in MASK_FIELDS[leaf.mask]:
            field, rank = fields[i], RANK[i]
            present = field.raw_set() if cs else field.term_set
            for term in terms:
                if term in present:
                    out.extend([(rank, s, e) for s, e in field.offsets_of(term, cs)])
        return out
    for i in MASK_FIELDS[leaf.mask]:
        field, rank = fields[i], RANK[i]
        if leaf.slop is None:
            width = len(leaf.words) - 1
            for first in phrase_starts(leaf, field, ctx, False):
                start, end = field.offset_at(first)[0], field.offset_at(first + width)[1]
                out.append((rank, start, end))
        else:
            for position in near_positions(leaf, field, ctx, False):
                out.append((rank, *field.offset_at(position)))
    return out


def leaf_spots(leaf: Leaf, ctx: ArticleContext) -> tuple[Spot, ...]:
    """Where one leaf occurs in the fields it searches, sorted; memoized per article.

    Each spot's Span is made here too, so merging spots later needs no Python loop.
    """
    memo = ctx.spots_memo
    found = memo.get(id(leaf))
    if found is None:
        found = memo[id(leaf)] = tuple(sorted(_find_spots(leaf, ctx)))
        for spot in found:
            ctx.span(*spot)
    return found


def leaf_spans(leaf: Leaf, ctx: ArticleContext) -> tuple[Span, ...]:
    """The spans of one leaf; memoized per article."""
    memo = ctx.spans_memo
    found = memo.get(id(leaf))
    if found is None:
        found = memo[id(leaf)] = tuple(map(ctx.span_at.__getitem__, leaf_spots(leaf, ctx)))
    return found


def _gather(node: Matcher, negated: bool, out: dict[int, Leaf]) -> None:
    if isinstance(node, AllOf | AnyOf):
        for child in node.children:
            _gather(child, negated, out)
    elif isinstance(node, Negated):
        _gather(node.child, not negated, out)
    elif not negated and not isinstance(node, TagLeaf):
        out.setdefault(id(node), node)


def positive_leaves(root: Matcher) -> tuple[Leaf, ...]:
    """The leaves of a rule that are not negated and look in text (those that give spans),
    once each: a source tag is in no text."""
    out: dict[int, Leaf] = {}
    _gather(root, False, out)
    return tuple(out.values())


def collect_spans(leaves: Sequence[Leaf], ctx: ArticleContext) -> tuple[Span, ...]:
    """Every occurrence of each of a matching rule's positive leaves, sorted, once each."""
    if len(leaves) == 1:
        return leaf_spans(leaves[0], ctx)
    spots: set[Spot] = set()
    for leaf in leaves:
        spots.update(leaf_spots(leaf, ctx))
    return tuple(map(ctx.span_at.__getitem__, sorted(spots)))
