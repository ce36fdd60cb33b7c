"""A fetched body -> the feed's title and entries: RSS and Atom through feedparser, JSON Feed
read here. Anything else (an HTML page, a malformed document) is a NotAFeed naming why."""

from __future__ import annotations

import calendar
import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser
import lxml.html  # type: ignore[import-untyped]
from lxml import etree

from watcher.sources.text import clean_line, html_text

JSON_FEED_VERSION = "https://jsonfeed.org/version/"
# Longer keys (some feeds use whole URLs with tracking parameters as ids) are hashed in the
# location, which the database indexes.
KEY_MAX = 500
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html)[\s>]", re.I | re.S)


class NotAFeed(Exception):
    """The body is not a feed watcher can read; the message says what it is instead."""


@dataclass(frozen=True, slots=True)
class Entry:
    """An entry as the feed gives it, its text already plain."""

    key: str  # the entry's id, else its link, else a hash of its text: unique within the feed
    title: str
    summary: str
    content: str
    link: str | None
    published: datetime | None

    def digest(self) -> str:
        """What the feed says of the entry: when it changes, the entry is handled again."""
        published = None if self.published is None else self.published.isoformat()
        payload = [self.key, self.title, self.summary, self.content, self.link, published]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    kind: str  # rss20, atom10, json11, ... (feedparser's names, and JSON Feed's)
    title: str
    entries: tuple[Entry, ...]
    skipped: int = 0  # entries with neither a title nor any text


def parse_feed(body: bytes, *, content_type: str = "", url: str = "") -> ParsedFeed:
    """The feed in `body`; NotAFeed when it is none (an HTML page names the feeds it links)."""
    if _looks_like_json(body, content_type):
        return _json_feed(body)
    if _HTML_START.match(body[:2048]) or "html" in content_type.lower():
        raise NotAFeed(_html_reason(body, content_type, url))
    # A stream, never bytes or a string: feedparser opens those as file names or URLs.
    parsed = feedparser.parse(
        io.BytesIO(body), response_headers={"content-type": content_type, "content-location": url}
    )
    if not parsed.version:
        problem = parsed.get("bozo_exception")
        detail = f": {_first_line(str(problem))}" if problem else ""
        raise NotAFeed(f"not an RSS, Atom or JSON feed{detail}")
    entries = [_entry(raw) for raw in parsed.entries]
    kept = _unique(entry for entry in entries if entry is not None)
    if not kept and parsed.bozo:  # a feed cut short or broken: not "a feed with no entries"
        raise NotAFeed(f"malformed feed: {_first_line(str(parsed.get('bozo_exception')))}")
    title = _detail_text(parsed.feed, "title")
    return ParsedFeed(parsed.version, title, kept, sum(entry is None for entry in entries))


def _looks_like_json(body: bytes, content_type: str) -> bool:
    kind = content_type.split(";", maxsplit=1)[0].strip().lower()
    return kind in ("application/feed+json", "application/json") or body.lstrip(
        b"\xef\xbb\xbf \t\r\n"
    ).startswith(b"{")


def _json_feed(body: bytes) -> ParsedFeed:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotAFeed(f"malformed JSON Feed: {exc}") from exc
    version = document.get("version") if isinstance(document, dict) else None
    if not isinstance(version, str) or not version.startswith(JSON_FEED_VERSION):
        raise NotAFeed(f'JSON, but not a JSON Feed (no "version": "{JSON_FEED_VERSION}1.1")')
    items = document.get("items")
    if not isinstance(items, list):
        raise NotAFeed('malformed JSON Feed: "items" is not a list')
    entries = [_json_item(item) if isinstance(item, dict) else None for item in items]
    kind = "json" + version.removeprefix(JSON_FEED_VERSION).replace(".", "")
    title = clean_line(_text(document.get("title")))
    kept = _unique(entry for entry in entries if entry is not None)
    return ParsedFeed(kind, title, kept, sum(entry is None for entry in entries))


def _json_item(item: dict[str, Any]) -> Entry | None:
    link = _link(_text(item.get("url")) or _text(item.get("external_url")))
    content = _text(item.get("content_text")) or html_text(_text(item.get("content_html")))
    summary = _text(item.get("summary"))
    title = clean_line(_text(item.get("title")))
    published = _iso_time(item.get("date_published")) or _iso_time(item.get("date_modified"))
    return _make_entry(
        _text(item.get("id")),
        title=title,
        summary=summary,
        content=content,
        link=link,
        published=published,
    )


def _entry(raw: Any) -> Entry | None:
    content = max(
        (html_text(part.get("value", "")) for part in raw.get("content", [])), key=len, default=""
    )
    summary = _detail_text(raw, "summary", block=True)
    moment = raw.get("published_parsed") or raw.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(moment), UTC) if moment else None
    link = _link(raw.get("link"))
    return _make_entry(
        raw.get("id") or "",
        title=_detail_text(raw, "title"),
        summary=summary,
        content=content,
        link=link,
        published=published,
    )


def _make_entry(
    key: str,
    *,
    title: str,
    summary: str,
    content: str,
    link: str | None,
    published: datetime | None,
) -> Entry | None:
    summary, content = clean_block(summary), clean_block(content)
    if not (title or summary or content):
        return None
    key = clean_line(key) or link or ""
    if not key:
        text = json.dumps([title, summary, content], ensure_ascii=False)
        key = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    elif len(key) > KEY_MAX:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return Entry(key, title, summary, content, link, published)


def clean_block(text: str) -> str:
    return "\n\n".join(line for line in (clean_line(p) for p in text.split("\n")) if line)


def _unique(entries: Any) -> tuple[Entry, ...]:
    """The first entry of each key: a feed that repeats an id means one entry."""
    found: dict[str, Entry] = {}
    for entry in entries:
        found.setdefault(entry.key, entry)
    return tuple(found.values())


def _detail_text(node: Any, name: str, *, block: bool = False) -> str:
    """A text construct as plain text: HTML ones (feedparser's `*_detail.type`) unmarked."""
    value = node.get(name) or ""
    kind = (node.get(f"{name}_detail") or {}).get("type", "text/plain")
    text = html_text(value) if "html" in kind else value
    return text if block else clean_line(text)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _link(value: object) -> str | None:
    text = clean_line(_text(value))
    return text if text.lower().startswith(("http://", "https://")) else None


def _iso_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _html_reason(body: bytes, content_type: str, url: str) -> str:
    """Why an HTML page is no feed, and the feeds it links to, if any."""
    kind = content_type.split(";", maxsplit=1)[0].strip() or "HTML"
    reason = f"not a feed: the server sent an HTML page ({kind})"
    try:
        page = lxml.html.document_fromstring(body)
        if url:
            page.make_links_absolute(url, resolve_base_href=True)
    except (etree.ParserError, ValueError):
        return reason
    links = [
        link.get("href", "")
        for link in page.iter("link")
        if "alternate" in (link.get("rel") or "").lower().split()
        and (link.get("type") or "").lower() in FEED_TYPES
    ]
    shown = [clean_line(link) for link in links[:3] if link]
    return reason + (f" — its feeds: {', '.join(shown)}" if shown else " — check the URL")


def _first_line(text: str) -> str:
    return clean_line(text.splitlines()[0] if text else "")
