"""watcher.feeds.render/plan/text: feed data -> valid, escaped, deterministic RSS/Atom/OPML."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from web.feedcheck import check_atom, check_feed, check_rss, opml_outlines

from watcher.feeds.plan import FeedSpec, Site, plan_feeds, touched
from watcher.feeds.render import guid, render_feed, render_opml
from watcher.feeds.text import headline, safe_url, summary_html, xml_safe
from watcher.model import Span
from watcher.rules import load_rules
from watcher.store.feeds import FeedItem

SITE = Site("http://watch.example.org/", {"libya": ("mena",), "oil": ()})
SPEC = FeedSpec("rule", "libya", "watcher: Libya", "Articles matching Libya", ("libya",))
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
UID = "ab" * 32

HOSTILE = {
    "control characters": "Libya\x00 \x01\x02\x08\x0b\x0c\x0e\x1f\x7f\x85\ufffe\uffff end",
    "lone surrogates": "Libya \ud800 and \udfff",
    "noncharacters": "Libya \ufdd0 \U0001fffe \U0010ffff end",
    "CDATA end": "Libya ]]> and ]]]]><![CDATA[> <![CDATA[x]]>",
    "script": "Libya <script>alert('x')</script> <img src=x onerror=alert(1)>",
    "broken HTML": "Libya <b><i>unclosed <p <a href='\"> & &amp; &#0; &bogus; </div>",
    "right-to-left": "ليبيا Libya \u202e\u200f طرابلس \u202c עברית",
    "long paragraph": "Libya " + "word " * 4000,
}


def item(title: str = "Clashes in Libya", body: str = "Fighting in Libya today.", **kw) -> FeedItem:
    values = {
        "uid": UID,
        "title": title,
        "lead": "",
        "body": body,
        "source": "The Limited Times",
        "published": T0 - timedelta(hours=2),
        "url": "https://news.example.com/a?x=1&y=2",
        "matched_at": T0,
        "rules": ("libya",),
        "spans": (Span("body", body.find("Libya"), body.find("Libya") + 5, "Libya"),),
    }
    values.update(kw)
    return FeedItem(**values)


def test_an_entry_carries_title_links_guid_dates_author_categories_and_snippet() -> None:
    documents = render_feed(SPEC, [item()], SITE)
    rss, atom = check_rss(documents[".xml"]), check_atom(documents[".atom"])
    for feed in (rss, atom):
        [entry] = feed.entries
        assert entry.title == "Clashes in Libya"
        assert entry.link == f"http://watch.example.org/articles/{UID}"
        assert entry.id == f"urn:watcher:feed:rules/libya:article:{UID}"
        assert entry.published_parsed[:5] == (2026, 3, 1, 10, 0)
        assert entry.author == "The Limited Times"
        assert {(t.term, t.scheme) for t in entry.tags} == {
            ("libya", "urn:watcher:rule"),
            ("mena", "urn:watcher:tag"),
        }
        assert "Fighting in <strong>Libya</strong> today." in entry.summary  # sanitized
    marked = "<mark><strong>Libya</strong></mark> today."
    assert all(marked in html for html in html_payloads(documents))
    assert rss.entries[0].guidislink is False
    links = {(link.rel, link.href) for link in atom.entries[0].links}
    assert ("related", "https://news.example.com/a?x=1&y=2") in links
    assert atom.entries[0].updated_parsed[:4] == (2026, 3, 1, 12)
    assert rss.feed.title == atom.feed.title == "watcher: Libya"


def test_each_format_links_to_itself_and_to_the_other() -> None:
    documents = render_feed(SPEC, [item()], SITE)
    rss, atom = check_rss(documents[".xml"]), check_atom(documents[".atom"])
    rss_url = "http://watch.example.org/feeds/rules/libya.xml"
    atom_url = "http://watch.example.org/feeds/rules/libya.atom"
    assert {(link.rel, link.type, link.href) for link in rss.feed.links} >= {
        ("self", "application/rss+xml", rss_url),
        ("alternate", "application/atom+xml", atom_url),
    }
    assert {(link.rel, link.type, link.href) for link in atom.feed.links} == {
        ("self", "application/atom+xml", atom_url),
        ("alternate", "application/rss+xml", rss_url),
        ("alternate", "text/html", "http://watch.example.org/"),
    }
    assert rss.feed.link == "http://watch.example.org/"  # RSS's own <link>: the index page


def test_an_article_has_one_id_per_feed_shared_by_its_two_formats() -> None:
    everything = FeedSpec("all", "all", "watcher: all hits", "Everything", ("libya",))
    ids = {
        (spec.stem, suffix): [entry.id for entry in check_feed(suffix, data).entries]
        for spec in (SPEC, everything)
        for suffix, data in render_feed(spec, [item()], SITE).items()
    }
    assert ids == {
        ("rules/libya", ".xml"): [f"urn:watcher:feed:rules/libya:article:{UID}"],
        ("rules/libya", ".atom"): [f"urn:watcher:feed:rules/libya:article:{UID}"],
        ("all", ".xml"): [f"urn:watcher:feed:all:article:{UID}"],
        ("all", ".atom"): [f"urn:watcher:feed:all:article:{UID}"],
    }


@pytest.mark.parametrize("suffix", [".xml", ".atom"])
def test_highlights_survive_feedparsers_sanitizer(suffix: str) -> None:
    # feedparser (like many readers) drops <mark>; the <strong> inside it stays.
    body = "Troops left Tripoli; Libya and Tripoli talk."
    spans = tuple(
        Span("body", m.start(), m.end(), m.group()) for m in re.finditer("Libya|Tripoli", body)
    )
    data = render_feed(SPEC, [item(body=body, spans=spans)], SITE)[suffix]
    [entry] = feedparser.parse(data, sanitize_html=True).entries
    assert "Troops left <strong>Tripoli</strong>; <strong>Libya</strong> and" in entry.summary
    assert re.findall("<strong>(.*?)</strong>", entry.summary) == ["Tripoli", "Libya", "Tripoli"]


def test_rss_guid_is_not_a_permalink() -> None:
    root = etree.fromstring(render_feed(SPEC, [item()], SITE)[".xml"])
    [guid_element] = root.iter("guid")
    assert guid_element.get("isPermaLink") == "false"
    assert guid_element.text == guid(SPEC, UID)


def test_feed_time_is_the_newest_hit_so_rendering_is_deterministic() -> None:
    items = [item(matched_at=T0), item(uid="cd" * 32, matched_at=T0 - timedelta(days=1))]
    first, again = render_feed(SPEC, items, SITE), render_feed(SPEC, items, SITE)
    assert first == again
    assert b"<lastBuildDate>Sun, 01 Mar 2026 12:00:00 +0000</lastBuildDate>" in first[".xml"]
    assert b"<updated>2026-03-01T12:00:00+00:00</updated>" in first[".atom"]


def test_an_empty_feed_is_valid() -> None:
    documents = render_feed(SPEC, [], SITE)
    assert check_rss(documents[".xml"]).entries == []
    assert check_atom(documents[".atom"]).entries == []


def html_payloads(documents: dict[str, bytes]) -> list[str]:
    """The HTML an RSS description and an Atom content carry, XML-unescaped."""
    rss = etree.fromstring(documents[".xml"])
    atom = etree.fromstring(documents[".atom"])
    ns = {"a": "http://www.w3.org/2005/Atom"}
    return [
        *(d.text or "" for d in rss.iter("description") if d.getparent().tag == "item"),
        *(c.text or "" for c in atom.iterfind("a:entry/a:content", ns)),
    ]


@pytest.mark.parametrize(("case", "text"), HOSTILE.items(), ids=list(HOSTILE))
def test_hostile_text_stays_valid_and_escaped(case: str, text: str) -> None:
    hostile = item(title=text, body=text, lead=text, source=text, url="javascript:alert(1)")
    documents = render_feed(SPEC, [hostile], SITE)
    for feed in (check_rss(documents[".xml"]), check_atom(documents[".atom"])):
        [entry] = feed.entries
        assert entry.title == headline(text, "", "")  # the text itself, as text
        assert entry.author == xml_safe(text).strip()
    payloads = html_payloads(documents)
    assert len(payloads) == 2
    for payload in payloads:
        assert "<mark><strong>Libya</strong></mark>" in payload
        for tag in ("<script", "<img", "<b>", "<p <a", "</div>"):
            assert tag not in payload
        if case == "script":
            assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in payload
    for data in documents.values():
        assert b"<script" not in data
        assert b"javascript:" not in data
        assert b"<![CDATA[" not in data


def test_opml_lists_every_feed_once_with_its_title() -> None:
    specs = [SPEC, FeedSpec("all", "all", "watcher: all hits", "Everything", ("libya",))]
    outlines = opml_outlines(render_opml(specs, SITE))
    assert outlines == [
        ("watcher: Libya", "http://watch.example.org/feeds/rules/libya.xml"),
        ("watcher: all hits", "http://watch.example.org/feeds/all.xml"),
    ]


def test_plan_has_enabled_rules_their_tags_and_all(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - {name: b, query: x, tags: [t2, t1]}\n  - {name: a, query: y, tags: [t1]}\n"
        "  - {name: off, query: z, tags: [t3], enabled: false}\n",
        encoding="utf-8",
    )
    specs = plan_feeds(load_rules([rules]))
    assert [(s.stem, s.rules) for s in specs] == [
        ("rules/a", ("a",)),
        ("rules/b", ("b",)),
        ("tags/t1", ("a", "b")),
        ("tags/t2", ("b",)),
        ("all", ("a", "b")),
    ]
    assert [s.stem for s in touched(specs, {"a"})] == ["rules/a", "tags/t1", "all"]
    assert touched(specs, set()) == []


def test_feeds_that_would_share_a_title_are_told_apart_by_their_path(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - {name: a, title: Libya, query: x}\n  - {name: b, title: Libya, query: y}\n"
        "  - {name: c, title: Oil, query: z}\n",
        encoding="utf-8",
    )
    titles = [spec.title for spec in plan_feeds(load_rules([rules]))]
    assert titles == [
        "watcher: Libya (rules/a)",
        "watcher: Libya (rules/b)",
        "watcher: Oil",
        "watcher: all hits",
    ]


@pytest.mark.parametrize(
    ("title", "lead", "body", "expected"),
    [
        pytest.param("  A\ttitle\n", "", "", "A title", id="title-one-line"),
        pytest.param("", "", "one two three", "one two three", id="short-body"),
        pytest.param("", "", " ".join(f"w{i}" for i in range(20)), None, id="long-body"),
        pytest.param("", "", "", "(untitled)", id="nothing"),
        pytest.param("x" * 500, "", "", "x" * 200 + "…", id="long-title"),
    ],
)
def test_headline_falls_back_to_the_first_words(
    title: str, lead: str, body: str, expected: str | None
) -> None:
    made = headline(title, lead, body)
    if expected is None:
        assert made == " ".join(f"w{i}" for i in range(12)) + "…"
    else:
        assert made == expected


def test_summary_marks_the_first_field_with_matches() -> None:
    body = "Nothing here. " * 5 + "Troops reached Tripoli at dawn."
    spans = (Span("body", body.index("Tripoli"), body.index("Tripoli") + 7, "Tripoli"),)
    assert "<mark><strong>Tripoli</strong></mark>" in summary_html("", body, spans)
    only_title = (Span("title", 0, 5, "Libya"),)
    assert summary_html("", "Body text.", only_title) == "Body text."
    assert summary_html("", "a <b> & c", ()) == "a &lt;b&gt; &amp; c"


HEADLINE = "Libya talks fail"
IN_HEADLINE = Span("title", 0, 5, "Libya")


@pytest.mark.parametrize(
    ("lead", "body", "spans", "expected"),
    [
        pytest.param(
            "Delegates left Geneva.",
            "The body.",
            (IN_HEADLINE,),
            "Delegates left Geneva.",
            id="lead",
        ),
        pytest.param("", "The body.", (IN_HEADLINE,), "The body.", id="no-lead-body-start"),
        pytest.param(
            "Libya's delegates left.",
            "The body.",
            (IN_HEADLINE, Span("lead", 0, 5, "Libya")),
            "<mark><strong>Libya</strong></mark>&#x27;s delegates left.",
            id="lead-highlighted",
        ),
        pytest.param("", "", (IN_HEADLINE,), "", id="nothing-but-a-headline"),
    ],
)
def test_a_match_only_in_the_headline_shows_the_lead_not_the_headline_again(
    lead: str, body: str, spans: tuple[Span, ...], expected: str
) -> None:
    assert summary_html(lead, body, spans) == expected
    entry = item(title=HEADLINE, lead=lead, body=body, spans=spans)
    for payload in html_payloads(render_feed(SPEC, [entry], SITE)):
        assert HEADLINE not in payload


def test_xml_safe_and_safe_url() -> None:
    assert xml_safe("a\x00b\x1fc\ud800d\ufffe") == "abcd"
    # Noncharacters: XML takes them, but an HTML parser reports each as an error.
    assert xml_safe("a\ufdd0b\ufdefc\U0001fffed\U0010ffffe\U00010000") == "abcde\U00010000"
    assert safe_url("https://x.org/a?b=1") == "https://x.org/a?b=1"
    for bad in ("javascript:alert(1)", "ftp://x", "https://x.org/a b", "", None, 'http://"x'):
        assert safe_url(bad) is None
