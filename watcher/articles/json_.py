"""Reader for .json: an article object or a list of them; also the field rules front matter uses."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from watcher.articles.dates import published_from_value
from watcher.articles.decode import tidy_block
from watcher.errors import IngestError
from watcher.model import Article, Reading

if TYPE_CHECKING:
    from collections.abc import Mapping

    from watcher.articles import ReadContext


# The keys an article object may have; the API refuses others, the reader ignores them.
ARTICLE_KEYS = (
    "title",
    "body",
    "text",
    "lead",
    "summary",
    "published",
    "date",
    "source",
    "url",
    "tags",
)


class FieldError(IngestError):
    """One key of an article object holds what it may not; `key` names it."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def read_json(text: str, ctx: ReadContext) -> Reading:
    """The articles in a JSON object or list of objects, in order."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IngestError(
            f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    except ValueError as exc:  # int() of a number past Python's limit (sys.int_info)
        raise IngestError(
            f"JSON holds a number of more than {sys.get_int_max_str_digits():,} digits"
        ) from exc
    except RecursionError as exc:
        raise IngestError(
            "JSON nested too deep to be an article (arrays or objects inside each other"
            " thousands of times)"
        ) from exc
    if isinstance(document, dict):
        items = [("JSON object", document)]
    elif not isinstance(document, list):
        kind = type(document).__name__
        raise IngestError(f"JSON must be an article object or a list of them, not {kind}")
    elif not document:
        raise IngestError("JSON list holds no article objects")
    else:
        items = [(f"JSON item [{index}]", item) for index, item in enumerate(document)]
    read = [article_from_item(item, ctx, where=where) for where, item in items]
    warnings = tuple(warning for _, warning in read if warning is not None)
    return Reading(tuple(article for article, _ in read), warnings)


def article_from_item(item: object, ctx: ReadContext, *, where: str) -> tuple[Article, str | None]:
    """One article object as an article, and the warning if its time could not be parsed;
    IngestError (FieldError for one key) when it cannot be an article."""
    if not isinstance(item, dict):
        raise IngestError(f"{where} is {type(item).__name__}, not an article object")
    body = text_field(item, "body", where) or text_field(item, "text", where)
    if not body and not text_field(item, "title", where):
        raise IngestError(f"{where} has neither 'title' nor 'body'/'text'")
    return article_from_record(item, body=body, ctx=ctx, where=where)


def article_from_record(
    record: Mapping[str, object], *, body: str, ctx: ReadContext, where: str
) -> tuple[Article, str | None]:
    """An article from a JSON object or front matter: title, lead, source, published, url, tags;
    and the warning, if its time could not be parsed."""
    published = published_from_value(
        record["published"] if "published" in record else record.get("date"), ctx, where=where
    )
    article = Article(
        title=text_field(record, "title", where),
        lead=text_field(record, "lead", where) or text_field(record, "summary", where),
        body=body,
        source=text_field(record, "source", where) or ctx.default_source,
        published=published.moment,
        url=text_field(record, "url", where) or None,
        tags=tags_field(record, where),
    )
    return article, published.warning


def text_field(record: Mapping[str, object], key: str, where: str) -> str:
    """A text field, stripped; "" when absent or null; numbers as written; else IngestError."""
    value = record.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return tidy_block(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise FieldError(f"{where}: {key!r} must be text, not {type(value).__name__}", key)


def tags_field(record: Mapping[str, object], where: str) -> tuple[str, ...]:
    """Tags from a list of strings (or one string); blanks dropped, order kept."""
    value = record.get("tags")
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(tag, str) for tag in items):
        raise FieldError(f"{where}: 'tags' must be a list of strings", "tags")
    return tuple(tag.strip() for tag in items if tag.strip())
