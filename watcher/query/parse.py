"""Query text -> our AST: luqum parses (thread-safe), we regroup, convert, check and locate.

luqum tokenizes and finds the atoms (words, phrases, groups, fields), but its grammar does not
always group operators as the SPEC says: it reads `a OR b -c` as `a OR (b AND NOT c)`. So
the operators of each parenthesis level are laid flat, in the order they were written, and
grouped again here with the SPEC's precedence, loosest first: a bare space (implicit AND),
OR, AND, then NOT/-/+. Operators are upper-case only; a lower-case `or` between two words is
a word, with a warning. Words go through the analyzer without case folding, so `al-Sarraj`
becomes the phrase "al Sarraj". luqum keeps an error's position only in its message text;
we turn it into line:col.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from luqum import tree
from luqum.exceptions import IllegalCharacterError, ParseSyntaxError
from luqum.thread import parse as luqum_parse

from watcher.analysis import analyze_pattern
from watcher.errors import QuerySyntaxError
from watcher.query import check
from watcher.query.nodes import (
    TAG_FIELD,
    Near,
    Node,
    Not,
    Phrase,
    Scope,
    Tag,
    Term,
    conj,
    depth,
    disj,
)

_UNEXPECTED = re.compile(r"unexpected\s+'.*' at position (\d+)!$", re.DOTALL)
_ILLEGAL = re.compile(r"at position (\d+)$")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_BAD_DISTANCE = re.compile(r"~[0-9]*\.[0-9.]*")
_TOKEN_AT = re.compile(r"[A-Za-z]+|\S")
_TRAILING_OPERATOR = re.compile(r"(AND|OR|NOT|[-+:])\s*$")
_HINTS: Mapping[str, str] = MappingProxyType(
    {
        ")": " — check the parentheses",
        "AND": " — it needs a term on each side",
        "OR": " — it needs a term on each side",
        ":": " — write a field name before it, e.g. title:Libya",
        "~": " — it must follow a word or a phrase",
        "^": " — it must follow a word or a phrase",
        **dict.fromkeys("[]{}", " — ranges are not supported; quote the text to search for it"),
    }
)


@dataclass(frozen=True, slots=True)
class QueryWarning:
    """Something allowed but probably not meant; `offset` into the query text, if it has one."""

    message: str
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    node: Node
    warnings: tuple[QueryWarning, ...]


def parse_query(text: str) -> Node:
    """Parse one query into our AST, or raise `QuerySyntaxError` with line and col."""
    return parse_with_warnings(text).node


def parse_with_warnings(text: str) -> ParsedQuery:
    """Parse one query, keeping the warnings found on the way (lower-case operators)."""
    check.check_not_empty(text)
    try:
        luqum_tree = luqum_parse(text)
    except ParseSyntaxError as exc:
        raise _syntax_error(text, str(exc)) from None
    except IllegalCharacterError as exc:
        raise _illegal_character(text, str(exc)) from None
    except ValueError:  # luqum's int() of a proximity distance such as ~1.5
        raise _bad_distance(text) from None
    except RecursionError:
        raise _too_deep(text) from None
    converter = _Converter(text)
    try:
        node = converter.convert(luqum_tree, None)
    except RecursionError:
        raise _too_deep(text) from None
    if depth(node) > MAX_DEPTH:  # every later step (compile, match, render) recurses
        raise _too_deep(text)
    return ParsedQuery(node, tuple(converter.warnings))


MAX_DEPTH = 100


def _too_deep(text: str) -> QuerySyntaxError:
    return check.error(
        f"the query nests more than {MAX_DEPTH} levels deep (parentheses or NOTs) —"
        " write it flatter",
        text,
        0,
    )


def _token_at(text: str, offset: int) -> str:
    match = _TOKEN_AT.match(text, offset)
    return match.group() if match else text[offset : offset + 1]


def _unclosed_paren(text: str) -> int | None:
    """Offset of the first "(" never closed, ignoring quoted phrases and escapes."""
    stack: list[int] = []
    in_quote = escaped = False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            in_quote = not in_quote
        elif not in_quote and char == "(":
            stack.append(i)
        elif not in_quote and char == ")" and stack:
            stack.pop()
    return stack[0] if stack else None


def _syntax_error(text: str, message: str) -> QuerySyntaxError:
    match = _UNEXPECTED.search(message)
    if match is None:  # unexpected end of the query
        return _early_end(text)
    offset = int(match.group(1))
    found = _token_at(text, offset)
    return check.error(f'unexpected "{found}"{_HINTS.get(found, "")}', text, offset)


def _early_end(text: str) -> QuerySyntaxError:
    paren = _unclosed_paren(text)
    if paren is not None:
        return check.error('missing ")" — this "(" is never closed', text, paren)
    operator = _TRAILING_OPERATOR.search(text)
    if operator is not None:
        word = operator.group(1)
        return check.error(f'"{word}" at the end needs a term after it', text, operator.start())
    return check.error("the query ends too early", text, len(text.rstrip()))


def _illegal_character(text: str, message: str) -> QuerySyntaxError:
    match = _ILLEGAL.search(message)
    offset = int(match.group(1)) if match else 0
    char = text[offset : offset + 1]
    if char == '"':
        return check.error('unbalanced quote — this " has no closing "', text, offset)
    if char == "'":
        return check.error('unexpected "\'" — use double quotes for a phrase', text, offset)
    if char == "/":
        return check.error("regular expressions (/…/) are not supported", text, offset)
    if char == "\\":
        return check.error("a backslash at the end escapes nothing", text, offset)
    return check.error(f'unexpected "{char}"', text, offset)


def _bad_distance(text: str) -> QuerySyntaxError:
    match = _BAD_DISTANCE.search(text)
    offset = match.start() if match else 0
    return check.error(
        'the distance after "~" must be a whole number of words, e.g. "a b"~5', text, offset
    )


def _unescape(raw: str) -> str:
    # An escaped wildcard is a literal "*" or "?", which is not a letter: a word break.
    return _ESCAPE.sub(lambda m: " " if m.group(1) in "*?" else m.group(1), raw)


_Handler = Callable[["_Converter", tree.Item, Scope | None], Node]

# Binary operators, loosest first; each level of a flat run is split on its operator.
_LEVELS = (" ", "OR", "AND")
_BINARY: Mapping[type[tree.Item], str] = MappingProxyType(
    {tree.UnknownOperation: " ", tree.OrOperation: "OR", tree.AndOperation: "AND"}
)
_UNARY = (tree.Not, tree.Prohibit, tree.Plus)
_LOOKALIKES = frozenset({"and", "or", "not"})


@dataclass(frozen=True, slots=True)
class _Operand:
    """An atom (word, phrase, group, field) with the NOT/-/+ written before it."""

    prefixes: tuple[tree.Item, ...]
    atom: tree.Item


@dataclass(frozen=True, slots=True)
class _Run:
    """One parenthesis level laid flat: operands with `operators[i]` between i and i + 1."""

    operands: list[_Operand]
    operators: list[str]


def _flatten(item: tree.Item) -> _Run:
    """`item`'s operands and operators in written order; groups and fields stay whole."""
    operator = _BINARY.get(type(item))
    if operator is not None:
        run = _Run([], [])
        for index, child in enumerate(item.children):
            part = _flatten(child)
            if index:
                run.operators.append(operator)
            run.operands.extend(part.operands)
            run.operators.extend(part.operators)
        return run
    if isinstance(item, _UNARY):
        run = _flatten(item.a)
        first = run.operands[0]
        run.operands[0] = _Operand((item, *first.prefixes), first.atom)
        return run
    return _Run([_Operand((), item)], [])


class _Converter:
    """One luqum tree -> our nodes, with the query text at hand for error positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.warnings: list[QueryWarning] = []

    def convert(self, item: tree.Item, field: Scope | None) -> Node:
        handler = _HANDLERS.get(type(item))
        if handler is None:
            return self.unsupported(item, field)
        return handler(self, item, field)

    def error(self, message: str, offset: int | None) -> QuerySyntaxError:
        return check.error(message, self.text, offset or 0)

    def operation(self, item: tree.Item, field: Scope | None) -> Node:
        """Operators and prefixes, regrouped with the SPEC's precedence (see the docstring)."""
        run = _flatten(item)
        self._warn_lookalikes(run)
        return self._group(run.operands, run.operators, 0, field)

    def _group(
        self,
        operands: Sequence[_Operand],
        operators: Sequence[str],
        level: int,
        scope: Scope | None,
    ) -> Node:
        """Split on the loosest operator left, group each side with the tighter ones."""
        if level == len(_LEVELS):  # every operator split off: one operand is left
            return self._operand(operands[0], scope)
        parts, start, tighter = [], 0, level + 1
        for index, operator in enumerate(operators):
            if operator == _LEVELS[level]:
                side = operands[start : index + 1], operators[start:index]
                parts.append(self._group(*side, tighter, scope))
                start = index + 1
        parts.append(self._group(operands[start:], operators[start:], tighter, scope))
        return disj(parts) if _LEVELS[level] == "OR" else conj(parts)

    def _operand(self, operand: _Operand, field: Scope | None) -> Node:
        node = self.convert(operand.atom, field)
        for prefix in reversed(operand.prefixes):
            if not isinstance(prefix, tree.Plus):  # +x is x: every bare term is required
                node = Not(node)
        return node

    def _warn_lookalikes(self, run: _Run) -> None:
        """`coffee or cocoa` looks for the word "or": say so when it stands between words."""
        operands, operators = run.operands, run.operators
        for index in range(1, len(operands) - 1):
            operand = operands[index]
            atom = operand.atom
            if (
                not operand.prefixes
                and isinstance(atom, tree.Word)
                and atom.value.lower() in _LOOKALIKES
                and operators[index - 1] == operators[index] == " "
            ):
                word, operator = atom.value, atom.value.upper()
                self.warnings.append(
                    QueryWarning(
                        f'"{word}" is searched as a word here — did you mean {operator}? '
                        f'Operators are upper case; to search for the word, quote it: "{word}"',
                        atom.pos,
                    )
                )

    def group(self, item: tree.Item, field: Scope | None) -> Node:
        return self.convert(item.expr, field)

    def search_field(self, item: tree.Item, field: Scope | None) -> Node:
        name = check.check_field(item.name, field, self.text, item.pos or 0)
        return self.convert(item.expr, name)

    def word(self, item: tree.Item, field: Scope | None) -> Node:
        offset = item.pos or 0
        check.check_raw_word(item.value, self.text, offset)
        if field == TAG_FIELD:
            return Tag(check.check_tag(item.value, self.text, offset), offset)
        tokens = analyze_pattern(_unescape(item.value), fold_case=False)
        check.check_tokens(tokens, item.value, self.text, offset)
        words = tuple(t.text for t in tokens)
        if len(words) == 1:
            return Term(words[0], field, offset)
        return Phrase(words, field, offset)

    def phrase(self, item: tree.Item, field: Scope | None, slop: int | None = None) -> Node:
        offset = item.pos or 0
        if field == TAG_FIELD:
            if slop is not None:
                raise self.error('"~" does not apply to a tag — write source_tag:mena', offset)
            return Tag(check.check_tag(item.value[1:-1], self.text, offset + 1), offset)
        tokens = analyze_pattern(_unescape(item.value[1:-1]), fold_case=False)
        check.check_tokens(tokens, item.value, self.text, offset, offset + 1)
        words = tuple(t.text for t in tokens)
        if len(words) == 1:
            return Term(words[0], field, offset)
        if slop is None:
            return Phrase(words, field, offset)
        return Near(words, slop, field, offset)

    def proximity(self, item: tree.Item, field: Scope | None) -> Node:
        phrase = item.term
        if item._implicit_degree:  # luqum keeps "no number given" only here
            offset = (phrase.pos or 0) + (phrase.size or 0)
            raise self.error('"~" needs a number of words, e.g. "a b"~5', offset)
        return self.phrase(phrase, field, item.degree)

    def unsupported(self, item: tree.Item, field: Scope | None) -> Node:
        del field
        if isinstance(item, tree.Fuzzy):
            offset = (item.term.pos or 0) + (item.term.size or 0)
            message = 'fuzzy search (word~) is not supported — for nearby words write "a b"~5'
        elif isinstance(item, tree.Boost):
            offset = (item.expr.pos or 0) + (item.expr.size or 0)
            message = 'boosts ("^") are not supported — remove it'
        elif isinstance(item, tree.Regex):
            offset = item.pos
            message = "regular expressions (/…/) are not supported — use * and ? in words"
        elif isinstance(item, tree.Range | tree.From | tree.To):
            offset = item.pos
            message = "ranges ([a TO b], >, <) are not supported"
        else:
            offset = item.pos
            message = f'"{item}" is not supported here'
        raise self.error(message, offset)


_HANDLERS: Mapping[type[tree.Item], _Handler] = MappingProxyType(
    {
        tree.UnknownOperation: _Converter.operation,
        tree.AndOperation: _Converter.operation,
        tree.OrOperation: _Converter.operation,
        tree.Not: _Converter.operation,
        tree.Prohibit: _Converter.operation,
        tree.Plus: _Converter.operation,
        tree.Group: _Converter.group,
        tree.FieldGroup: _Converter.group,
        tree.SearchField: _Converter.search_field,
        tree.Word: _Converter.word,
        tree.Phrase: _Converter.phrase,
        tree.Proximity: _Converter.proximity,
    }
)
