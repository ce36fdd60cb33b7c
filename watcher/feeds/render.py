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
ATOM_NS = "http://www.w3.org/2005/Atom"
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"


def guid(spec: FeedSpec, uid: str) -> str:
    """An entry's identity: the feed's and the article's content-derived uid, so the same in
    every database, and different in every feed (newsboat, for one, keeps an id once across
    all its feeds). A feed's RSS and Atom forms are one feed: they share their ids."""
    return f"{spec.urn}:article:{uid}"


def _description(item: FeedItem) -> str:
    text = summary_html(item.lead, item.body, item.spans)
    source = html.escape(xml_safe(item.source))
    parts = [f"<p>{text}</p>" if text else "", f"<p>{source}</p>" if source else ""]
    original = safe_url(item.url)
    if original is not None:
        parts.append(f'<p><a href="{html.escape(original)}">Original article</a></p>')
    return xml_safe("".join(parts))


def _categories(item: FeedItem, site: Site) -> list[dict[str, str]]:
    tags = sorted({tag for rule in item.rules for tag in site.rule_tags.get(rule, ())})
    rules = [{"term": name, "scheme": RULE_SCHEME} for name in item.rules]
    return rules + [{"term": tag, "scheme": TAG_SCHEME} for tag in tags]


def _add_entry(
    generator: FeedGenerator, spec: FeedSpec, item: FeedItem, site: Site, rendered: str
) -> None:
    entry = generator.add_entry(order="append")
    entry.id(guid(spec, item.uid))
    entry.guid(guid(spec, item.uid), permalink=False)
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


class _AtomAlternate(BaseExtension):  # type: ignore[misc]
    """An RSS channel's atom:link to the same feed as Atom (feedgen writes only rel="self")."""

    def __init__(self) -> None:
        self.href: str | None = None

    def extend_rss(self, rss: Any) -> Any:
        if self.href:
            link = etree.Element(f"{{{ATOM_NS}}}link", href=self.href, rel="alternate")
            link.set("type", ATOM_TYPE)
            rss.find(f"channel/{{{ATOM_NS}}}link[@rel='self']").addnext(link)
        return rss


def _generator(spec: FeedSpec, items: Sequence[FeedItem], site: Site) -> FeedGenerator:
    generator = FeedGenerator()
    generator.load_extension("dc", atom=False, rss=True)
    generator.register_extension("related", _RelatedFeed, _RelatedEntry, atom=True, rss=False)
    generator.register_extension(
        "atom_alternate", _AtomAlternate, BaseEntryExtension, atom=False, rss=True
    )
    generator.id(spec.urn)
    generator.title(xml_safe(spec.title))
    generator.description(xml_safe(spec.description) or spec.title)
    generator.generator("watcher")
    newest = max((item.matched_at for item in items), default=EMPTY_FEED_TIME)
    generator.updated(newest)
    generator.lastBuildDate(newest)
    for item in items:
        _add_entry(generator, spec, item, site, _description(item))
    return generator


def _links(generator: FeedGenerator, site: Site, *feed_links: dict[str, str]) -> None:
    """The feed's own links, then the HTML index."""
    generator.link(
        # feedgen takes the last link as RSS's <link>: the HTML index, not the feed itself.
        [*feed_links, {"href": site.base_url, "rel": "alternate", "type": "text/html"}],
        replace=True,
    )


def render_feed(spec: FeedSpec, items: Sequence[FeedItem], site: Site) -> dict[str, bytes]:
    """The RSS (`.xml`) and Atom (`.atom`) documents of one feed, each linking to the other."""
    generator = _generator(spec, items, site)
    rss_url, atom_url = site.feed_url(spec, ".xml"), site.feed_url(spec, ".atom")
    _links(generator, site, {"href": rss_url, "rel": "self", "type": RSS_TYPE})
    generator.atom_alternate.href = atom_url
    rss: bytes = generator.rss_str(pretty=True)
    _links(
        generator,
        site,
        {"href": atom_url, "rel": "self", "type": ATOM_TYPE},
        {"href": rss_url, "rel": "alternate", "type": RSS_TYPE},
    )
    atom: bytes = generator.atom_str(pretty=True)
    return {".xml": rss, ".atom": atom}


def render_opml(specs: Sequence[FeedSpec], site: Site) -> bytes:
    """OPML 2.0 listing every feed once, by title, as RSS 2.0 (each links to its Atom form).

    One entry per feed: a reader that imports both forms shows each article twice, or (with
    one cache keyed by id, as newsboat) leaves one form empty."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = "watcher feeds"
    body = etree.SubElement(root, "body")
    for spec in specs:
        etree.SubElement(
            body,
            "outline",
            type="rss",
            version="RSS2",
            text=xml_safe(spec.title),
            title=xml_safe(spec.title),
            xmlUrl=site.feed_url(spec, ".xml"),
            htmlUrl=site.base_url,
        )
    return bytes(etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8"))
