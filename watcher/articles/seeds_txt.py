"""Reader for the seeds .txt layout: source, headline, time, lead, body, separated by blank lines.

line 1  source              ("The Limited Times", "Reuters")
line 2  blank
line 3  headline            (may be blank)
line 4  blank
line 5  publication time    ("5/21/2020, 5:38:06 PM", "26-FEB-1987 15:01:01.79")
line 6  blank
then    the lead paragraph, a blank line, and the body (paragraphs kept)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from watcher.articles.dates import default_moment, parse_time
from watcher.articles.decode import tidy_block
from watcher.model import Article

if TYPE_CHECKING:
    from datetime import datetime

    from watcher.articles import ReadContext

_HEADER_LINES = 6
_SOURCE, _BLANK_1, _HEADLINE, _BLANK_2, _TIME, _BLANK_3 = range(_HEADER_LINES)
# The time line must hold two numbers at least ("May 21, 2020"), so a bare "2" is not a time.
_TWO_NUMBERS = re.compile(r"\d+\D+\d+")


def read_seeds(text: str, ctx: ReadContext) -> Article | None:
    """The article if `text` is in the seeds layout, else None (it is then an ordinary .txt)."""
    lines = text.split("\n", _HEADER_LINES)
    published = _layout_time(lines, ctx)
    if published is None:
        return None
    rest = lines[_HEADER_LINES] if len(lines) > _HEADER_LINES else ""
    lead, body = _lead_and_body(rest.split("\n"))
    return Article(
        title=lines[_HEADLINE].strip(),
        lead=lead,
        body=body,
        source=lines[_SOURCE].strip() or ctx.default_source,
        published=published,
    )


def _layout_time(lines: list[str], ctx: ReadContext) -> datetime | None:
    """The time on line 5 if lines 2, 4 (and 6, if present) are blank; else None."""
    if len(lines) <= _TIME or lines[_BLANK_1].strip() or lines[_BLANK_2].strip():
        return None
    if len(lines) > _BLANK_3 and lines[_BLANK_3].strip():
        return None
    candidate = lines[_TIME]
    if not _TWO_NUMBERS.search(candidate):
        return None
    return parse_time(candidate, ctx.timezone, default=default_moment(ctx))


def _lead_and_body(lines: list[str]) -> tuple[str, str]:
    """The lead runs to the first blank line (none if line 7 is blank); the body is the rest."""
    end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    return tidy_block("\n".join(lines[:end])), tidy_block("\n".join(lines[end + 1 :]))
