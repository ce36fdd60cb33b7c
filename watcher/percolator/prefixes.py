"""Wildcard prefixes: which rules are filed under each, and which article terms each starts.

A rule the index files under the literal prefix of a wildcard word (`Tripoli*` under
`tripoli`) is a candidate when the article holds a term that starts with it; the terms
under each prefix also serve the compiled tests (`compiled.py`), which expand a wildcard
from them instead of the whole vocabulary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from watcher.percolator.compiled import Postings


class PrefixIndex:
    """Wildcard prefixes -> rules, and -> the article terms each prefix starts.

    Which prefixes a term starts with is worked out once per distinct term and remembered
    (a private, bounded memo: matching stays a pure function of rules and article), so an
    article costs two C-level set operations plus a few lookups per never-seen term.
    """

    __slots__ = (
        "_keys",
        "_lengths",
        "_matching",
        "_matching_terms",
        "_memo",
        "_memo_limit",
        "_postings",
    )

    def __init__(self, postings: dict[str, Postings], keys: Iterable[str], memo_limit: int) -> None:
        """`postings`: indexed prefix -> its rules; `keys`: every wildcard prefix of a rule."""
        self._postings = postings
        self._memo_limit = memo_limit
        self._keys = frozenset(keys).union(postings)
        self._lengths = tuple(sorted({len(k) for k in self._keys}))
        self._memo: dict[str, tuple[str, ...]] = {}
        self._matching: dict[str, tuple[str, ...]] = {}
        self._matching_terms: set[str] = set()  # the keys of _matching, for fast `&`

    def _prefixes_of(self, term: str) -> tuple[str, ...]:
        keys, size = self._keys, len(term)
        return tuple(p for n in self._lengths if n <= size and (p := term[:n]) in keys)

    def lookup(self, terms: frozenset[str]) -> dict[str, list[str]]:
        """Known prefix -> the terms it starts, for every prefix some term starts."""
        if not self._keys:
            return {}
        if len(self._memo) > self._memo_limit:
            self._memo, self._matching, self._matching_terms = {}, {}, set()
        # Local names: another thread may swap the containers; these stay consistent.
        memo, matching, matching_terms = self._memo, self._matching, self._matching_terms
        for term in terms.difference(memo):
            found = memo[term] = self._prefixes_of(term)
            if found:
                matching[term] = found
                matching_terms.add(term)
        starts: dict[str, list[str]] = {}
        for term in terms & matching_terms:
            for prefix in matching[term]:
                starts.setdefault(prefix, []).append(term)
        return starts

    def add_candidates(self, starts: Mapping[str, list[str]], found: Postings) -> None:
        """Add the rules of every indexed prefix in `starts` to `found`."""
        postings = self._postings
        for prefix in starts:
            rules = postings.get(prefix)
            if rules is not None:
                found.update(rules)
