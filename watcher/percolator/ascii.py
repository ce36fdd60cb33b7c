"""Exact phrases found in ASCII text by a pattern, without token positions.

On ASCII text the analyzer's folded text (`analysis.AnalyzedField.folded_text`) holds the
letters lower-cased, the digits, and a space for every other character, each in its place;
its tokens are the runs without spaces. So a phrase of literal words occurs exactly where
the folded text holds its words as whole runs with only spaces between them. One compiled
pattern per phrase says so; its literal start lets the search skip through the text in C.
The boundary before the first word is checked after a match: a look-behind first would
cost the search that literal start.

A proximity group is looked for in the token list (`match.py`): a pattern allowing up to
`slop` words between two was slower than token positions (7.5 µs against 2.7 µs a check on
Reuters bodies). So are groups with wildcards or case-sensitive ones, and text that is not
ASCII; spans always come from positions.
"""

from __future__ import annotations

import re

from watcher.query.compile import PhraseLeaf


def phrase_pattern(leaf: PhraseLeaf) -> re.Pattern[str] | None:
    """The pattern of an exact phrase of literal words; None for any other group."""
    if leaf.slop is not None or leaf.case_sensitive or any(w.wildcard for w in leaf.words):
        return None
    words = (re.escape(w.text) for w in leaf.words)
    return re.compile(" +".join(words) + "(?![a-z0-9])")


def found_in(pattern: re.Pattern[str], folded: str) -> bool:
    """Whether a `phrase_pattern` matches a field's folded text at the start of a token."""
    match = pattern.search(folded)
    while match is not None:
        start = match.start()
        if start == 0 or folded[start - 1] == " ":
            return True
        match = pattern.search(folded, start + 1)
    return False
