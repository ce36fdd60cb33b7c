"""A rule's boolean structure compiled once into one Python function over an article.

Evaluating a tree node by node costs a call and a dispatch per node. Instead each rule
becomes a generated function in which a conjunction of plain words is one expression of
set lookups: `(c0 in m[7] and (c1 in m[7] or c2 in m[3]))`, where `m[mask]` is the
article's folded terms in the fields of `mask` (made once per article and mask). A word
ending in its only `*` is a set operation too: `s[prefix]` lists the article's terms under
the prefix. Leaves that need more (phrases, proximity, other wildcards, case-sensitive
words) are calls of their evaluator from `match.py`, bound to the shared leaf (and, for a
group, to how it is looked for in a field, chosen once: `match.group_check`).

The code is generated per *shape* (the expression with its words as parameters `c0`,
`c1`, ...), compiled once and cached: 100,000 rules have a few hundred shapes, and each
rule is a call of its shape's factory with its own constants.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Any

from watcher.percolator.match import (
    ALL_FIELDS,
    ArticleContext,
    group_check,
    group_found,
    tag_in,
    word_in,
)
from watcher.query.compile import AllOf, AnyOf, Matcher, Negated, PhraseLeaf, TagLeaf, WordLeaf

Test = Callable[[ArticleContext], bool]
# Rule name -> its compiled test, which first looks for the words any match must contain
# that finding the rule did not show (its key and guard): merging postings is one C-level
# dict.update, duplicates collapse, and a candidate costs one call.
Postings = dict[str, Test]
# A leaf -> its evaluator, shared by the rules that hold that leaf object.
Calls = dict[WordLeaf | PhraseLeaf, Test]


def compile_test(
    root: Matcher,
    required: frozenset[str] = frozenset(),
    shown: frozenset[str] = frozenset(),
    calls: Calls | None = None,
) -> Test:
    """The function telling whether `root` matches an article: `test(ctx)`, where `ctx` was
    made by the Percolator holding `root` (its `starts` list the article's terms under
    every wildcard prefix of the percolator's rules). It first looks for the `required`
    words (those any match holds) among all the article's terms, but for those the caller
    has `shown` the article holds: one C-level test that rules most candidates out. Past
    it, no leaf looks for a required word among the article's terms again. `calls` keeps
    each leaf's evaluator, so that the rules holding one leaf object share one."""
    constants: list[Any] = []
    expression = _expression(root, constants, required, {} if calls is None else calls)
    if unshown := required - shown:
        expression = f"({_held(unshown, constants)} and {expression})"
    return _factory(expression, len(constants))(*constants)


def _constant(value: object, constants: list[Any]) -> str:
    constants.append(value)
    return f"c{len(constants) - 1}"


def _held(words: frozenset[str], constants: list[Any]) -> str:
    """That the article holds all `words`: one word is looked up as itself, a string most
    rules share, rather than as a set of one that is the rule's own."""
    if len(words) == 1:
        return f"{_constant(next(iter(words)), constants)} in m[{ALL_FIELDS}]"
    return f"{_constant(words, constants)} <= m[{ALL_FIELDS}]"


def _expression(node: Matcher, constants: list[Any], present: frozenset[str], calls: Calls) -> str:
    """`node` as an expression; `present`: words the article is known to hold by then."""
    if isinstance(node, Negated):
        return f"not {_expression(node.child, constants, present, calls)}"
    if isinstance(node, AllOf | AnyOf):
        joint = " and " if isinstance(node, AllOf) else " or "
        children = (_expression(child, constants, present, calls) for child in node.children)
        return "(" + joint.join(children) + ")"
    if isinstance(node, TagLeaf):
        return _tag_expression(node, constants)
    if isinstance(node, WordLeaf) and (lookup := _word_lookup(node, constants)) is not None:
        return lookup
    # Cheap C-level rejects before the call: a literal word of the group missing from the
    # article, or no article term starting with the wildcard's prefix.
    words = (node.word,) if isinstance(node, WordLeaf) else node.words
    literals = frozenset(() if node.case_sensitive else (w.key for w in words if not w.wildcard))
    call = f"{_constant(_leaf_call(node, literals, calls), constants)}(ctx)"
    if node.case_sensitive:
        return call
    prefixes = sorted({w.key for w in words if w.wildcard})
    unknown = literals - present
    checks = [_held(unknown, constants)] if unknown else []
    checks += [f"{_constant(prefix, constants)} in s" for prefix in prefixes]
    return "(" + " and ".join([*checks, call]) + ")"


def _leaf_call(node: WordLeaf | PhraseLeaf, literals: frozenset[str], calls: Calls) -> Test:
    """The leaf's evaluator, made once per leaf object: a rule reaches a shared one (at
    100,000 rules each object of a rule's own is a likely cache miss)."""
    found = calls.get(node)
    if found is None:
        if isinstance(node, PhraseLeaf):  # (and the same literals field by field)
            found = partial(group_found, node, group_check(node), literals)
        else:
            found = partial(word_in, node)
        calls[node] = found
    return found


def _word_lookup(node: WordLeaf, constants: list[Any]) -> str | None:
    """A case-insensitive word, or one ending in its only `*`, as set operations; else None."""
    word = node.word
    if node.case_sensitive:
        return None
    if not word.wildcard:
        return f"{_constant(word.text, constants)} in m[{node.mask}]"
    if word.text == f"{word.key}*":  # `libya*`: the article's terms under the prefix
        prefix = _constant(word.key, constants)
        return f"({prefix} in s and not m[{node.mask}].isdisjoint(s[{prefix}]))"
    return None


def _tag_expression(node: TagLeaf, constants: list[Any]) -> str:
    """A tag is a lookup among all the article's terms (tag terms are in no field's); a
    tag pattern first needs an article term under its prefix."""
    if not node.word.wildcard:
        return f"{_constant(node.word.text, constants)} in m[{ALL_FIELDS}]"
    prefix = _constant(node.word.key, constants)
    return f"({prefix} in s and {_constant(partial(tag_in, node), constants)}(ctx))"


@cache
def _factory(expression: str, arity: int) -> Callable[..., Test]:
    """`make(c0, ..., cN) -> test`, compiled once per shape; `test(ctx)` is its one call."""
    parameters = ", ".join(f"c{i}" for i in range(arity))
    # The constants become the test's defaults, not a closure: a call then reaches them as
    # locals held in one tuple, instead of one cell object each (100,000 rules lie far
    # apart in memory, and each object a candidate touches is a likely cache miss).
    defaults = ", ".join(f"c{i}=c{i}" for i in range(arity))
    source = (
        f"def make({parameters}):\n"
        f"    def test(ctx, {defaults}):\n"
        f"        m, s = ctx.masked, ctx.starts\n"
        f"        return {expression}\n"
        f"    return test\n"
    )
    namespace: dict[str, Any] = {}
    # The source is built above from operators and parameter names only; the rule's words
    # are passed as values, never written into it.
    exec(compile(source, f"<rule shape {expression[:60]}>", "exec"), namespace)  # noqa: S102
    make: Callable[..., Test] = namespace["make"]
    return make
