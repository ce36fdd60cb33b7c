"""Digest hits to compose and render in tests: real values, spans found in the text."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from watcher.addresses import Mailbox
from watcher.digest.model import DigestHit, Links
from watcher.model import Field, Span

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LINKS = Links("http://watch.example.org/")
DESK = Mailbox("desk@example.org", "Desk")
SENDER = Mailbox("watcher@localhost", "watcher")
LIST_ID = "watcher digests <digests.watcher.localhost>"
MESSAGE_ID = "<digest-7.1772366400@watcher.localhost>"


def spans_of(words: Sequence[str], texts: Mapping[Field, str]) -> tuple[Span, ...]:
    """Every whole-word occurrence of `words` in the given fields, as a percolator reports."""
    found: list[Span] = []
    for field, text in texts.items():
        for word in words:
            for match in re.finditer(rf"\b{re.escape(word)}\b", text):
                found.append(Span(field, match.start(), match.end(), match.group()))
    return tuple(sorted(found))


def hit(
    hit_id: int,
    rule: str,
    uid: str,
    *,
    title: str = "Clashes near Tripoli",
    lead: str = "",
    body: str = "Fighting in Libya today, near the capital.",
    source: str = "The Limited Times",
    published: datetime = T0,
    url: str | None = "https://news.example.com/a?x=1&y=2",
    words: Sequence[str] = ("Libya",),
    backfill: bool = False,
) -> DigestHit:
    """A hit of `rule` on article `uid`, its spans where `words` occur in title, lead, body."""
    return DigestHit(
        hit_id=hit_id,
        rule=rule,
        article_uid=uid,
        title=title,
        lead=lead,
        body=body,
        source=source,
        published=published,
        url=url,
        spans=spans_of(words, {"title": title, "lead": lead, "body": body}),
        matched_at=T0,
        backfill=backfill,
    )
