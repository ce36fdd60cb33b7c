"""A naive matcher straight from the AST, for tests: one rule at a time, no index.

Independent of `watcher.percolator.match`: words are matched by regular expressions built
from the query word, phrases by trying every start, proximity by trying every window and
every assignment of words to tokens; a `source_tag:` by a regex over the source's tags.
Slow and obviously right, on short texts.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping

from watcher.analysis import Token, analyze, analyze_pattern
from watcher.model import TEXT_FIELDS, Field, Span
from watcher.query.nodes import And, Near, Node, Not, Or, Phrase, Tag, Term
from watcher.query.parse import parse_query


def word_regex(word: str, *, case_sensitive: bool) -> re.Pattern[str]:
    """The query word (analyzed like text) as an anchored regex; * and ? as wildcards."""
    analyzed = "".join(t.text for t in analyze_pattern(word, fold_case=not case_sensitive))
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in analyzed]
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def tag_regex(tag: str) -> re.Pattern[str]:
    """A folded query tag as an anchored regex over whole tags; * and ? as wildcards."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in tag]
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


class Reference:
    """One rule evaluated the slow way."""

    def __init__(
        self,
        query: str | Node,
        *,
        fields: tuple[Field, ...] = ("title", "lead", "body"),
        case_sensitive: bool = False,
    ) -> None:
        self.node = parse_query(query) if isinstance(query, str) else query
        self.fields = fields
        self.case_sensitive = case_sensitive
        self.tags: tuple[str, ...] = ()

    def match(
        self, texts: Mapping[str, str], source_tags: Iterable[str] = ()
    ) -> tuple[Span, ...] | None:
        """Spans if the rule matches the article given as field -> text (and the tags of its
        source), else None."""
        tokens = {
            f: analyze(texts.get(f, ""), fold_case=not self.case_sensitive) for f in TEXT_FIELDS
        }
        self.tags = tuple(tag.casefold() for tag in source_tags)
        if not self._true(self.node, tokens, texts):
            return None
        spans: set[Span] = set()
        self._spans(self.node, tokens, texts, spans, negated=False)
        return tuple(sorted(spans))

    def _leaf_fields(self, leaf: Term | Phrase | Near) -> tuple[Field, ...]:
        return self.fields if leaf.field is None else (leaf.field,)

    def _regexes(self, leaf: Term | Phrase | Near) -> list[re.Pattern[str]]:
        words = (leaf.text,) if isinstance(leaf, Term) else leaf.words
        return [word_regex(w, case_sensitive=self.case_sensitive) for w in words]

    def _hits(self, leaf: Term | Phrase | Near, tokens: list[Token]) -> list[tuple[int, int]]:
        """(first, last) token index of every occurrence of the leaf in one field."""
        regexes = self._regexes(leaf)
        if isinstance(leaf, Near):
            return [(p, p) for p in _near(regexes, leaf.slop, tokens)]
        n = len(regexes)
        return [
            (s, s + n - 1)
            for s in range(len(tokens) - n + 1)
            if all(rx.match(tokens[s + i].text) for i, rx in enumerate(regexes))
        ]

    def _true(self, node: Node, tokens: dict[str, list[Token]], texts: Mapping[str, str]) -> bool:
        if isinstance(node, And):
            return all(self._true(c, tokens, texts) for c in node.children)
        if isinstance(node, Or):
            return any(self._true(c, tokens, texts) for c in node.children)
        if isinstance(node, Not):
            return not self._true(node.child, tokens, texts)
        if isinstance(node, Tag):
            return any(tag_regex(node.text).match(tag) for tag in self.tags)
        return any(self._hits(node, tokens[f]) for f in self._leaf_fields(node))

    def _spans(
        self,
        node: Node,
        tokens: dict[str, list[Token]],
        texts: Mapping[str, str],
        out: set[Span],
        *,
        negated: bool,
    ) -> None:
        if isinstance(node, And | Or):
            for child in node.children:
                self._spans(child, tokens, texts, out, negated=negated)
        elif isinstance(node, Not):
            self._spans(node.child, tokens, texts, out, negated=not negated)
        elif not negated and not isinstance(node, Tag):  # a tag is in no text
            for field in self._leaf_fields(node):
                toks, text = tokens[field], texts.get(field, "")
                for first, last in self._hits(node, toks):
                    start, end = toks[first].start, toks[last].end
                    out.add(Span(field, start, end, text[start:end]))


def _near(regexes: list[re.Pattern[str]], slop: int, tokens: list[Token]) -> set[int]:
    """Positions of group tokens inside any window that satisfies the proximity."""
    own = [i for i, t in enumerate(tokens) if any(rx.match(t.text) for rx in regexes)]
    found: set[int] = set()
    for s, e in itertools.combinations_with_replacement(own, 2):
        inside = [p for p in own if s <= p <= e]
        others = (e - s + 1) - len(inside)
        if others <= slop and _assignment(regexes, inside, tokens):
            found.update(inside)
    return found


def _assignment(regexes: list[re.Pattern[str]], inside: list[int], tokens: list[Token]) -> bool:
    """Whether each word can take a distinct token among `inside`."""
    return any(
        all(rx.match(tokens[p].text) for rx, p in zip(regexes, chosen, strict=True))
        for chosen in itertools.permutations(inside, len(regexes))
    )
