"""Rules decided by their words alone: set operations instead of a test per rule.

A plain word (`Libya`, `title:Haftar`, `source_tag:mena`) holds exactly when the article's
terms in its fields hold it, which is how a compiled test checks it too (`compiled.py`).
So a rule of plain words joined by OR matches exactly when the article holds one of its
words, and one that adds `NOT` plain words (`Libya -football`, `(oil OR gas) AND NOT
(Iran OR Iraq)`) when the article holds one of the first and none of the others. Such
rules are never tested one by one: a `WordIndex` by field mask gives, per article, the
rules its words decide, and those with NOT words look for them (when many, another index
of the NOT words finds every vetoed rule at once). A rule that joins plain words by OR
with other branches (`Libya OR "Khalifa Haftar"`) is decided by those words the same way,
and only its other branches are left to test, with its NOTs if it has them (`(Libya OR
"Khalifa Haftar") -football` leaves `"Khalifa Haftar" -football`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from watcher.percolator.match import ALL_FIELDS, MaskedTerms
from watcher.query.compile import (
    AllOf,
    AnyOf,
    Matcher,
    Negated,
    TagLeaf,
    WordLeaf,
    required_words,
)

Pair = tuple[int, str]  # (field mask, folded word)


@dataclass(frozen=True, slots=True)
class Decision:
    """How a rule is decided: it matches if the article holds one of `words` and none of
    `vetoes`, or else if `rest` matches (None: nothing else matches). `rest` is tested on
    its own, so it carries its own NOTs."""

    words: tuple[Pair, ...] = ()
    vetoes: tuple[Pair, ...] = ()
    rest: Matcher | None = None


def _plain_word(node: Matcher) -> Pair | None:
    if isinstance(node, TagLeaf):  # tag terms are among all the article's terms
        return None if node.word.wildcard else (ALL_FIELDS, node.word.text)
    if isinstance(node, WordLeaf) and not node.word.wildcard and not node.case_sensitive:
        return (node.mask, node.word.text)
    return None


def _plain_words(node: Matcher) -> list[Pair] | None:
    """A plain word, or plain words joined by OR, as pairs; None for anything else."""
    pairs = []
    for child in node.children if isinstance(node, AnyOf) else (node,):
        pair = _plain_word(child)
        if pair is None:
            return None
        pairs.append(pair)
    return pairs


def _with_vetoes(root: AllOf) -> Decision | None:
    """`P AND NOT N1 AND NOT N2 ...`, where every N is plain words joined by OR and P joins
    plain words by OR, maybe with other branches: those, with the NOTs, are left to test."""
    positive = [child for child in root.children if not isinstance(child, Negated)]
    negated = [child for child in root.children if isinstance(child, Negated)]
    if len(positive) != 1 or isinstance(positive[0], AllOf):
        return None
    vetoes: list[Pair] = []
    for child in negated:
        words = _plain_words(child.child)
        if words is None:
            return None
        vetoes.extend(words)
    by_words = decide(positive[0])
    if not by_words.words:
        return None
    if by_words.rest is None:
        return Decision(by_words.words, tuple(vetoes))
    rest = (by_words.rest, *negated)
    return Decision(by_words.words, tuple(vetoes), AllOf(rest, required_words(rest)))


def decide(root: Matcher) -> Decision:
    """How far a rule is decided by its words (`Decision`); a rule they cannot decide is
    all rest."""
    if isinstance(root, AllOf):
        return _with_vetoes(root) or Decision(rest=root)
    words, rest = [], []
    for child in root.children if isinstance(root, AnyOf) else (root,):
        pair = _plain_word(child)
        if pair is None:
            rest.append(child)
        else:
            words.append(pair)
    if not words:
        return Decision(rest=root)
    if not rest:
        return Decision(tuple(words))
    return Decision(tuple(words), rest=rest[0] if len(rest) == 1 else AnyOf(tuple(rest)))


class WordIndex:
    """(field mask, word) -> the names of rules, asked with an article's terms by mask."""

    __slots__ = ("_masks",)

    def __init__(self, entries: Iterable[tuple[Pair, str]]) -> None:
        by_mask: dict[int, dict[str, set[str]]] = {}
        for (mask, word), name in entries:
            by_mask.setdefault(mask, {}).setdefault(word, set()).add(name)
        self._masks = tuple(
            (mask, frozenset(by_word), {word: frozenset(names) for word, names in by_word.items()})
            for mask, by_word in by_mask.items()
        )

    def names(self, masked: MaskedTerms) -> set[str]:
        """The rules filed under a word that the article holds in that word's fields."""
        found: set[str] = set()
        for mask, words, by_word in self._masks:
            for word in masked[mask] & words:
                found.update(by_word[word])
        return found
