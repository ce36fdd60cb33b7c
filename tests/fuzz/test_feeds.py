"""Fuzzing what users see of hostile articles: the RSS and Atom feeds built from any article
a reader accepts parse cleanly (feedparser, bozo 0) and Atom validates against RFC 4287's
RELAX NG schema; the article's page is valid HTML without raw control characters."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import lxml.html
from fuzz import hostile
from fuzz.test_readers import read_file
from hypothesis import assume, given
from web.feedcheck import atom_schema, check_atom, check_rss
from web.pagecheck import assert_valid_html

from watcher.errors import IngestError
from watcher.feeds.plan import FeedSpec, Site
from watcher.feeds.render import render_feed
from watcher.model import Article
from watcher.percolator.spans import RuleQuery, Texts, spans_of
from watcher.rules import RuleSet
from watcher.store.feeds import ArticleHit, ArticlePage, FeedItem
from watcher.web.app import _templates
from watcher.web.views import _article_values

SITE = Site("http://watch.example.org/", {"libya": ("mena",)})
SPEC = FeedSpec("rule", "libya", "watcher: Libya", "Articles matching Libya", ("libya",))
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
FIELDS = ("title", "lead", "body")
WORD = re.compile(r"[^\W\d_]{3,}")
# What no page may hold raw: C0 controls but tab/LF/CR, DEL, C1 controls.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def a_word_of(article: Article) -> str:
    """A query that matches the article, so feeds and pages mark something in it."""
    found = WORD.search(f"{article.title} {article.lead} {article.body}"[:5_000])
    return found.group() if found else "Libya"


def feed_item(article: Article, index: int) -> FeedItem:
    """The article as the feed build reads it back from the store: times in UTC, spans of
    the rule found again over the stored text."""
    texts = Texts(article.title, article.lead, article.body, article.source)
    spans = spans_of(texts, [RuleQuery(a_word_of(article), FIELDS, False)])
    return FeedItem(
        uid=article.content_hash(),
        title=article.title,
        lead=article.lead,
        body=article.body,
        source=article.source,
        published=article.published.astimezone(UTC),
        url=article.url,
        matched_at=T0 + timedelta(seconds=index),
        rules=("libya",),
        spans=spans,
    )


def readable(article: tuple[str, bytes]) -> list[FeedItem]:
    suffix, data = article
    _, result = read_file(suffix, data)
    assume(not isinstance(result, IngestError))
    assert not isinstance(result, IngestError)
    return [feed_item(read, i) for i, read in enumerate(result.articles[:10])]


@hostile.fuzz_settings()
@given(article=hostile.articles)
def test_feeds_of_fuzzed_articles_parse_cleanly_and_atom_validates(
    article: tuple[str, bytes],
) -> None:
    atom_schema()  # skips, saying why, when the shared schema is missing
    items = readable(article)
    documents = render_feed(SPEC, items, SITE)
    rss, atom = check_rss(documents[".xml"]), check_atom(documents[".atom"])
    assert len(rss.entries) == len(atom.entries) == len(items)


@hostile.fuzz_settings()
@given(article=hostile.articles)
def test_the_page_of_a_fuzzed_article_is_valid_html_without_control_characters(
    article: tuple[str, bytes],
) -> None:
    templates = _templates()
    for item in readable(article):
        page = ArticlePage(item.uid, item, (ArticleHit("libya", T0, backfill=False),))
        html = templates.get_template("article.html").render(_article_values(page, RuleSet()))
        assert not CONTROL.search(html), repr(CONTROL.search(html))
        assert_valid_html(html.encode("utf-8"))
        assert lxml.html.fromstring(html).cssselect("h1")
