"""Random query *texts* with every operator form, and the AST each must parse to.

The expected AST is built from the generated structure by a shunting-yard pass written
for this test alone, not from luqum's tree, so it referees our parser independently.
The SPEC's precedence, loosest first: a bare space, OR, AND, then NOT / - / + (unary).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from watcher.model import Field
from watcher.query.nodes import Near, Node, Not, Phrase, Term, conj, disj

BINARY_PRECEDENCE = {" ": 1, "OR": 2, "AND": 3}
PREFIXES = ["NOT ", "-", "+"]
WORDS = ["Libya", "Tripoli", "oil", "Haftar", "wag*"]
TEXT_WORDS = ["Libya", "Tripoli", "oil", "Haftar", "Wagner", "wage"]  # for articles to match
FIELDS: list[Field] = ["title", "lead", "body"]


@dataclass(frozen=True)
class Word:
    text: str


@dataclass(frozen=True)
class Quoted:
    words: tuple[str, ...]
    slop: int | None


@dataclass(frozen=True)
class Group:
    expression: Expression
    field: Field | None


@dataclass(frozen=True)
class Operand:
    prefixes: tuple[str, ...]
    atom: Word | Quoted | Group


@dataclass(frozen=True)
class Expression:
    operands: tuple[Operand, ...]
    operators: tuple[str, ...]  # operators[i] stands between operands i and i + 1


def text_of(expression: Expression) -> str:
    parts = [_operand_text(expression.operands[0])]
    for operator, operand in zip(expression.operators, expression.operands[1:], strict=True):
        parts.append(" " if operator == " " else f" {operator} ")
        parts.append(_operand_text(operand))
    return "".join(parts)


def _operand_text(operand: Operand) -> str:
    atom = operand.atom
    if isinstance(atom, Word):
        body = atom.text
    elif isinstance(atom, Quoted):
        body = '"' + " ".join(atom.words) + '"' + ("" if atom.slop is None else f"~{atom.slop}")
    else:
        inner = f"({text_of(atom.expression)})"
        body = inner if atom.field is None else f"{atom.field}:{inner}"
    return "".join(operand.prefixes) + body


def expected_node(expression: Expression, field: Field | None = None) -> Node:
    """Shunting-yard over the operators, then the tree from the postfix order."""
    output: list[Operand | str] = []
    pending: list[str] = []
    output.append(expression.operands[0])
    for operator, operand in zip(expression.operators, expression.operands[1:], strict=True):
        # every binary operator is left-associative: pop those that bind at least as tight
        while pending and BINARY_PRECEDENCE[pending[-1]] >= BINARY_PRECEDENCE[operator]:
            output.append(pending.pop())
        pending.append(operator)
        output.append(operand)
    output.extend(reversed(pending))
    stack: list[Node] = []
    for item in output:
        if isinstance(item, Operand):
            stack.append(_operand_node(item, field))
            continue
        right, left = stack.pop(), stack.pop()
        stack.append(disj((left, right)) if item == "OR" else conj((left, right)))
    (node,) = stack
    return node


def _operand_node(operand: Operand, field: Field | None) -> Node:
    atom = operand.atom
    if isinstance(atom, Word):
        node: Node = Term(atom.text, field)
    elif isinstance(atom, Quoted):
        node = (
            Phrase(atom.words, field) if atom.slop is None else Near(atom.words, atom.slop, field)
        )
    else:
        node = expected_node(atom.expression, atom.field or field)
    # prefixes apply right to left: "NOT -a" is NOT (NOT a), "+a" is a
    for prefix in reversed(operand.prefixes):
        if prefix != "+":
            node = Not(node)
    return node


def _expressions(in_field: bool, depth: int) -> st.SearchStrategy[Expression]:
    atoms: list[st.SearchStrategy[Word | Quoted | Group]] = [
        st.builds(Word, st.sampled_from(WORDS)),
        st.builds(
            Quoted,
            st.lists(st.sampled_from(WORDS), min_size=2, max_size=3).map(tuple),
            st.one_of(st.none(), st.integers(0, 3)),
        ),
    ]
    if depth > 0:
        inner_field = st.none() if in_field else st.one_of(st.none(), st.sampled_from(FIELDS))
        atoms.append(
            inner_field.flatmap(
                lambda f: _expressions(in_field or f is not None, depth - 1).map(
                    lambda e: Group(e, f)
                )
            )
        )
    operand = st.builds(
        Operand, st.lists(st.sampled_from(PREFIXES), max_size=2).map(tuple), st.one_of(*atoms)
    )
    return st.integers(1, 5).flatmap(
        lambda n: st.builds(
            Expression,
            st.lists(operand, min_size=n, max_size=n).map(tuple),
            st.lists(st.sampled_from(list(BINARY_PRECEDENCE)), min_size=n - 1, max_size=n - 1).map(
                tuple
            ),
        )
    )


expressions = _expressions(in_field=False, depth=2)
