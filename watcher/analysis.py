"""The one analyzer: NFKC, word tokens, case and accent folding, offsets into the original text.

Text and query terms go through the same code, so a query word matches a text word exactly
when both analyze to the same token. A token is a maximal run of letters and digits after
NFKC; combining marks are stripped (accent folding) and do not break a word; `casefold()`
folds case. Every token keeps the character offsets of the original text it came from.

Most news text is ASCII, where NFKC and accent folding are the identity and `casefold()` is
`lower()`: that path is one `str.translate` and a split. Other text is cut into runs that may
hold words; ASCII runs still take the fast path, the rest is folded character by character,
each character's forms computed once per process (when first met, not at import).
"""

from __future__ import annotations

import re
import string
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable
from typing import NamedTuple

from watcher.model import TEXT_FIELDS, Article, Field

WILDCARDS = "*?"
# Marks a source tag among an article's terms: no word starts with it, so a tag never meets
# a word, and no word's wildcard prefix (which starts with a letter or digit) covers a tag.
TAG_MARK = "#"


class Token(NamedTuple):
    """One word: its analyzed form and the original text's `[start, end)` it came from."""

    text: str
    start: int
    end: int


# A character's forms: pieces of (unfolded, folded) word text, a word break between
# consecutive pieces; an empty tuple is a combining mark that belongs to its word.
_Forms = tuple[tuple[str, str], ...]
_Tokenized = tuple[list[str], list[str], list[tuple[int, int]]]

_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
# ASCII letters lower-cased, every other ASCII character a space: a split gives the tokens.
_ASCII_FOLD = str.maketrans({c: c.lower() if c.isalnum() else " " for c in map(chr, range(128))})
_ASCII_PATTERN = re.compile(r"[A-Za-z0-9*?]+")
# Runs that may hold words: ASCII letters and digits, or any non-ASCII character (written
# as the ASCII characters they exclude: a class up to U+10FFFF takes 2 ms to compile).
_RUN = re.compile(r"[^\x00-/:-@\[-`{-\x7f]+")
_PATTERN_RUN = re.compile(r"[^\x00-)+-/:->@\[-`{-\x7f]+")  # and * and ?

# Positions of this many terms are found by scanning; beyond, one map of all terms.
_SCAN_LIMIT = 8


def _is_word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char) in ("Mc", "Me")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def _unfolded(text: str) -> str:
    """NFKC then accent folding; non-word characters become spaces (word breaks)."""
    stripped = _strip_marks(unicodedata.normalize("NFKC", text))
    return "".join(c if _is_word_char(c) else " " for c in stripped)


def _fold_piece(piece: str) -> str:
    """Case-fold one piece of word text, repeating until stable (casefold may add marks)."""
    for _ in range(4):
        folded = "".join(c for c in _unfolded(piece.casefold()) if c != " ")
        if folded == piece or not folded:
            break
        piece = folded
    return piece


def _char_forms(char: str) -> _Forms:
    unfolded = _unfolded(char)
    if not unfolded:
        return ()
    return tuple((p, _fold_piece(p) if p else "") for p in unfolded.split(" "))


# Each character's forms, computed when first met: the common blocks fill it in a moment,
# and it is bounded, so that text of every script there is cannot grow it without end.
_KNOWN: dict[str, _Forms] = {}
_KNOWN_MAX = 20_000


def _forms(char: str, seen: dict[str, _Forms]) -> _Forms:
    """The forms of a character: known already, else from `seen` (one text's cache)."""
    forms = _KNOWN.get(char)
    if forms is None:
        forms = seen.get(char)
        if forms is None:
            forms = _char_forms(char)
            if len(_KNOWN) < _KNOWN_MAX:
                _KNOWN[char] = forms
            else:
                seen[char] = forms
    return forms


def _tokenize_run(run: str, base: int, out: _Tokenized, seen: dict[str, _Forms]) -> None:
    """Cut one run holding non-ASCII characters into tokens, appending to `out`."""
    folded, unfolded, offsets = out
    raw_parts: list[str] = []
    fold_parts: list[str] = []
    start = end = -1
    for i, char in enumerate(run, base):
        if char < "\x80":  # inside a run, an ASCII character is a word character
            if start < 0:
                start = i
            raw_parts.append(char)
            fold_parts.append(char.lower())
            end = i + 1
            continue
        forms = _forms(char, seen)
        if not forms and start >= 0:
            end = i + 1
        for k, (raw, fold) in enumerate(forms):
            if k and start >= 0:
                unfolded.append("".join(raw_parts))
                folded.append("".join(fold_parts))
                offsets.append((start, end))
                raw_parts.clear()
                fold_parts.clear()
                start = -1
            if raw:
                if start < 0:
                    start = i
                raw_parts.append(raw)
                fold_parts.append(fold)
                end = i + 1
    if start >= 0:
        unfolded.append("".join(raw_parts))
        folded.append("".join(fold_parts))
        offsets.append((start, end))


def _tokenize_general(text: str, run_re: re.Pattern[str]) -> _Tokenized:
    """Folded terms, unfolded terms and offsets of any text."""
    out: _Tokenized = ([], [], [])
    folded, unfolded, offsets = out
    seen: dict[str, _Forms] = {}
    for match in run_re.finditer(text):
        run = match.group()
        if run.isascii():
            unfolded.append(run)
            folded.append(run.lower())
            offsets.append(match.span())
        else:
            _tokenize_run(run, match.start(), out, seen)
    return out


def _analyze(
    text: str, fold_case: bool, ascii_re: re.Pattern[str], run_re: re.Pattern[str]
) -> list[Token]:
    if text.isascii():
        if fold_case:
            return [Token(m.group().lower(), m.start(), m.end()) for m in ascii_re.finditer(text)]
        return [Token(m.group(), m.start(), m.end()) for m in ascii_re.finditer(text)]
    folded, unfolded, offsets = _tokenize_general(text, run_re)
    terms = folded if fold_case else unfolded
    return [Token(t, s, e) for t, (s, e) in zip(terms, offsets, strict=True)]


def analyze(text: str, *, fold_case: bool = True) -> list[Token]:
    """The tokens of `text`; `fold_case=False` skips only case folding."""
    return _analyze(text, fold_case, _ASCII_WORD, _RUN)


def analyze_pattern(text: str, *, fold_case: bool = True) -> list[Token]:
    """Like `analyze`, but `*` and `?` are word characters (query terms with wildcards)."""
    return _analyze(text, fold_case, _ASCII_PATTERN, _PATTERN_RUN)


def fold(word: str) -> str:
    """The case-folded form of an unfolded analyzed word (wildcards kept)."""
    return word.lower() if word.isascii() else "".join(t.text for t in analyze_pattern(word))


def _scan(terms: list[str], term: str) -> list[int]:
    """Positions of `term` in `terms`, by repeated `list.index` (a C loop)."""
    found: list[int] = []
    position = -1
    try:
        while True:
            position = terms.index(term, position + 1)
            found.append(position)
    except ValueError:
        return found


_ASCII_ALNUM = frozenset(string.ascii_letters + string.digits)  # what `_ASCII_WORD` keeps


def _find_word(text: str, term: str) -> list[tuple[int, int]]:
    """`[start, end)` of `term` as a whole token of ASCII `text`: not inside a longer run of
    letters and digits (the tokens `_ASCII_WORD` cuts). `str.find` skips to each candidate
    in C; a regex with look-arounds tries every position."""
    found: list[tuple[int, int]] = []
    width, size = len(term), len(text)
    start = text.find(term)
    while start >= 0:
        end = start + width
        if (start == 0 or text[start - 1] not in _ASCII_ALNUM) and (
            end == size or text[end] not in _ASCII_ALNUM
        ):
            found.append((start, end))
        start = text.find(term, start + 1)
    return found


def _positions(terms: list[str]) -> dict[str, list[int]]:
    positions: dict[str, list[int]] = {}
    for i, term in enumerate(terms):
        found = positions.get(term)
        if found is None:
            positions[term] = [i]
        else:
            found.append(i)
    return positions


class AnalyzedField:
    """One field's text analyzed once; everything else is computed on demand and memoized.

    On ASCII text the terms are a split of the folded text (`folded_text`); the offsets of
    the tokens (needed only to highlight) come from a second pass when first asked for, and
    those of one word from a search for that word alone (a snippet marks a few words).
    """

    __slots__ = (
        "_folded",
        "_maps",
        "_occurrences",
        "_offsets",
        "_raw",
        "_raw_set",
        "_term_offsets",
        "term_set",
        "terms",
        "text",
    )

    def __init__(self, text: str) -> None:
        self.text = text
        self._raw: list[str] | None = None
        self._offsets: list[tuple[int, int]] | None = None
        self._folded: str | None = text.translate(_ASCII_FOLD) if text.isascii() else None
        if self._folded is not None:
            self.terms: list[str] = self._folded.split()
        else:
            self.terms, self._raw, self._offsets = _tokenize_general(text, _RUN)
        self.term_set: frozenset[str] = frozenset(self.terms)
        self._raw_set: frozenset[str] | None = None
        self._occurrences: dict[tuple[str, bool], list[int]] = {}
        self._maps: dict[bool, dict[str, list[int]]] = {}
        self._term_offsets: dict[tuple[str, bool], list[tuple[int, int]]] | None = None  # to mark

    def raw_terms(self) -> list[str]:
        """The terms without case folding (for case-sensitive rules)."""
        if self._raw is None:
            self._raw = _ASCII_WORD.findall(self.text)
        return self._raw

    def raw_set(self) -> frozenset[str]:
        if self._raw_set is None:
            self._raw_set = frozenset(self.raw_terms())
        return self._raw_set

    def terms_for(self, case_sensitive: bool) -> list[str]:
        return self.raw_terms() if case_sensitive else self.terms

    def set_for(self, case_sensitive: bool) -> frozenset[str]:
        return self.raw_set() if case_sensitive else self.term_set

    def offsets(self) -> list[tuple[int, int]]:
        """`[start, end)` in `text` of every token, by position (lower-casing ASCII moves
        nothing, so the words of the text itself are the tokens)."""
        if self._offsets is None:
            self._offsets = [match.span() for match in _ASCII_WORD.finditer(self.text)]
        return self._offsets

    def offset_at(self, position: int) -> tuple[int, int]:
        """`[start, end)` of the token at `position` (folded and unfolded tokens align). On
        ASCII text, from the occurrences of that token's term alone: a phrase marks a few
        words, and every token's offsets would cost a pass over the whole text."""
        if not self._by_term():
            return self.offsets()[position]
        term = self.terms[position]
        return self.offsets_of(term)[bisect_left(self.positions_of(term), position)]

    def _by_term(self) -> bool:
        """Offsets from a search for one term alone: on ASCII text, until all are made."""
        return self._offsets is None and self.text.isascii()

    def folded_text(self) -> str:
        """The ASCII text, letters lower-cased and all else spaces: each character in place."""
        if self._folded is None:
            self._folded = self.text.translate(_ASCII_FOLD)
        return self._folded

    def offsets_of(self, term: str, case_sensitive: bool = False) -> list[tuple[int, int]]:
        """`[start, end)` of every occurrence of one term, in position order."""
        if self._by_term():
            if self._term_offsets is None:
                self._term_offsets = {}
            key = (term, case_sensitive)
            found = self._term_offsets.get(key)
            if found is None:
                text = self.text if case_sensitive else self.folded_text()
                found = self._term_offsets[key] = _find_word(text, term)
            return found
        offsets = self.offsets()
        return [offsets[p] for p in self.positions_of(term, case_sensitive)]

    def positions(self, case_sensitive: bool = False) -> dict[str, list[int]]:
        """Term -> its token positions, ascending: the whole map, made once."""
        found = self._maps.get(case_sensitive)
        if found is None:
            found = self._maps[case_sensitive] = _positions(self.terms_for(case_sensitive))
        return found

    def positions_of(self, term: str, case_sensitive: bool = False) -> list[int]:
        """Ascending token positions of one term.

        The first few terms asked for are found by scanning the token list (in C); after
        _SCAN_LIMIT of them, one pass builds the whole term -> positions map instead.
        """
        key = (term, case_sensitive)
        found = self._occurrences.get(key)
        if found is None:
            if case_sensitive in self._maps or len(self._occurrences) >= _SCAN_LIMIT:
                found = self.positions(case_sensitive).get(term, [])
            else:
                found = _scan(self.terms_for(case_sensitive), term)
            self._occurrences[key] = found
        return found

    def tokens(self, *, fold_case: bool = True) -> list[Token]:
        terms = self.terms if fold_case else self.raw_terms()
        return [Token(t, s, e) for t, (s, e) in zip(terms, self.offsets(), strict=True)]


def tag_term(tag: str) -> str:
    """A source tag as an article term (`source_tag:` is case-insensitive)."""
    return TAG_MARK + tag.casefold()


class AnalyzedArticle:
    """An article analyzed once: one `AnalyzedField` per text field, in `TEXT_FIELDS` order,
    and its source's tags as terms (`tag_term`) that only `source_tag:` looks for."""

    __slots__ = ("all_terms", "fields", "tag_terms", "text_terms")

    def __init__(self, fields: Iterable[AnalyzedField], source_tags: Iterable[str] = ()) -> None:
        self.fields: tuple[AnalyzedField, ...] = tuple(fields)
        if len(self.fields) != len(TEXT_FIELDS):
            raise ValueError(f"expected {len(TEXT_FIELDS)} fields, got {len(self.fields)}")
        title, lead, body, source = self.fields
        self.tag_terms = frozenset(tag_term(tag) for tag in source_tags)
        # The terms of the default fields (all but source), then of every field and the tags
        # (most articles have none: no third set is made for them).
        self.text_terms: frozenset[str] = title.term_set | lead.term_set | body.term_set
        self.all_terms: frozenset[str] = self.text_terms | source.term_set
        if self.tag_terms:
            self.all_terms |= self.tag_terms

    @classmethod
    def from_texts(
        cls,
        *,
        title: str = "",
        lead: str = "",
        body: str = "",
        source: str = "",
        source_tags: Iterable[str] = (),
    ) -> AnalyzedArticle:
        return cls((AnalyzedField(t) for t in (title, lead, body, source)), source_tags)

    @classmethod
    def from_article(cls, article: Article) -> AnalyzedArticle:
        fields = (AnalyzedField(article.field_text(name)) for name in TEXT_FIELDS)
        return cls(fields, article.source_tags)

    def field(self, name: Field) -> AnalyzedField:
        return self.fields[TEXT_FIELDS.index(name)]


def analyze_article(article: Article) -> AnalyzedArticle:
    """Analyze every text field of `article` once."""
    return AnalyzedArticle.from_article(article)
