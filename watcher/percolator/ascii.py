"""Exact phrases found in ASCII text by a pattern, without token positions.

On ASCII text the analyzer's tokens are the runs of letters and digits of the lower-cased
text (`analysis.AnalyzedField`), so a phrase of literal words occurs exactly where the
lower-cased text holds its words as whole runs with only other characters between them.
One compiled pattern per phrase says so; its literal start lets the search skip through
the text in C. The boundary before the first word is checked after a match: a look-behind
first would cost the search that literal start.

A proximity group keeps token positions (`match.py`): a pattern allowing up to `slop`
words between two was slower than positions (7.5 µs against 2.7 µs a check on Reuters
bodies). So do groups with wildcards or case-sensitive ones, and text that is not ASCII;
spans always come from positions.
"""

from __future__ import annotations

import re
import string

from watcher.query.compile import PhraseLeaf

_TOKEN_CHARS = frozenset(string.ascii_lowercase + string.digits)


def phrase_pattern(leaf: PhraseLeaf) -> re.Pattern[str] | None:
    """The pattern of an exact phrase of literal words; None for any other group."""
    if leaf.slop is not None or leaf.case_sensitive or any(w.wildcard for w in leaf.words):
        return None
    words = (re.escape(w.text) for w in leaf.words)
    return re.compile("[^a-z0-9]+".join(words) + "(?![a-z0-9])")


def found_in(pattern: re.Pattern[str], folded: str) -> bool:
    """Whether a `phrase_pattern` matches lower-cased ASCII text at the start of a token."""
    match = pattern.search(folded)
    while match is not None:
        start = match.start()
        if start == 0 or folded[start - 1] not in _TOKEN_CHARS:
            return True
        match = pattern.search(folded, start + 1)
    return False
