"""Tests for watcher.articles.dates: formats, default zone, and the mtime fallback."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watcher.articles import ReadContext
from watcher.articles.dates import (
    Published,
    _exact,
    looks_like_time,
    parse_published,
    parse_time,
    parse_time_line,
    published_from_value,
)

ROME = ZoneInfo("Europe/Rome")
MTIME = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
CTX = ReadContext(timezone=ROME, default_source="Local desk", mtime=MTIME)
DEFAULT = datetime(2024, 1, 2)  # noqa: DTZ001 - a naive default, as dateutil takes it
WARNING = "published: cannot parse publication time {!r}; using the file's modification time"


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("27-MAR-1987 02:17:09.88   T C", "1987-03-27T02:17:09.880000+01:00", id="2"),
        pytest.param("27-MAR-1987 04:38:47.18   M C F", "1987-03-27T04:38:47.180000+01:00", id="3"),
        pytest.param("26-FEB-1987 15:01:01.79", "1987-02-26T15:01:01.790000+01:00", id="none"),
    ],
)
def test_time_line_may_end_in_routing_codes(text: str, expected: str) -> None:
    parsed = parse_time_line(text, ROME, default=DEFAULT)
    assert parsed is not None
    assert parsed.isoformat() == expected


def test_time_line_with_four_words_after_it_is_not_a_time() -> None:
    text = "27-MAR-1987 02:17:09.88 Reuters wire desk copy"
    assert parse_time_line(text, ROME, default=DEFAULT) is None


@pytest.mark.parametrize(
    ("text", "shaped"),
    [
        pytest.param("32/13/1987", True, id="bad-day-and-month"),
        pytest.param("May 32, 2020", True, id="month-name"),
        pytest.param("Thursday, 32 May 2020 5:38 PM EST", True, id="words-of-dates"),
        pytest.param("2020-13-45T25:61:00Z", True, id="iso"),
        pytest.param("32-MAR-1987 02:17:09.88   T C", True, id="routing-codes"),
        pytest.param("2 people died in 1987", False, id="sentence"),
        pytest.param("In 1987, 25 people died", False, id="sentence-2"),
        pytest.param("Chapter 2", False, id="one-number"),
        pytest.param("3, 4", False, id="two-numbers"),
        pytest.param("", False, id="empty"),
        pytest.param("1/2/3 " * 20, False, id="too-long"),
    ],
)
def test_looks_like_time(text: str, shaped: bool) -> None:
    assert looks_like_time(text) is shaped


@pytest.mark.parametrize("text", [pytest.param(None, id="none"), pytest.param("  ", id="blank")])
def test_missing_time_is_mtime_silently(text: str | None) -> None:
    assert parse_published(text, CTX, where="published") == Published(MTIME)


def test_unparseable_time_is_mtime_with_one_warning() -> None:
    assert parse_published("next Thursday-ish", CTX, where="published") == Published(
        MTIME, WARNING.format("next Thursday-ish")
    )


def test_parse_published_parses() -> None:
    parsed = parse_published("5/21/2020, 5:38:06 PM", CTX, where="published")
    assert parsed == Published(datetime(2020, 5, 21, 17, 38, 6, tzinfo=ROME))


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
    published = published_from_value(value, CTX, where="published")
    assert (published.moment.isoformat(), published.warning) == (expected, None)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(True, id="bool"),
        pytest.param([2020], id="list"),
        pytest.param(1e300, id="huge"),
        # Times with no UTC equivalent: every time is stored in UTC.
        pytest.param(datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=14))), id="max"),
        pytest.param(date(1, 1, 1), id="year-one-east"),  # Rome is east of Greenwich
    ],
)
def test_published_from_odd_value_warns(value: object) -> None:
    assert published_from_value(value, CTX, where="published") == Published(
        MTIME, WARNING.format(value)
    )


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("9999-12-31T23:59:59-14:00", id="iso"),
        pytest.param("Fri, 31 Dec 9999 23:59:59 -1200", id="rfc2822"),
        pytest.param("0001-01-01T00:00:00", id="naive-year-one-in-rome"),
        pytest.param("1/1/0001, 12:00:00 AM", id="seeds"),
    ],
)
def test_a_time_with_no_utc_equivalent_is_the_mtime_with_a_warning(text: str) -> None:
    published = parse_published(text, CTX, where="published")
    assert published == Published(MTIME, WARNING.format(text))


seeds_times = st.builds(
    "{}/{}/{}, {}:{:02d}:{:02d} {}".format,
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(1000, 9999),
    st.integers(0, 13),
    st.integers(0, 60),
    st.integers(0, 60),
    st.sampled_from(["AM", "PM", "am", "Pm"]),
)
wire_times = st.builds(
    "{:02d}-{}-{} {:02d}:{:02d}:{:02d}.{}".format,
    st.integers(0, 32),
    st.sampled_from(["JAN", "feb", "Mar", "SEP", "DEC", "Foo"]),
    st.integers(1000, 9999),
    st.integers(0, 24),
    st.integers(0, 60),
    st.integers(0, 60),
    st.from_regex(r"\d{1,6}", fullmatch=True),
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=st.one_of(seeds_times, wire_times))
def test_the_fast_formats_read_as_strptime_reads_them(text: str) -> None:
    """The precompiled patterns against the standard library's reading of the same formats."""
    expected = None
    for fmt in ("%m/%d/%Y, %I:%M:%S %p", "%d-%b-%Y %H:%M:%S.%f"):
        try:
            expected = datetime.strptime(text, fmt)  # noqa: DTZ007 - both naive
            break
        except ValueError:
            continue
    assert _exact(text) == expected
