"""Tests for watcher.articles.dates: formats, default zone, and the mtime fallback."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from watcher.articles import ReadContext
from watcher.articles.dates import parse_published, parse_time, published_from_value

ROME = ZoneInfo("Europe/Rome")
MTIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CTX = ReadContext(timezone=ROME, default_source="Local desk", mtime=MTIME)
PATH = Path("seeds/a.md")
DEFAULT = datetime(2024, 1, 2)  # noqa: DTZ001 - a naive default, as dateutil takes it
WARNING = "seeds/a.md: cannot parse publication time {!r}; using the file's modification time"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("5/21/2020, 5:38:06 PM", "2020-05-21T17:38:06+02:00", id="seeds-summer"),
        pytest.param("1/7/2020, 9:05:00 AM", "2020-01-07T09:05:00+01:00", id="seeds-winter"),
        pytest.param("12/31/2020, 12:00:00 AM", "2020-12-31T00:00:00+01:00", id="seeds-midnight"),
        pytest.param("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01.790000+01:00", id="reuters"),
        pytest.param(" 5-MAR-1987 09:18:27.20", "1987-03-05T09:18:27.200000+01:00", id="reuters-d"),
        pytest.param("2020-05-21T17:38:06Z", "2020-05-21T17:38:06+00:00", id="iso-z"),
        pytest.param("2020-05-21T17:38:06-04:00", "2020-05-21T17:38:06-04:00", id="iso-offset"),
        pytest.param("2020-05-21 17:38", "2020-05-21T17:38:00+02:00", id="iso-naive"),
        pytest.param("2020-05-21", "2020-05-21T00:00:00+02:00", id="iso-date"),
        pytest.param("Thu, 21 May 2020 17:38:06 +0200", "2020-05-21T17:38:06+02:00", id="rfc2822"),
        pytest.param("Thu, 21 May 2020 15:38:06 GMT", "2020-05-21T15:38:06+00:00", id="rfc-gmt"),
        pytest.param("21 May 2020 15:38:06 -0000", "2020-05-21T15:38:06+00:00", id="rfc-0000"),
        pytest.param("May 21, 2020 5:38 PM EST", "2020-05-21T17:38:00-05:00", id="us-est"),
        pytest.param("May 21, 2020 5:38 PM", "2020-05-21T17:38:00+02:00", id="us-naive"),
        pytest.param("5/6/2020", "2020-05-06T00:00:00+02:00", id="month-first"),
        pytest.param("10:30", "2024-01-02T10:30:00+01:00", id="time-only-uses-default-day"),
    ],
)
def test_parse_time(text: str, expected: str) -> None:
    parsed = parse_time(text, ROME, default=DEFAULT)
    assert parsed is not None
    assert parsed.isoformat() == expected


def test_zone_is_the_local_offset_not_lmt() -> None:
    parsed = parse_time("2020-07-01 12:00", ROME, default=DEFAULT)
    assert parsed is not None
    assert parsed.tzinfo is ROME
    assert parsed.utcoffset() == timedelta(hours=2)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("soon", id="word"),
        pytest.param("2020-13-45", id="bad-month"),
        pytest.param("Tuesday-ish, probably", id="vague"),
        pytest.param("9" * 200, id="too-long"),
    ],
)
def test_parse_time_none(text: str) -> None:
    assert parse_time(text, ROME, default=DEFAULT) is None


@pytest.mark.parametrize("text", [pytest.param(None, id="none"), pytest.param("  ", id="blank")])
def test_missing_time_is_mtime_silently(text: str | None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        assert parse_published(text, CTX, path=PATH) == MTIME
    assert caplog.records == []


def test_unparseable_time_is_mtime_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        assert parse_published("next Thursday-ish", CTX, path=PATH) == MTIME
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        ("watcher.articles.dates", logging.WARNING, WARNING.format("next Thursday-ish"))
    ]


def test_parse_published_parses() -> None:
    parsed = parse_published("5/21/2020, 5:38:06 PM", CTX, path=PATH)
    assert parsed == datetime(2020, 5, 21, 17, 38, 6, tzinfo=ROME)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(
            datetime(2020, 5, 21, 17, 38, 6),  # noqa: DTZ001 - YAML gives naive datetimes
            "2020-05-21T17:38:06+02:00",
            id="naive-datetime",
        ),
        pytest.param(
            datetime(2020, 5, 21, 17, 38, tzinfo=timezone(timedelta(hours=-3))),
            "2020-05-21T17:38:00-03:00",
            id="aware-datetime",
        ),
        pytest.param(date(2020, 5, 21), "2020-05-21T00:00:00+02:00", id="date"),
        pytest.param(1590075486, "2020-05-21T15:38:06+00:00", id="epoch-int"),
        pytest.param(1590075486.5, "2020-05-21T15:38:06.500000+00:00", id="epoch-float"),
        pytest.param("2020-05-21T17:38:06+02:00", "2020-05-21T17:38:06+02:00", id="text"),
        pytest.param(None, MTIME.isoformat(), id="none"),
    ],
)
def test_published_from_value(value: object, expected: str) -> None:
    assert published_from_value(value, CTX, path=PATH).isoformat() == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(True, id="bool"),
        pytest.param([2020], id="list"),
        pytest.param(1e300, id="huge"),
    ],
)
def test_published_from_odd_value_warns(value: object, caplog: pytest.LogCaptureFixture) -> None:
    assert published_from_value(value, CTX, path=PATH) == MTIME
    assert [r.getMessage() for r in caplog.records] == [WARNING.format(value)]
