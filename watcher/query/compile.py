"""Query text -> `CompiledQuery`: parsed, checked, analyzed, ready for the percolator.

Everything that does not depend on an article is done here once: words are folded as the
text will be (or left unfolded for a case-sensitive rule), each word knows its index key
(the folded word, or for a wildcard its folded literal prefix), and fields become a bit
mask. The result is immutable and small: frozen slotted dataclasses and tuples.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from watcher.analysis import TAG_MARK, WILDCARDS, analyze_pattern, fold
from watcher.errors import RuleError
from watcher.model import TEXT_FIELDS, Field
from watcher.query import check
from watcher.query.nodes import And, Near, Node, Not, Phrase, Tag, Term, render
from watcher.query.parse import QueryWarning, parse_with_warnings

DEFAULT_FIELDS: tuple[Field, ...] = ("title", "lead", "body")
FIELD_BITS: Mapping[Field, int] = MappingProxyType({f: 1 << i for i, f in enumerate(TEXT_FIELDS)})


@dataclass(frozen=True, slots=True)
class WordPattern:
    """One word slot: `text` is compared with the article's tokens, `key` goes in the index."""

    text: str
    key: str
    wildcard: bool


@dataclass(frozen=True, slots=True)
class WordLeaf:
    word: WordPattern
    mask: int
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class PhraseLeaf:
    """Exact phrase when `slop` is None, else a proximity group."""

    words: tuple[WordPattern, ...]
    mask: int
    case_sensitive: bool
    slop: int | None


@dataclass(frozen=True, slots=True)
class TagLeaf:
    """`source_tag:`: `word` is the tag as an article term (`analysis.tag_term`), or a
    pattern of them; always case-insensitive, and never highlighted."""

    word: WordPattern


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every child holds. `required`: folded words any match must contain (a quick reject)."""

    children: tuple[Matcher, ...]
    required: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Matcher, ...]


@dataclass(frozen=True, slots=True)
class Negated:
    child: Matcher


Matcher = WordLeaf | PhraseLeaf | TagLeaf | AllOf | AnyOf | Negated


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    """A rule's query, ready to match; `normalized` is the parsed query written back, every
    group in parentheses, so that a user sees how the query was read."""

    text: str
    normalized: str
    root: Matcher
    fields: tuple[Field, ...]
    case_sensitive: bool
    warnings: tuple[QueryWarning, ...]


def field_mask(fields: Iterable[Field]) -> int:
    mask = 0
    for name in fields:
        mask |= FIELD_BITS[name]
    return mask


def _check_fields(fields: tuple[Field, ...]) -> int:
    if not fields:
        raise RuleError("fields: give at least one of title, lead, body")
    for name in fields:
        if name in ("source", "source_tag"):
            raise RuleError(f'fields: "{name}" is searched only through {name}: in the query')
        if name not in FIELD_BITS:
            raise RuleError(f'fields: unknown field "{name}" — use title, lead or body')
    return field_mask(fields)


def word_pattern(word: str, *, case_sensitive: bool) -> WordPattern:
    """Compile one analyzed (unfolded) query word."""
    if not word.isascii():
        word = "".join(t.text for t in analyze_pattern(word, fold_case=False))
    folded = fold(word)
    cut = min((i for i, c in enumerate(folded) if c in WILDCARDS), default=-1)
    key = folded if cut < 0 else folded[:cut]
    text = word if case_sensitive else folded
    return WordPattern(sys.intern(text), sys.intern(key), cut >= 0)


def tag_pattern(tag: str) -> WordPattern:
    """Compile one folded tag of the query (whole, or with wildcards)."""
    text = TAG_MARK + tag
    cut = min((i for i, c in enumerate(text) if c in WILDCARDS), default=-1)
    key = text if cut < 0 else text[:cut]
    return WordPattern(sys.intern(text), sys.intern(key), cut >= 0)


def required_words(children: Iterable[Matcher]) -> frozenset[str]:
    """The folded literal words (and tag terms) that every article matching all `children`
    contains."""
    children = tuple(children)
    if len(children) == 1 and isinstance(children[0], AllOf):
        return children[0].required  # shared, not copied
    found: set[str] = set()
    for child in children:
        if isinstance(child, WordLeaf | TagLeaf):
            words: tuple[WordPattern, ...] = (child.word,)
        elif isinstance(child, PhraseLeaf):
            words = child.words
        elif isinstance(child, AllOf):
            found.update(child.required)
            continue
        else:
            continue
        found.update(sys.intern(w.key) for w in words if not w.wildcard)
    return frozenset(found)


class _Compiler:
    def __init__(self, default_mask: int, case_sensitive: bool) -> None:
        self.default_mask = default_mask
        self.case_sensitive = case_sensitive

    def mask(self, field: Field | None) -> int:
        return self.default_mask if field is None else FIELD_BITS[field]

    def words(self, words: tuple[str, ...]) -> tuple[WordPattern, ...]:
        return tuple(word_pattern(w, case_sensitive=self.case_sensitive) for w in words)

    def leaf(self, node: Tag | Term | Phrase | Near) -> Matcher:
        cs = self.case_sensitive
        if isinstance(node, Tag):
            return TagLeaf(tag_pattern(node.text))
        if isinstance(node, Term):
            return WordLeaf(word_pattern(node.text, case_sensitive=cs), self.mask(node.field), cs)
        slop = node.slop if isinstance(node, Near) else None
        return PhraseLeaf(self.words(node.words), self.mask(node.field), cs, slop)

    def compile(self, node: Node) -> Matcher:
        if isinstance(node, Tag | Term | Phrase | Near):
            return self.leaf(node)
        if isinstance(node, Not):
            return Negated(self.compile(node.child))
        children = tuple(self.compile(child) for child in node.children)
        if isinstance(node, And):
            return AllOf(children, required_words(children))
        return AnyOf(children)


def compile_node(
    node: Node,
    *,
    text: str | None = None,
    fields: tuple[Field, ...] = DEFAULT_FIELDS,
    case_sensitive: bool = False,
    parse_warnings: tuple[QueryWarning, ...] = (),
) -> CompiledQuery:
    """Compile an already parsed query (`text` defaults to its rendering)."""
    mask = _check_fields(tuple(fields))
    normalized = render(node)
    root = _Compiler(mask, case_sensitive).compile(node)
    return CompiledQuery(
        text=normalized if text is None else text,
        normalized=normalized,
        root=root,
        fields=tuple(fields),
        case_sensitive=case_sensitive,
        warnings=parse_warnings + tuple(QueryWarning(w) for w in check.warnings(node)),
    )


def compile_query(
    text: str, *, fields: tuple[Field, ...] = DEFAULT_FIELDS, case_sensitive: bool = False
) -> CompiledQuery:
    """Parse, check and compile one query; raises `QuerySyntaxError` with line and col."""
    parsed = parse_with_warnings(text)
    return compile_node(
        parsed.node,
        text=text,
        fields=fields,
        case_sensitive=case_sensitive,
        parse_warnings=parsed.warnings,
    )


def _quote(keyword: str) -> str:
    return '"' + keyword.replace("\\", "\\\\").replace('"', '\\"') + '"'


def keywords_query(keywords: Iterable[str]) -> str:
    """The query for a `keywords:` list: an OR of each keyword as a phrase."""
    return " OR ".join(_quote(k) for k in keywords)
