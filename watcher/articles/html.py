"""Reader for .html/.htm: headline, time, site name and main text extracted by trafilatura."""

from __future__ import annotations

import logging
from types import MappingProxyType
from typing import TYPE_CHECKING

from watcher.articles.dates import parse_published
from watcher.articles.decode import tidy_block
from watcher.errors import IngestError
from watcher.model import Article, Reading

if TYPE_CHECKING:
    from watcher.articles import ReadContext

# trafilatura's warnings ("discarding data: None") only repeat, vaguely, the IngestError
# raised below; its errors still come through.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# htmldate's defaults would drop the time of day, reject dates after today (a clock) and
# silently drop dates before 1995 (an archive's older pages would take the file's mtime).
_DATE_PARAMS = MappingProxyType(
    {
        "original_date": True,
        "extensive_search": True,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
        "min_date": "1800-01-01",
        "max_date": "9999-12-31",
    }
)


def read_html(text: str, ctx: ReadContext) -> Reading:
    """One article from a web page; IngestError if no main text can be found."""
    # trafilatura takes about 0.3 s to import: paid only when an HTML file is read
    import trafilatura  # noqa: PLC0415
    from trafilatura.settings import Document  # noqa: PLC0415

    document = trafilatura.bare_extraction(
        text,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        date_extraction_params=dict(_DATE_PARAMS),
    )
    if not isinstance(document, Document):  # None when nothing is found
        raise IngestError("no article text found in the HTML page")
    title = (document.title or "").strip()
    published = parse_published(document.date, ctx, where="page date")
    article = Article(
        title=title,
        lead=tidy_block(document.description or ""),
        body=_body(document.text or "", title),
        source=(document.sitename or "").strip() or ctx.default_source,
        published=published.moment,
        url=(document.url or "").strip() or None,
        tags=_tags(document.tags or []),
    )
    return Reading((article,), () if published.warning is None else (published.warning,))


def _body(text: str, title: str) -> str:
    """trafilatura puts one paragraph per line; drop a leading repeat of the headline."""
    paragraphs = [line.strip() for line in text.split("\n") if line.strip()]
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]
    return "\n\n".join(paragraphs)


def _tags(raw: list[str]) -> tuple[str, ...]:
    """trafilatura gives `<meta name="keywords">` as one comma-separated string."""
    return tuple(tag.strip() for item in raw for tag in item.split(",") if tag.strip())
