"""Phrases and proximity pairs found in ASCII text by a pattern, without token positions.

On ASCII text the analyzer's tokens are the runs of letters and digits of the lower-cased
text (`analysis.AnalyzedField`), so a group of literal words occurs exactly where the
lower-cased text holds its words as whole runs with only other characters between them
(and, for a proximity pair, at most `slop` runs of letters and digits). One compiled
pattern per order of the words says so; its literal start lets the search skip through
the text in C. The boundary before the first word is checked after a match: a look-behind
first would cost the search that literal start.

Where a group has wildcards or is case-sensitive, or the text is not ASCII, matching takes
token positions instead (`match.py`); spans always come from positions.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

from watcher.query.compile import PhraseLeaf

_TOKEN_CHARS = frozenset(string.ascii_lowercase + string.digits)
_BETWEEN = "[^a-z0-9]+"  # what separates two tokens
_END = "(?![a-z0-9])"  # the last word ends its token
# Beyond this slop a pair's pattern would backtrack through many tokens: positions instead.
MAX_SLOP = 32

Patterns = tuple[re.Pattern[str], ...]


def group_patterns(leaf: PhraseLeaf) -> Patterns:
    """The patterns of an exact phrase of literal words (one) or a proximity pair of two
    different literal words (one per order); none for any other group."""
    words = [w.text for w in leaf.words]
    if leaf.case_sensitive or any(w.wildcard for w in leaf.words):
        return ()
    if leaf.slop is None:
        return (re.compile(_BETWEEN.join(map(re.escape, words)) + _END),)
    match words:
        case [first, second] if first != second and leaf.slop <= MAX_SLOP:
            gap = f"(?:{_BETWEEN}[a-z0-9]+){{0,{leaf.slop}}}{_BETWEEN}"
            a, b = re.escape(first), re.escape(second)
            return (re.compile(f"{a}{gap}{b}{_END}"), re.compile(f"{b}{gap}{a}{_END}"))
    return ()


def _found(pattern: re.Pattern[str], folded: str) -> bool:
    match = pattern.search(folded)
    while match is not None:
        start = match.start()
        if start == 0 or folded[start - 1] not in _TOKEN_CHARS:
            return True
        match = pattern.search(folded, start + 1)
    return False


def found_in(patterns: Sequence[re.Pattern[str]], folded: str) -> bool:
    """Whether one of a group's patterns matches lower-cased ASCII text at a token's start."""
    return any(_found(pattern, folded) for pattern in patterns)
