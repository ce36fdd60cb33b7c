"""read_article(): pick the reader for a file by its extension; its bytes -> articles, warnings."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo

from watcher.articles.decode import decode_text
from watcher.articles.html import read_html
from watcher.articles.json_ import read_json
from watcher.articles.markdown import read_markdown
from watcher.articles.plain_txt import read_plain
from watcher.articles.seeds_txt import read_seeds
from watcher.errors import IngestError
from watcher.model import Article, Reading

__all__ = ["ARTICLE_SUFFIXES", "ReadContext", "read_article", "without_nul"]


@dataclass(frozen=True, slots=True)
class ReadContext:
    """What a reader needs beyond the bytes: defaults for what a format may leave out."""

    timezone: tzinfo  # zone for times written without one (zoneinfo.ZoneInfo)
    default_source: str  # source for formats that carry none
    mtime: datetime  # the file's mtime, timezone-aware; fallback time


ARTICLE_SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".json", ".html", ".htm"})


def read_article(path: str | os.PathLike[str], data: bytes, ctx: ReadContext) -> Reading:
    """Decode `data` (the file's bytes) into articles and warnings; `path` only chooses the
    reader. IngestError when the file cannot be read at all."""
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in ARTICLE_SUFFIXES:
        known = ", ".join(sorted(ARTICLE_SUFFIXES))
        raise IngestError(f"unsupported file type {suffix or '(none)'!r}; known types: {known}")
    text = decode_text(data)
    if suffix == ".txt":
        reading = read_seeds(text, ctx) or Reading((read_plain(text, ctx),))
    elif suffix == ".md":
        reading = read_markdown(text, ctx)
    elif suffix == ".json":
        reading = read_json(text, ctx)
    else:
        reading = read_html(text, ctx)
    articles = tuple(map(storable, reading.articles))
    return reading if articles == reading.articles else replace(reading, articles=articles)


# NUL and lone surrogates can arrive through escapes (JSON "\\u0000", "\\ud800"): no database
# text column takes them (PostgreSQL refuses both; a surrogate cannot even be encoded).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(article: Article) -> Article:
    """The article without NUL (dropped) and lone surrogates (U+FFFD, the replacement)."""
    texts = (article.title, article.lead, article.body, article.source, article.url or "")
    if not any(map(_unstorable, (*texts, *article.tags))):
        return article
    title, lead, body, source, url = (_clean(text) for text in texts)
    tags = tuple(_clean(tag) for tag in article.tags)
    return replace(
        article, title=title, lead=lead, body=body, source=source, url=url or None, tags=tags
    )


def _unstorable(text: str) -> bool:
    # ASCII text can hold only the NUL: a memchr instead of a regex (`isascii` reads a flag)
    return "\x00" in text if text.isascii() else _UNSTORABLE.search(text) is not None


def _clean(text: str) -> str:
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)
