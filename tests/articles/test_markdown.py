"""Tests for watcher.articles.markdown: YAML 1.2 front matter, headings, and front matter errors."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from watcher.articles import ReadContext
from watcher.articles.markdown import read_markdown
from watcher.errors import IngestError
from watcher.model import Article

ROME = ZoneInfo("Europe/Rome")
MTIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CTX = ReadContext(timezone=ROME, default_source="Local desk", mtime=MTIME)

FULL = """---
title: Storm hits coast
source: Daily Planet
published: 2020-05-21 17:38:06
url: https://example.com/storm
tags: [weather, "coast"]
summary: A storm hit.
---
# Not the headline

A violent storm hit the coast.

Repairs will take *days*.
"""


def read(text: str) -> Article:
    reading = read_markdown(text, CTX)
    assert reading.warnings == ()
    [article] = reading.articles
    return article


def test_front_matter() -> None:
    assert read(FULL) == Article(
        title="Storm hits coast",
        lead="A storm hit.",
        body="# Not the headline\n\nA violent storm hit the coast.\n\nRepairs will take *days*.",
        source="Daily Planet",
        published=datetime(2020, 5, 21, 17, 38, 6, tzinfo=ROME),
        url="https://example.com/storm",
        tags=("weather", "coast"),
    )


def test_no_front_matter_heading_is_headline() -> None:
    text = "Intro line.\n\n# Storm hits coast #\n\nA storm hit.\n\n## Aftermath\n\nRepairs.\n"
    assert read(text) == Article(
        title="Storm hits coast",
        lead="",
        body="Intro line.\n\nA storm hit.\n\n## Aftermath\n\nRepairs.",
        source="Local desk",
        published=MTIME,
    )


@pytest.mark.parametrize(
    ("text", "title", "body"),
    [
        pytest.param("No heading here.\n\n## Sub\n", "", "No heading here.\n\n## Sub", id="none"),
        pytest.param(
            "```sh\n# not a heading\n```\n# Real\ntext",
            "Real",
            "```sh\n# not a heading\n```\ntext",
            id="fenced-comment-skipped",
        ),
        pytest.param("#hashtag\n# Real\n", "Real", "#hashtag", id="hashtag-is-not-heading"),
        pytest.param("---\nsource: S\n---\n# From heading\nBody", "From heading", "Body", id="fm"),
        pytest.param(
            "---\ntitle: ''\n---\n# From heading\nBody", "From heading", "Body", id="fm-empty"
        ),
    ],
)
def test_headings(text: str, title: str, body: str) -> None:
    article = read(text)
    assert (article.title, article.body) == (title, body)


@pytest.mark.parametrize(
    ("yaml_line", "field", "expected"),
    [
        pytest.param("title: NO", "title", "NO", id="yaml-1.2-no-is-text"),
        pytest.param("title: yes", "title", "yes", id="yaml-1.2-yes-is-text"),
        pytest.param("title: 2020", "title", "2020", id="number-title"),
        pytest.param("title: 2020-05-21", "title", "2020-05-21", id="date-title-as-text"),
        pytest.param("lead: Short lead", "lead", "Short lead", id="lead"),
        pytest.param("tags: solo", "tags", ("solo",), id="one-tag"),
        pytest.param("url: ''", "url", None, id="empty-url"),
    ],
)
def test_front_matter_values(yaml_line: str, field: str, expected: object) -> None:
    article = read(f"---\n{yaml_line}\n---\nBody\n")
    assert getattr(article, field) == expected


@pytest.mark.parametrize(
    ("yaml_line", "expected"),
    [
        pytest.param("published: 2020-05-21T17:38:06+02:00", "2020-05-21T17:38:06+02:00", id="off"),
        pytest.param("published: 2020-05-21T15:38:06Z", "2020-05-21T15:38:06+00:00", id="utc"),
        pytest.param("published: 2020-05-21 17:38:06", "2020-05-21T17:38:06+02:00", id="naive"),
        pytest.param("published: 2020-01-21", "2020-01-21T00:00:00+01:00", id="date"),
        pytest.param("date: 5/21/2020, 5:38:06 PM", "2020-05-21T17:38:06+02:00", id="text"),
        pytest.param("title: T", MTIME.isoformat(), id="missing"),
    ],
)
def test_published(yaml_line: str, expected: str) -> None:
    assert read(f"---\n{yaml_line}\n---\nBody\n").published.isoformat() == expected


def test_unparseable_published_warns() -> None:
    reading = read_markdown("---\npublished: someday\n---\nBody\n", CTX)
    assert [article.published for article in reading.articles] == [MTIME]
    assert reading.warnings == (
        "front matter: cannot parse publication time 'someday'; using the file's modification time",
    )


def test_empty_front_matter() -> None:
    assert read("---\n---\n# T\nBody").title == "T"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(
            "---\ntitle: ok\ntags: [a, b\nsource: x\n---\nBody",
            r"^invalid front matter at line 4, column \d+: ",
            id="unclosed-flow",
        ),
        pytest.param(
            "---\ntitle: a: b\n---\nBody",
            r"^invalid front matter at line 2, column 9: mapping values are not allowed here",
            id="bad-mapping",
        ),
        pytest.param(
            "---\ntitle: a\ntitle: b\n---\nBody",
            r"^invalid front matter at line 3, column 1: found duplicate key",
            id="duplicate-key",
        ),
        pytest.param("---\ntitle: a\nBody", r"^front matter .* never closed", id="not-closed"),
        pytest.param("---\n- a\n- b\n---\nBody", r"^front matter must be a mapping", id="list"),
        pytest.param(
            "---\ntags: {a: 1}\n---\nBody", r"^front matter: 'tags' must be a list", id="tags"
        ),
        pytest.param(
            "---\ntitle: [a]\n---\nBody", r"^front matter: 'title' must be text", id="title"
        ),
        pytest.param(
            "---\ntitle: a\nsource: b\x9d\n---\nBody",
            r"^invalid front matter at line 3: character U\+009D is not allowed in YAML$",
            id="control-character",
        ),
    ],
)
def test_front_matter_errors(text: str, reason: str) -> None:
    with pytest.raises(IngestError, match=reason) as caught:
        read(text)
    assert "\n" not in caught.value.message
