"""Hits -> notices: an alert for one article, a summary of many, a test message.

Pure: hits, rule titles, links and the time zone come in as values. A notice is Markdown
where the channel takes it (article text escaped, matched words in bold) and plain text
otherwise (matched words as `*word*`, as in the digests' text part). An alert carries the
headline, the source and time, every rule that matched the article, a highlighted snippet
and the link to the article's page; a summary lists up to `SUMMARY_ITEMS` articles and says
how many more, with a link to the feed.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from watcher.digest.model import DigestHit, Links
from watcher.feeds.text import headline, one_line, safe_url
from watcher.model import Span
from watcher.percolator.highlight import snippet

Format = Literal["markdown", "text"]
SUMMARY_ITEMS = 20
SNIPPET_WIDTH = 200
TITLE_LIMIT = 120
TIME_FORMAT = "%Y-%m-%d %H:%M %Z"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()<>#|~!])")
_MARKED = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Notice:
    """What a channel gets: a title, a body in `format`, stored as is in the outbox."""

    title: str
    body: str
    format: Format

    def to_bytes(self) -> bytes:
        return json.dumps(
            {"title": self.title, "body": self.body, "format": self.format}, ensure_ascii=False
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> Notice:
        loaded = json.loads(data.decode("utf-8"))
        fmt: Format = "markdown" if loaded.get("format") == "markdown" else "text"
        return cls(str(loaded["title"]), str(loaded["body"]), fmt)


@dataclass(frozen=True, slots=True)
class Article:
    """One article of a notice, with every rule of the channel that matched it."""

    hit: DigestHit  # the newest hit, whose version is shown
    rules: tuple[str, ...]


def articles(hits: Sequence[DigestHit]) -> list[Article]:
    """Hits grouped by article, newest published first (ties by uid: stable output)."""
    grouped: dict[str, list[DigestHit]] = {}
    for hit in hits:
        grouped.setdefault(hit.article_uid, []).append(hit)
    found = [
        Article(
            max(group, key=lambda h: (h.matched_at, h.hit_id)),
            tuple(sorted({h.rule for h in group})),
        )
        for group in grouped.values()
    ]
    found.sort(key=lambda a: a.hit.article_uid)
    found.sort(key=lambda a: a.hit.published, reverse=True)
    return found


def escape(text: str) -> str:
    """Text that Markdown shows as written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _link_target(url: str) -> str:
    """A URL that cannot end a Markdown link early."""
    return quote(url, safe=":/?#@!$&'*+,;=%~-._")


def _snippet(hit: DigestHit, fmt: Format) -> str:
    """Around the first matches in the body (or lead); matched words bold, or `*word*`."""
    for text in (hit.body, hit.lead):
        field = "body" if text is hit.body else "lead"
        spans: list[Span] = [span for span in hit.spans if span.field == field]
        if spans and text.strip():
            break
    else:
        text, spans = (hit.lead if hit.lead.strip() else hit.body), []
    if not text.strip():
        return ""
    marked = snippet(text, spans, width=SNIPPET_WIDTH)
    pieces = _MARKED.split(marked)  # even: plain text, odd: a marked word
    out = []
    for index, piece in enumerate(pieces):
        plain = html.unescape(piece)
        if fmt == "markdown":
            plain = escape(plain)
            out.append(f"**{plain}**" if index % 2 else plain)
        else:
            out.append(f"*{plain}*" if index % 2 else plain)
    return "".join(out)


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime(TIME_FORMAT)


def alert(hits: Sequence[DigestHit], links: Links, zone: ZoneInfo, fmt: Format) -> Notice:
    """One article: headline (the title), source, time, rules, snippet, links."""
    [item] = articles(hits)
    hit = item.hit
    title = headline(hit.title, hit.lead, hit.body)
    source = one_line(hit.source)
    rules = ", ".join(item.rules)
    page = links.article(hit.article_uid)
    original = safe_url(hit.url)
    text = _snippet(hit, fmt)
    if fmt == "markdown":
        meta = " · ".join(part for part in (f"**{escape(source)}**", _when(hit.published, zone)))
        lines = [f"{meta} · rules: {escape(rules)}"]
        if text:
            lines += ["", text]
        link_line = f"[Read on watcher]({_link_target(page)})"
        if original is not None:
            link_line += f" · [Original]({_link_target(original)})"
        lines += ["", link_line]
    else:
        lines = [f"{source} · {_when(hit.published, zone)} · rules: {rules}"]
        if text:
            lines += ["", text]
        lines += ["", page]
        if original is not None:
            lines.append(f"Original: {original}")
    return Notice(title=title, body="\n".join(lines), format=fmt)


def summary_title(found: Sequence[Article]) -> str:
    """`12 new: libya (8), wagner (4)`, rules by count, cut near TITLE_LIMIT characters."""
    counts: dict[str, int] = {}
    for item in found:
        for rule in item.rules:
            counts[rule] = counts.get(rule, 0) + 1
    parts = [f"{rule} ({n})" for rule, n in sorted(counts.items(), key=lambda p: (-p[1], p[0]))]
    title = f"{len(found)} new: {parts[0]}" if parts else f"{len(found)} new"
    for index, part in enumerate(parts[1:], start=1):
        if len(f"{title}, {part}, …") > TITLE_LIMIT:
            return f"{title}, …" if index < len(parts) else title
        title = f"{title}, {part}"
    return title


def summary(
    hits: Sequence[DigestHit],
    links: Links,
    zone: ZoneInfo,
    fmt: Format,
    *,
    feed_url: str,
    reason: str | None = None,
    limit: int = SUMMARY_ITEMS,
) -> Notice:
    """Many articles in one notice: up to `limit` listed, "N more" with the feed's link."""
    found = articles(hits)
    lines = [reason, ""] if reason else []
    for item in found[:limit]:
        hit = item.hit
        title = headline(hit.title, hit.lead, hit.body)
        source = one_line(hit.source)
        page = links.article(hit.article_uid)
        rules = ", ".join(item.rules)
        if fmt == "markdown":
            lines.append(
                f"- [{escape(title)}]({_link_target(page)}) — {escape(source)} · {escape(rules)}"
            )
        else:
            lines += [f"- {title} — {source} · {rules}", f"  {page}"]
    more = len(found) - limit
    if more > 0:
        target = f"[{feed_url}]({_link_target(feed_url)})" if fmt == "markdown" else feed_url
        lines += ["", f"…and {more} more: {target}"]
    return Notice(title=summary_title(found), body="\n".join(lines), format=fmt)


def probe_notice(channel: str, now: datetime, zone: ZoneInfo, fmt: Format) -> Notice:
    """What `watcher channels test` sends."""
    name = escape(channel) if fmt == "markdown" else channel
    return Notice(
        title="watcher: test message",
        body=f"This channel ({name}) reaches you. Sent {_when(now, zone)}.",
        format=fmt,
    )
