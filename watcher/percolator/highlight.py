"""Spans -> HTML: a snippet around the first matches, or the whole text, with <mark>.

Pure functions. Everything outside the marks is HTML-escaped, and characters XML 1.0
forbids (control characters, lone surrogates) become spaces, so the output is safe in
feeds, pages and mail. Pass only the spans of the field whose text is given.

For feeds, `snippet(..., strong=True)` puts each match in `<mark><strong>`: feed readers and
their sanitizers (feedparser's among them) often drop `<mark>`, and keep `<strong>`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from watcher.model import Span

ELLIPSIS = "…"
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_WHITESPACE = re.compile(r"\s+")


def merge_spans(spans: Iterable[Span], length: int) -> list[tuple[int, int]]:
    """Spans as sorted, disjoint `[start, end)` ranges inside the text."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s.start), min(length, s.end)) for s in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _escape(text: str, collapse: bool) -> str:
    text = _FORBIDDEN.sub(" ", text)
    if collapse:
        text = _WHITESPACE.sub(" ", text)
    return html.escape(text)


def _marked(
    text: str,
    ranges: list[tuple[int, int]],
    lo: int,
    hi: int,
    *,
    collapse: bool,
    strong: bool = False,
) -> str:
    opening, closing = ("<mark><strong>", "</strong></mark>") if strong else ("<mark>", "</mark>")
    out: list[str] = []
    position = lo
    for range_start, range_end in ranges:
        start, end = max(range_start, lo), min(range_end, hi)
        if start >= end:
            continue
        out.append(_escape(text[position:start], collapse))
        out.append(f"{opening}{_escape(text[start:end], collapse)}{closing}")
        position = end
    out.append(_escape(text[position:hi], collapse))
    return "".join(out)


def mark_all(text: str, spans: Iterable[Span]) -> str:
    """The whole text, escaped, with every span in <mark>."""
    return _marked(text, merge_spans(spans, len(text)), 0, len(text), collapse=False)


def _window(text: str, ranges: list[tuple[int, int]], width: int) -> tuple[int, int]:
    """About `width` characters around the first match, cut at spaces, never inside a mark."""
    length = len(text)
    if length <= width:
        return 0, length
    first_start, first_end = ranges[0] if ranges else (0, 0)
    start = max(0, first_start - width // 4)
    end = min(length, start + width)
    start = max(0, end - width)
    if start > 0:
        space = _WHITESPACE.search(text, start, first_start)
        if space is not None:
            start = space.end()
    if end < length:
        cut = end
        while cut > first_end and not text[cut].isspace():
            cut -= 1
        if cut > first_end:
            end = cut
    for range_start, range_end in ranges:
        if range_start < end < range_end:
            end = range_end
    return start, end


def snippet(text: str, spans: Iterable[Span], *, width: int = 300, strong: bool = False) -> str:
    """An escaped excerpt of about `width` characters around the first matches, marked
    (with `strong`, in `<mark><strong>`, for feed readers that drop `<mark>`)."""
    ranges = merge_spans(spans, len(text))
    start, end = _window(text, ranges, width)
    body = _marked(text, ranges, start, end, collapse=True, strong=strong).strip()
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    return f"{prefix}{body}{suffix}"
