"""Semantic checks on queries: fields, words, wildcards; the negation-only warning.

The checks that need the query text raise `QuerySyntaxError` with a 1-based line and
column inside the query (`parse.py` calls them while it builds the AST); `warnings`
looks at a finished AST and returns messages for queries that are allowed but suspect.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from watcher.analysis import WILDCARDS, Token
from watcher.errors import Location, QuerySyntaxError
from watcher.model import TEXT_FIELDS
from watcher.query.nodes import TAG_FIELD, And, Near, Node, Not, Phrase, Scope, Tag, Term

QUERY_PATH = "<query>"

_OPERATOR_LOOKALIKES = {"&&": "AND", "||": "OR", "!": "NOT"}
# A source's tag as `sources:` allows it (lower-case letters, digits, dashes), with wildcards.
_TAG = re.compile(r"[a-z0-9*?][a-z0-9*?-]*")


def location(query: str, offset: int) -> Location:
    """The 1-based line and column of `offset` in `query`."""
    offset = max(0, min(offset, len(query)))
    line = query.count("\n", 0, offset) + 1
    col = offset - (query.rfind("\n", 0, offset) + 1) + 1
    return Location(QUERY_PATH, line, col)


def error(message: str, query: str, offset: int) -> QuerySyntaxError:
    return QuerySyntaxError(message, location(query, offset))


def check_not_empty(query: str) -> None:
    if not query.strip():
        raise error("empty query — write at least one word, e.g. Libya", query, 0)


def check_field(name: str, scope: Scope | None, query: str, offset: int) -> Scope:
    """`name` as a field, or an error naming the known ones; fields do not nest."""
    for field in (*TEXT_FIELDS, TAG_FIELD):
        if name == field:
            if scope is not None:
                raise error(
                    f'field "{name}" inside "{scope}:(…)" — a word is looked for in one field',
                    query,
                    offset,
                )
            return field
    raise error(
        f'unknown field "{name}" — use title, lead, body, source or source_tag', query, offset
    )


def check_tag(raw: str, query: str, offset: int) -> str:
    """The tag `raw` names after `source_tag:`, folded: whole, as `sources:` writes tags."""
    tag = raw.casefold()
    if not _TAG.fullmatch(tag):
        raise error(
            f'"{raw}" is not a tag — source_tag: takes one tag of a source, of letters, '
            "digits and dashes, e.g. source_tag:mena",
            query,
            offset,
        )
    if tag[0] in WILDCARDS:
        raise error("a tag may not start with a wildcard — give its start, e.g. me*", query, offset)
    return tag


def check_raw_word(raw: str, query: str, offset: int) -> None:
    """Reject words that are operators of other syntaxes, or match everything."""
    if raw == "*":
        raise error(
            "a bare * would match every article — give the start of a word, e.g. Libya*",
            query,
            offset,
        )
    for lookalike, operator in _OPERATOR_LOOKALIKES.items():
        if raw == lookalike or (lookalike == "!" and raw.startswith("!")):
            raise error(f'"{lookalike}" is not an operator here — use {operator}', query, offset)


def check_tokens(
    tokens: Sequence[Token], raw: str, query: str, offset: int, base: int | None = None
) -> None:
    """A word or phrase must hold letters or digits, and no word may start with a wildcard.

    `offset` is where `raw` starts in the query, `base` where the analyzed text starts.
    """
    if not tokens:
        what = "an empty phrase" if raw.startswith('"') else f'"{raw}" has no letters or digits'
        raise error(f"{what} — it can match nothing", query, offset)
    for token in tokens:
        if token.text[0] in WILDCARDS:
            raise error(
                "a term may not start with a wildcard — it would scan every word",
                query,
                (offset if base is None else base) + token.start,
            )


def _requires_word(node: Node, negated: bool = False) -> bool:
    """Whether every article the node matches must contain one of its words."""
    if isinstance(node, Term | Phrase | Near | Tag):
        return not negated
    if isinstance(node, Not):
        return _requires_word(node.child, not negated)
    children = (_requires_word(child, negated) for child in node.children)
    # NOT (a AND b) is (NOT a) OR (NOT b): negation swaps any/all.
    return any(children) if isinstance(node, And) != negated else all(children)


def warnings(node: Node) -> tuple[str, ...]:
    """Messages for a query that is allowed but probably not what its author meant."""
    if not _requires_word(node):
        return (
            "this query can match by negation alone (an article without any of its words "
            "matches); add a word it needs, e.g. Libya NOT football",
        )
    return ()
