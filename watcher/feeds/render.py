"""Feed data -> RSS 2.0, Atom 1.0 and OPML bytes (feedgen, lxml). Pure: no clock, DB or files.

Everything is deterministic: the feed's own time is its newest entry's hit time, so rendering
the same entries twice gives the same bytes and an unchanged feed is never rewritten.
Text is always escaped (never CDATA, never passed through as markup).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree  # type: ignore[import-untyped]

from watcher.feeds.plan import FeedSpec, Site
from watcher.feeds.text import headline, safe_url, summary_html, xml_safe
from watcher.store.feeds import FeedItem

EMPTY_FEED_TIME = datetime(1970, 1, 1, tzinfo=UTC)
RULE_SCHEME = "urn:watcher:rule"
TAG_SCHEME = "urn:watcher:tag"


def guid(uid: str) -> str:
    """An entry's identity: the article's content-derived uid, the same in every database."""
    return f"urn:watcher:article:{uid}"


def _description(item: FeedItem) -> str:
    text = summary_html(item.title, item.lead, item.body, item.spans)
    source = html.escape(xml_safe(item.source))
    parts = [f"<p>{text}</p>", f"<p>{source}</p>" if source else ""]
    original = safe_url(item.url)
    if original is not None:
        parts.append(f'<p><a href="{html.escape(original)}">Original article</a></p>')
    return xml_safe("".join(parts))


def _categories(item: FeedItem, site: Site) -> list[dict[str, str]]:
    tags = sorted({tag for rule in item.rules for tag in site.rule_tags.get(rule, ())})
    rules = [{"term": name, "scheme": RULE_SCHEME} for name in item.rules]
    return rules + [{"term": tag, "scheme": TAG_SCHEME} for tag in tags]


def _add_entry(generator: FeedGenerator, item: FeedItem, site: Site, rendered: str) -> None:
    entry = generator.add_entry(order="append")
    entry.id(guid(item.uid))
    entry.guid(guid(item.uid), permalink=False)
    entry.title(headline(item.title, item.lead, item.body))
    entry.link(href=site.article_url(item.uid), rel="alternate")
    entry.related.href = safe_url(item.url)
    entry.published(item.published)
    entry.updated(item.matched_at)
    source = xml_safe(item.source).strip()
    if source:
        entry.author(name=source)
        entry.dc.dc_creator(source)
    for category in _categories(item, site):
        entry.category(category)
    entry.content(rendered, type="html")


class _RelatedFeed(BaseExtension):  # type: ignore[misc]
    """Feed half of the `related` extension: adds nothing."""


class _RelatedEntry(BaseEntryExtension):  # type: ignore[misc]
    """An Atom entry's link to the article's original URL, written with its rel and type
    (feedgen 1.0's own entry links drop both, which would make two alternate links)."""

    def __init__(self) -> None:
        self.href: str | None = None

    def extend_atom(self, entry: Any) -> Any:
        if self.href:
            etree.SubElement(entry, "link", href=self.href, rel="related", type="text/html")
        return entry


def _generator(spec: FeedSpec, items: Sequence[FeedItem], site: Site) -> FeedGenerator:
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.register_extension("related", _RelatedFeed, _RelatedEntry, atom=True, rss=False)
    generator.id(f"urn:watcher:feed:{spec.stem}")
    generator.title(xml_safe(spec.title))
    generator.description(xml_safe(spec.description) or spec.title)
    generator.generator("watcher")
    newest = max((item.matched_at for item in items), default=EMPTY_FEED_TIME)
    generator.updated(newest)
    generator.lastBuildDate(newest)
    for item in items:
        _add_entry(generator, item, site, _description(item))
    return generator


def _links(generator: FeedGenerator, spec: FeedSpec, site: Site, suffix: str, media: str) -> None:
    generator.link(
        [
            # feedgen takes the last link as RSS's <link>: the HTML index, not the feed itself.
            {"href": site.feed_url(spec, suffix), "rel": "self", "type": media},
            {"href": site.base_url, "rel": "alternate", "type": "text/html"},
        ],
        replace=True,
    )


def render_feed(spec: FeedSpec, items: Sequence[FeedItem], site: Site) -> dict[str, bytes]:
    """The RSS (`.xml`) and Atom (`.atom`) documents of one feed."""
    generator = _generator(spec, items, site)
    _links(generator, spec, site, ".xml", "application/rss+xml")
    rss: bytes = generator.rss_str(pretty=True)
    _links(generator, spec, site, ".atom", "application/atom+xml")
    atom: bytes = generator.atom_str(pretty=True)
    return {".xml": rss, ".atom": atom}


def _outline(parent: Any, spec: FeedSpec, site: Site, suffix: str, kind: str) -> None:
    etree.SubElement(
        parent,
        "outline",
        type="rss",
        version="RSS2" if kind == "rss" else "ATOM",
        text=xml_safe(spec.title),
        title=xml_safe(spec.title),
        xmlUrl=site.feed_url(spec, suffix),
        htmlUrl=site.base_url,
    )


def render_opml(specs: Sequence[FeedSpec], site: Site) -> bytes:
    """OPML 2.0 listing every feed with its title: an RSS folder and an Atom folder."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = "watcher feeds"
    body = etree.SubElement(root, "body")
    for kind, suffix, label in (("rss", ".xml", "RSS 2.0"), ("atom", ".atom", "Atom 1.0")):
        folder = etree.SubElement(body, "outline", text=f"watcher ({label})")
        for spec in specs:
            _outline(folder, spec, site, suffix, kind)
    return bytes(etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8"))
