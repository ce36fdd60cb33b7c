"""Durations and sizes as users write them in the config and on the command line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from watcher.units import format_duration, parse_duration, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2s", timedelta(seconds=2), id="seconds"),
        pytest.param("500ms", timedelta(milliseconds=500), id="milliseconds"),
        pytest.param("1h30m", timedelta(hours=1, minutes=30), id="hours-minutes"),
        pytest.param("7d", timedelta(days=7), id="days"),
        pytest.param("2w", timedelta(weeks=2), id="weeks"),
        pytest.param("1y", timedelta(days=365), id="year"),
        pytest.param("1y 2w", timedelta(days=379), id="year-and-weeks"),
        pytest.param(90, timedelta(seconds=90), id="number"),
    ],
)
def test_parse_duration(text: str | int, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["fast", "", "7 days", "-1d", "1x", "y"])
def test_a_bad_duration_says_what_was_expected(text: str) -> None:
    with pytest.raises(ValueError, match=f'expected a duration like "2s", got "{text}"'):
        parse_duration(text)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("99999999999999d", id="days"),
        pytest.param("1001y", id="years"),
        pytest.param(float("inf"), id="yaml-inf"),
        pytest.param(10**20, id="seconds"),
    ],
)
def test_a_duration_too_long_is_refused_not_overflowed(value: object) -> None:
    with pytest.raises(ValueError, match="expected a duration of at most 1000y"):
        parse_duration(value)
    assert parse_duration("1000y").days == 365_000


def test_not_a_number_is_not_a_duration() -> None:
    with pytest.raises(ValueError, match='expected a duration like "2s", got "nan"'):
        parse_duration(float("nan"))


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        pytest.param(timedelta(days=365), "1y", id="year"),
        pytest.param(timedelta(days=14), "2w", id="weeks"),
        pytest.param(timedelta(days=3), "3d", id="days"),
        pytest.param(timedelta(seconds=90), "90s", id="seconds"),
    ],
)
def test_format_duration_round_trips(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text
    assert parse_duration(text) == delta


def test_parse_size() -> None:
    assert parse_size("10MB") == 10_000_000
    assert parse_size("2MiB") == 2 * 1024 * 1024
    with pytest.raises(ValueError, match='expected a size like "10MB", got "huge"'):
        parse_size("huge")
