"""Our immutable query AST, and `render`, which writes it back as normalized query text.

Leaves hold analyzed but unfolded words (NFKC, accents folded, case kept, wildcards kept):
a word of the query that the analyzer splits (`al-Sarraj`) is already a `Phrase` here. A
field scope is pushed down onto the leaves; `None` means "the rule's default fields".
`source_tag:x` is a `Tag` leaf: no text's word, but a tag of the article's source, folded.
`pos` is the leaf's offset in the query text, for error messages; it takes no part in
equality, so `parse_query(render(node)) == node`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, Literal

from watcher.model import Field

RESERVED = frozenset({"AND", "OR", "NOT", "TO"})
TAG_FIELD: Literal["source_tag"] = "source_tag"
# Where a leaf looks: a text field, or the tags of the article's source.
Scope = Field | Literal["source_tag"]


@dataclass(frozen=True, slots=True)
class Term:
    """One word, whole; may hold `*` (any run of letters/digits) and `?` (exactly one)."""

    text: str
    field: Field | None = None
    pos: int = dataclasses.field(default=0, compare=False, repr=False)

    @property
    def is_wildcard(self) -> bool:
        return "*" in self.text or "?" in self.text


@dataclass(frozen=True, slots=True)
class Phrase:
    """Two or more words next to each other, in this order, in one field."""

    words: tuple[str, ...]
    field: Field | None = None
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Near:
    """Two or more words in any order, at most `slop` other words from first to last."""

    words: tuple[str, ...]
    slop: int
    field: Field | None = None
    pos: int = dataclasses.field(default=0, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Tag:
    """`source_tag:TEXT`: the article's source carries the tag `text` (folded; whole, or a
    pattern with `*` and `?`). Not a word of any text: it highlights nothing."""

    text: str
    pos: int = dataclasses.field(default=0, compare=False, repr=False)
    field: ClassVar[Literal["source_tag"]] = TAG_FIELD

    @property
    def is_wildcard(self) -> bool:
        return "*" in self.text or "?" in self.text


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


Leaf = Term | Phrase | Near | Tag
Node = Term | Phrase | Near | Tag | And | Or | Not


def conj(children: Iterable[Node]) -> Node:
    """AND of `children`, flattened (an And never holds an And); one child is itself."""
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, And) else (child,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def disj(children: Iterable[Node]) -> Node:
    """OR of `children`, flattened (an Or never holds an Or); one child is itself."""
    flat: list[Node] = []
    for child in children:
        flat.extend(child.children if isinstance(child, Or) else (child,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def leaves(node: Node) -> Iterable[Leaf]:
    """Every leaf under `node`, left to right."""
    if isinstance(node, And | Or):
        for child in node.children:
            yield from leaves(child)
    elif isinstance(node, Not):
        yield from leaves(node.child)
    else:
        yield node


def depth(node: Node) -> int:
    """How many levels the tree has (a leaf is 1), without recursing: any depth is safe."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(current, And | Or):
            stack.extend((child, level + 1) for child in current.children)
        elif isinstance(current, Not):
            stack.append((current.child, level + 1))
    return deepest


def _word(text: str) -> str:
    return f'"{text}"' if text in RESERVED else text


def _leaf_text(leaf: Leaf) -> str:
    if isinstance(leaf, Tag):
        return leaf.text
    if isinstance(leaf, Term):
        return _word(leaf.text)
    quoted = '"' + " ".join(leaf.words) + '"'
    return f"{quoted}~{leaf.slop}" if isinstance(leaf, Near) else quoted


def _common_field(node: Node) -> Scope | None:
    fields = {leaf.field for leaf in leaves(node)}
    if len(fields) == 1:
        return fields.pop()
    return None


def _render(node: Node, scoped: bool) -> str:
    if isinstance(node, Not):
        inner = _render(node.child, scoped)
        return f"NOT ({inner})" if isinstance(node.child, And | Or) else f"NOT {inner}"
    if isinstance(node, And | Or):
        field = None if scoped else _common_field(node)
        in_scope = scoped or field is not None
        parts = []
        for child in node.children:
            text = _render(child, in_scope)
            grouped = isinstance(child, And | Or) and (in_scope or _common_field(child) is None)
            parts.append(f"({text})" if grouped else text)
        joined = (" AND " if isinstance(node, And) else " OR ").join(parts)
        return f"{field}:({joined})" if field is not None else joined
    text = _leaf_text(node)
    return text if scoped or node.field is None else f"{node.field}:{text}"


def render(node: Node) -> str:
    """Normalized query text: explicit operators, parentheses, fields; parses back to `node`."""
    return _render(node, scoped=False)
