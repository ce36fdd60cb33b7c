"""Tests for watcher.articles.json_: objects, lists, aliases, and the errors naming where."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from watcher.articles import ReadContext
from watcher.articles.json_ import read_json
from watcher.errors import IngestError
from watcher.model import Article

ROME = ZoneInfo("Europe/Rome")
MTIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CTX = ReadContext(timezone=ROME, default_source="Local desk", mtime=MTIME)

STORM = {
    "title": "  Storm hits coast ",
    "body": "A storm hit.\n\n\n\nRepairs take days.  ",
    "published": "2020-05-21T17:38:06",
    "source": "Daily Planet",
    "url": "https://example.com/storm",
    "tags": ["weather", " coast "],
    "lead": "A storm.",
}
STORM_ARTICLE = Article(
    title="Storm hits coast",
    lead="A storm.",
    body="A storm hit.\n\nRepairs take days.",
    source="Daily Planet",
    published=datetime(2020, 5, 21, 17, 38, 6, tzinfo=ROME),
    url="https://example.com/storm",
    tags=("weather", "coast"),
)


def read(document: object) -> list[Article]:
    reading = read_json(json.dumps(document, ensure_ascii=False), CTX)
    assert reading.warnings == ()
    return list(reading.articles)


def test_object() -> None:
    assert read(STORM) == [STORM_ARTICLE]


def test_list_in_order() -> None:
    second = {"text": "Only text.", "date": "Thu, 21 May 2020 15:00:00 GMT", "summary": "Sum."}
    assert read([STORM, second]) == [
        STORM_ARTICLE,
        Article(
            title="",
            lead="Sum.",
            body="Only text.",
            source="Local desk",
            published=datetime(2020, 5, 21, 15, 0, tzinfo=UTC),
        ),
    ]


@pytest.mark.parametrize(
    ("item", "field", "expected"),
    [
        pytest.param({"title": "T"}, "body", "", id="title-only"),
        pytest.param({"title": "T"}, "published", MTIME, id="no-time-is-mtime"),
        pytest.param({"title": "T", "url": None, "tags": None}, "url", None, id="nulls"),
        pytest.param({"title": "T", "source": ""}, "source", "Local desk", id="empty-source"),
        pytest.param({"title": 42}, "title", "42", id="number-title"),
        pytest.param({"title": "T", "tags": "solo"}, "tags", ("solo",), id="one-tag-string"),
        pytest.param({"body": "B", "text": "ignored"}, "body", "B", id="body-over-text"),
        pytest.param(
            {"title": "T", "published": 1590075486},
            "published",
            datetime(2020, 5, 21, 15, 38, 6, tzinfo=UTC),
            id="epoch",
        ),
        pytest.param({"title": "Crème brûlée"}, "title", "Crème brûlée", id="unicode"),
    ],
)
def test_fields(item: dict[str, object], field: str, expected: object) -> None:
    [article] = read(item)
    assert getattr(article, field) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param(
            '{\n  "title": "a",\n  "body": "b"\n  "url": "c"\n}',
            "invalid JSON at line 4, column 3: Expecting ',' delimiter",
            id="missing-comma",
        ),
        pytest.param(
            "{'title': 'a'}",
            "invalid JSON at line 1, column 2: Expecting property name enclosed in double quotes",
            id="single-quotes",
        ),
        pytest.param(
            '"just text"', "JSON must be an article object or a list of them, not str", id="string"
        ),
        pytest.param("[]", "JSON list holds no article objects", id="empty-list"),
        pytest.param("{}", "JSON object has neither 'title' nor 'body'/'text'", id="empty-object"),
        pytest.param(
            '[{"title": "a"}, {"url": "u", "body": "  "}]',
            "JSON item [1] has neither 'title' nor 'body'/'text'",
            id="item-without-text",
        ),
        pytest.param(
            '[{"title": "a"}, 3]',
            "JSON item [1] is int, not an article object",
            id="item-not-object",
        ),
        pytest.param(
            '[{"title": "a", "tags": [1, 2]}]',
            "JSON item [0]: 'tags' must be a list of strings",
            id="bad-tags",
        ),
        pytest.param(
            '{"title": {"en": "a"}}', "JSON object: 'title' must be text, not dict", id="bad-title"
        ),
        pytest.param(
            '{"title": "a", "published": ' + "9" * 5_000 + "}",
            "JSON holds a number of more than 4,300 digits",
            id="huge-number",
        ),
    ],
)
def test_errors(text: str, reason: str) -> None:
    with pytest.raises(IngestError) as info:
        read_json(text, CTX)
    assert info.value.message == reason


def test_times_that_do_not_parse_are_the_mtime_with_a_warning_per_item() -> None:
    items = [{"title": "A", "published": "someday"}, STORM, {"title": "C", "date": [1]}]
    reading = read_json(json.dumps(items), CTX)
    assert [a.published for a in reading.articles] == [MTIME, STORM_ARTICLE.published, MTIME]
    assert reading.warnings == (
        "JSON item [0]: cannot parse publication time 'someday'; "
        "using the file's modification time",
        "JSON item [2]: cannot parse publication time [1]; using the file's modification time",
    )
