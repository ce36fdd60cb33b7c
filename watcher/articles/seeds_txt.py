"""Reader for the seeds .txt layout: source, headline, time, lead, body, separated by blank lines.

line 1  source              ("The Limited Times", "Reuters"; blank for default_source)
        blank
        headline            (one to four lines, joined; or one blank line for none)
        blank
        publication time    ("5/21/2020, 5:38:06 PM", "26-FEB-1987 15:01:01.79")
        blank, or the end
then    the lead paragraph, a blank line, and the body (paragraphs kept)

The layout is known by this shape, so a file in it whose time does not parse is still read
as one: the file's mtime stands in for the time, with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from watcher.articles.dates import default_moment, looks_like_time, parse_time_line, unparsed
from watcher.articles.decode import tidy_block
from watcher.model import Article, Reading

if TYPE_CHECKING:
    from watcher.articles import ReadContext

# Reuters wraps its longest headlines onto two or three lines; a longer block is a paragraph.
_MAX_HEADLINE_LINES = 4
# Source, blank, headline, blank, time, blank: the most lines the header can take.
_MAX_HEADER_LINES = 2 + _MAX_HEADLINE_LINES + 3
_SOURCE, _BLANK_AFTER_SOURCE, _HEADLINE = range(3)
# The time line must hold two numbers at least ("May 21, 2020"), so a bare "2" is not a time.
_TWO_NUMBERS = re.compile(r"\d+\D+\d+")
# A later line holding nothing but whitespace (what `str.strip` removes), with the line breaks
# on either side of it.
_BLANK_LINE = re.compile(r"\n[^\S\n]*(?:\n|\Z)")


@dataclass(frozen=True, slots=True)
class _Header:
    source: str
    headline: str
    time_line: int  # 0-based index of the publication time's line


def read_seeds(text: str, ctx: ReadContext) -> Reading | None:
    """The article if `text` has the seeds layout's shape, else None (an ordinary .txt)."""
    lines = text.split("\n", _MAX_HEADER_LINES)
    header = _header(lines)
    if header is None:
        return None
    time_text = lines[header.time_line]
    if not _TWO_NUMBERS.search(time_text):
        return None
    warnings: tuple[str, ...] = ()
    published = parse_time_line(time_text, ctx.timezone, default=default_moment(ctx))
    if published is None:
        if not looks_like_time(time_text):
            return None
        published = ctx.mtime
        warnings = (unparsed(f"line {header.time_line + 1}", time_text.strip()),)
    lead, body = _lead_and_body("\n".join(lines[header.time_line + 2 :]))
    article = Article(
        title=header.headline,
        lead=lead,
        body=body,
        source=header.source or ctx.default_source,
        published=published,
    )
    return Reading((article,), warnings)


def _header(lines: list[str]) -> _Header | None:
    """Source and headline, and where the time is, if the first lines have the layout's shape."""
    if len(lines) <= _HEADLINE or lines[_BLANK_AFTER_SOURCE].strip():
        return None
    end = _HEADLINE
    while end < len(lines) and lines[end].strip() and end - _HEADLINE < _MAX_HEADLINE_LINES:
        end += 1
    headline = " ".join(line.strip() for line in lines[_HEADLINE:end])
    if end == _HEADLINE:  # no headline: its line is left blank
        end += 1
    time_line = end + 1
    if time_line >= len(lines) or lines[end].strip():
        return None
    if time_line + 1 < len(lines) and lines[time_line + 1].strip():
        return None
    return _Header(lines[_SOURCE].strip(), headline, time_line)


def _lead_and_body(text: str) -> tuple[str, str]:
    """The lead runs to the first blank line (none if the first line is blank); the rest is body."""
    first, _, others = text.partition("\n")
    if not first.strip():
        return "", tidy_block(others)
    blank = _BLANK_LINE.search(text)
    if blank is None:
        return tidy_block(text), ""
    return tidy_block(text[: blank.start()]), tidy_block(text[blank.end() :])
