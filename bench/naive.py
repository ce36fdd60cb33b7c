"""The naive matcher the percolator is compared with: regular expressions, rule by rule.

What a first version without an index would do: every rule is parsed into its own tree
with one compiled regex per term (and one per phrase), and every rule is evaluated over
every article. The article text is folded once (NFKC, casefold, accents stripped, `_`
made a space, so that `\\w` is exactly a letter or digit); words are whole runs of
letters and digits (`\\b`), a phrase is one regex with `\\W+` between its words, a
proximity group finds each word's matches, turns them into token positions and slides a
window over them, and every leaf looks only in its fields. A `source_tag:` is a regex over
the article's source tags, each whole.

Only what the generated rule sets use is supported: case-insensitive rules over the
default fields (title, lead, body), with `source:` and other field scopes in the query.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from watcher.model import Article, Field
from watcher.query.nodes import And, Near, Node, Not, Or, Phrase, Tag, Term
from watcher.query.parse import parse_query

DEFAULT_FIELDS: tuple[Field, ...] = ("title", "lead", "body")
ALL_FIELDS: tuple[Field, ...] = ("title", "lead", "body", "source")
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Casefold and strip accents; `_` (a regex word character, not ours) becomes a space."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).casefold()
        text = "".join(
            c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
        )
    return text.lower().replace("_", " ")


def word_source(word: str) -> str:
    """One folded query word as a regex matching one whole token; `*` and `?` as wildcards."""
    body = "".join(r"\w*" if c == "*" else r"\w" if c == "?" else re.escape(c) for c in word)
    return rf"\b{body}\b"


def tag_source(tag: str) -> str:
    """One folded query tag as a regex over a whole tag; `*` and `?` as wildcards."""
    return "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in tag)


def phrase_source(words: Sequence[str]) -> str:
    """Adjacent tokens: only non-word characters between them."""
    return r"\W+".join(word_source(w) for w in words)


class FoldedArticle:
    """An article's fields folded once, with token positions computed on demand."""

    __slots__ = ("_starts", "tags", "texts")

    def __init__(self, article: Article) -> None:
        self.texts: dict[Field, str] = {f: fold(article.field_text(f)) for f in ALL_FIELDS}
        self.tags = tuple(tag.casefold() for tag in article.source_tags)
        self._starts: dict[Field, list[int]] = {}

    def token_index(self, field: Field, offset: int) -> int:
        """The position of the token that starts at character `offset`."""
        starts = self._starts.get(field)
        if starts is None:
            starts = self._starts[field] = [m.start() for m in _WORD.finditer(self.texts[field])]
        return bisect_left(starts, offset)


@dataclass(frozen=True, slots=True)
class _Regex:
    pattern: re.Pattern[str]
    fields: tuple[Field, ...]

    def holds(self, article: FoldedArticle) -> bool:
        texts = article.texts
        return any(self.pattern.search(texts[f]) is not None for f in self.fields)


@dataclass(frozen=True, slots=True)
class _Tag:
    pattern: re.Pattern[str]

    def holds(self, article: FoldedArticle) -> bool:
        return any(self.pattern.fullmatch(tag) for tag in article.tags)


@dataclass(frozen=True, slots=True)
class _Near:
    words: tuple[re.Pattern[str], ...]
    slop: int
    fields: tuple[Field, ...]

    def holds(self, article: FoldedArticle) -> bool:
        return any(self._in_field(article, f) for f in self.fields)

    def _in_field(self, article: FoldedArticle, field: Field) -> bool:
        text = article.texts[field]
        found: list[set[int]] = []
        for pattern in self.words:
            hits = {article.token_index(field, m.start()) for m in pattern.finditer(text)}
            if not hits:
                return False
            found.append(hits)
        return near_window(found, self.slop)


@dataclass(frozen=True, slots=True)
class _All:
    children: tuple[_Node, ...]

    def holds(self, article: FoldedArticle) -> bool:
        return all(child.holds(article) for child in self.children)


@dataclass(frozen=True, slots=True)
class _Any:
    children: tuple[_Node, ...]

    def holds(self, article: FoldedArticle) -> bool:
        return any(child.holds(article) for child in self.children)


@dataclass(frozen=True, slots=True)
class _None:
    child: _Node

    def holds(self, article: FoldedArticle) -> bool:
        return not self.child.holds(article)


_Node = _Regex | _Tag | _Near | _All | _Any | _None


def near_window(positions: Sequence[set[int]], slop: int) -> bool:
    """Whether some window holds a distinct token for every word and at most `slop` others.

    `positions[i]` are the token positions word i matches; a window's own tokens are the
    ones some word matches, every other token in it counts against `slop`.
    """
    own = sorted(set().union(*positions))
    for a, first in enumerate(own):
        for b in range(a, len(own)):
            if own[b] - first + 1 - (b - a + 1) > slop:
                break
            if _assignable(positions, own[a : b + 1]):
                return True
    return False


def _assignable(positions: Sequence[set[int]], window: Sequence[int]) -> bool:
    """A bipartite matching: each word takes its own token of the window."""
    owner: dict[int, int] = {}

    def place(word: int, tried: set[int]) -> bool:
        for token in window:
            if token in positions[word] and token not in tried:
                tried.add(token)
                if token not in owner or place(owner[token], tried):
                    owner[token] = word
                    return True
        return False

    return all(place(word, set()) for word in range(len(positions)))


def _build(node: Node, fields: tuple[Field, ...]) -> _Node:
    if isinstance(node, And):
        return _All(tuple(_build(child, fields) for child in node.children))
    if isinstance(node, Or):
        return _Any(tuple(_build(child, fields) for child in node.children))
    if isinstance(node, Not):
        return _None(_build(node.child, fields))
    if isinstance(node, Tag):
        return _Tag(re.compile(tag_source(node.text)))
    return _leaf(node, fields)


def _leaf(node: Term | Phrase | Near, fields: tuple[Field, ...]) -> _Node:
    scope = fields if node.field is None else (node.field,)
    if isinstance(node, Term):
        return _Regex(re.compile(word_source(fold(node.text))), scope)
    words = tuple(fold(w) for w in node.words)
    if isinstance(node, Phrase):
        return _Regex(re.compile(phrase_source(words)), scope)
    if isinstance(node, Near):
        return _Near(tuple(re.compile(word_source(w)) for w in words), node.slop, scope)
    raise TypeError(f"unexpected query node {node!r}")


class NaiveMatcher:
    """Every rule as its own regex tree; `match` tries each rule in turn."""

    def __init__(self, queries: Mapping[str, str]) -> None:
        self._rules = [
            (name, _build(parse_query(query), DEFAULT_FIELDS)) for name, query in queries.items()
        ]

    def __len__(self) -> int:
        return len(self._rules)

    def match(self, article: Article) -> list[str]:
        """Names of the rules that match, sorted."""
        folded = FoldedArticle(article)
        return sorted(name for name, rule in self._rules if rule.holds(folded))
