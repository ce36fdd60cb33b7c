"""Feed validity checks shared by the feed, web and end-to-end tests (`web.feedcheck`)."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

import feedparser
import pytest
from lxml import etree
from support import SHARED

ATOM_RNG = SHARED / "schemas" / "atom.rng"
RFC822 = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"\d{4} \d{2}:\d{2}:\d{2} ([+-]\d{4}|GMT|UT|[A-Z]{1,3})$"
)


@cache
def _atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(ATOM_RNG)))


def atom_schema() -> etree.RelaxNG:
    if not ATOM_RNG.is_file():
        pytest.skip(f"the Atom RELAX NG schema is not at {ATOM_RNG} (the shared/ folder)")
    return _atom_schema()


def parsed(data: bytes) -> Any:
    feed = feedparser.parse(data)
    assert feed.bozo == 0, feed.get("bozo_exception")
    return feed


def check_atom(data: bytes) -> Any:
    """Valid against RFC 4287's RELAX NG schema and well-formed for feedparser."""
    schema = atom_schema()
    document = etree.fromstring(data)
    assert schema.validate(document), schema.error_log
    feed = parsed(data)
    assert feed.version == "atom10"
    return feed


def check_rss(data: bytes) -> Any:
    """RSS 2.0's required elements: channel title/link/description; per item a title or
    description, a guid and an RFC 822 pubDate."""
    root = etree.fromstring(data)
    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    [channel] = root.findall("channel")
    for name in ("title", "link", "description"):
        assert (channel.findtext(name) or "").strip(), f"channel has no {name}"
    for item in channel.findall("item"):
        assert (item.findtext("title") or item.findtext("description") or "").strip()
        assert (item.findtext("guid") or "").strip()
        pub_date = item.findtext("pubDate") or ""
        assert RFC822.match(pub_date), pub_date
        assert parsedate_to_datetime(pub_date).tzinfo is not None
    feed = parsed(data)
    assert feed.version == "rss20"
    return feed


def check_feed(name: str, data: bytes) -> Any:
    return check_atom(data) if name.endswith(".atom") else check_rss(data)


def opml_outlines(data: bytes) -> list[tuple[str, str]]:
    """(title, xmlUrl) of every feed an OPML 2.0 document lists."""
    root = etree.fromstring(data)
    assert root.tag == "opml"
    assert root.get("version") == "2.0"
    assert root.findtext("head/title")
    return [(o.get("title"), o.get("xmlUrl")) for o in root.iter("outline") if o.get("xmlUrl")]
