"""Feeds in every format the sources read, with the text feeds really carry (markup, entities,
control characters, scripts), for the source tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TRIPOLI = "طرابلس"
HOSTILE = f"Tripoli <script>alert('x')</script> ]]> \x01\x7f \u202e{TRIPOLI}"


def rss(title: str, items: list[dict[str, str]]) -> bytes:
    """An RSS 2.0 feed; each item's `description` is HTML, escaped as RSS has it."""
    entries = "".join(
        "<item>"
        + (f"<title>{escape(item['title'])}</title>" if "title" in item else "")
        + (f"<link>{escape(item['link'])}</link>" if "link" in item else "")
        + (f"<guid isPermaLink='false'>{escape(item['guid'])}</guid>" if "guid" in item else "")
        + (
            f"<description>{escape(item['description'])}</description>"
            if "description" in item
            else ""
        )
        + (f"<pubDate>{item['date']}</pubDate>" if "date" in item else "")
        + "</item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://news.example.org/</link>"
        f"<description>News</description>{entries}</channel></rss>"
    ).encode()


def atom(title: str, entries: list[dict[str, str]]) -> bytes:
    """An Atom 1.0 feed; `content` is HTML (type="html")."""
    body = "".join(
        "<entry>"
        f"<id>{escape(entry['id'])}</id><title>{escape(entry['title'])}</title>"
        f'<link href="{escape(entry["link"])}"/>'
        f"<updated>{entry.get('updated', '2026-03-01T10:00:00Z')}</updated>"
        + (f"<summary>{escape(entry['summary'])}</summary>" if "summary" in entry else "")
        + (
            f'<content type="html">{escape(entry["content"])}</content>'
            if "content" in entry
            else ""
        )
        + "</entry>"
        for entry in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:feed</id><updated>2026-03-01T10:00:00Z</updated>"
        f"{body}</feed>"
    ).encode()


def json_feed(title: str, items: list[dict[str, object]]) -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "title": title, "items": items}
    ).encode()


def rfc822(moment: datetime) -> str:
    return format_datetime(moment, usegmt=True)


LIBYA_ITEMS = [
    {
        "title": "Clashes near Tripoli",
        "link": "https://news.example.org/1",
        "guid": "story-1",
        "description": "<p>Fighting resumed south of <b>Tripoli</b> today.</p>",
        "date": rfc822(T0),
    },
    {
        "title": "Oil output falls",
        "link": "https://news.example.org/2",
        "guid": "story-2",
        "description": "Oil production fell again.",
        "date": rfc822(T0),
    },
]
