"""Spans -> short plain-text excerpts around the matches, for terminals and logs.

Pure. Each excerpt is a window of about `width` characters around one or more nearby
matches, cut at spaces, whitespace collapsed, control characters made visible, with the
marks' offsets into the excerpt's own text; whoever prints it decides how to mark them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from watcher.model import Span
from watcher.percolator.highlight import merge_spans

ELLIPSIS = "…"
REPLACEMENT = "\ufffd"
# Every C0 and C1 control but whitespace: printed raw they would drive the terminal.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class Excerpt:
    """`text` is the window `[start, end)` of the field's text, tidied; `marks` are
    `[start, end)` in `text`."""

    text: str
    marks: tuple[tuple[int, int], ...]
    start: int
    end: int


def _window(text: str, start: int, end: int, width: int) -> tuple[int, int]:
    """About `width` characters centred on `[start, end)`, not cutting words at either end."""
    room = max(0, width - (end - start)) // 2
    low, high = max(0, start - room), min(len(text), end + room)
    if low > 0:
        space = text.find(" ", low, start)
        low = start if space < 0 else space + 1
    if high < len(text):
        space = text.rfind(" ", end, high)
        high = end if space < 0 else space
    return low, high


def _windows(text: str, ranges: list[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    """Windows around the matches. Nearby matches share one while it stays within `width`;
    past that, the window ends before the next match, and the next window starts there."""
    windows: list[list[int]] = []  # [low, high, end of its last match]
    for start, end in ranges:
        low, high = _window(text, start, end, width)
        if windows and low <= windows[-1][1]:
            previous = windows[-1]
            if high - previous[0] <= width:
                previous[1], previous[2] = max(previous[1], high), end
                continue
            space = text.rfind(" ", previous[2], start)
            previous[1] = start if space < 0 else space
            low = start if space < 0 else space + 1
        windows.append([low, high, end])
    return [(low, high) for low, high, _ in windows]


def _collapse(text: str, low: int, high: int, ranges: list[tuple[int, int]]) -> Excerpt:
    """`text[low:high]` with whitespace runs as one space; marks moved to match."""
    out: list[str] = []
    where: dict[int, int] = {}
    for index in range(low, high):
        where[index] = len(out)
        char = text[index]
        if char.isspace():
            if out and out[-1] != " ":
                out.append(" ")
            continue
        out.append(REPLACEMENT if _CONTROL.match(char) else char)
    where[high] = len(out)
    marks = tuple(
        (where[max(start, low)], where[min(end, high)])
        for start, end in ranges
        if start < high and end > low
    )
    body = "".join(out)
    stripped = body.lstrip()
    shift = len(body) - len(stripped)
    marks = tuple((start - shift, end - shift) for start, end in marks)
    return Excerpt(stripped.rstrip(), marks, low, high)


def printable_line(text: str) -> str:
    """`text` on one line for a terminal: whitespace runs as one space, controls made visible."""
    return " ".join(_CONTROL.sub(REPLACEMENT, text).split())


def excerpts(text: str, spans: Iterable[Span], *, width: int = 240) -> list[Excerpt]:
    """Short windows around the matches of one field's `text`, in text order."""
    ranges = merge_spans(spans, len(text))
    return [_collapse(text, low, high, ranges) for low, high in _windows(text, ranges, width)]
