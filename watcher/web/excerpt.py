"""A hit as a list on a page shows it: headline, where it came from, and a marked snippet.

Pure. The snippet is cut from the field the rule matched, body before lead (as the feeds
pick theirs); where the rule matched only the headline or the source, it is the start of
the lead (or of the body), so that the headline is not said twice.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from watcher.feeds.text import headline
from watcher.model import Span
from watcher.percolator.highlight import snippet
from watcher.store.pages import PageHit

SNIPPET_WIDTH = 240


@dataclass(frozen=True, slots=True)
class ListedHit:
    uid: str
    headline: str
    rule: str
    rule_page: bool  # whether the rule is in the current rules (it then has a page)
    source: str
    published: datetime
    matched_at: datetime
    backfill: bool
    snippet: Markup


def excerpt(lead: str, body: str, spans: Collection[Span]) -> Markup:
    """Escaped HTML: about SNIPPET_WIDTH characters of the article, matches in <mark>."""
    for field, text in (("body", body), ("lead", lead)):
        marks = [span for span in spans if span.field == field]
        if marks and text.strip():
            return _safe(snippet(text, marks, width=SNIPPET_WIDTH))
    return _safe(snippet(lead if lead.strip() else body, [], width=SNIPPET_WIDTH))


def _safe(html: str) -> Markup:
    # snippet() escapes everything but its own <mark> tags: safe to embed as markup.
    return Markup(html)  # noqa: S704


def listed(hit: PageHit, rules_with_pages: Collection[str]) -> ListedHit:
    return ListedHit(
        uid=hit.uid,
        headline=headline(hit.title, hit.lead, hit.body),
        rule=hit.rule,
        rule_page=hit.rule in rules_with_pages,
        source=hit.source,
        published=hit.published,
        matched_at=hit.matched_at,
        backfill=hit.backfill,
        snippet=excerpt(hit.lead, hit.body, hit.spans),
    )
