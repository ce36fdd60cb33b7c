"""Send schedules: the short forms, cron with crontab's weekdays, next times across DST."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from watcher.schedule import day_of_week_names, parse_schedule

ROME = ZoneInfo("Europe/Rome")
# A Friday noon in UTC, two days before Rome moves its clocks forward (29 March 2026).
FRIDAY = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ROME)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("hourly", [local(2026, 3, 27, h) for h in (14, 15, 16)], id="hourly"),
        pytest.param(
            "daily 07:00",
            [local(2026, 3, 28, 7), local(2026, 3, 29, 7), local(2026, 3, 30, 7)],
            id="daily-across-dst",
        ),
        pytest.param(
            "weekly mon 07:30",
            [local(2026, 3, 30, 7, 30), local(2026, 4, 6, 7, 30), local(2026, 4, 13, 7, 30)],
            id="weekly",
        ),
        pytest.param(
            "0 7 * * 1-5",
            [local(2026, 3, 30, 7), local(2026, 3, 31, 7), local(2026, 4, 1, 7)],
            id="cron-weekdays-by-number",
        ),
        pytest.param(
            "0 7 * * mon-fri",
            [local(2026, 3, 30, 7), local(2026, 3, 31, 7), local(2026, 4, 1, 7)],
            id="cron-weekdays-by-name",
        ),
        pytest.param(
            "0 9 * * 0",
            [local(2026, 3, 29, 9), local(2026, 4, 5, 9), local(2026, 4, 12, 9)],
            id="cron-0-is-sunday",
        ),
        pytest.param(
            "0 9 * * 7",
            [local(2026, 3, 29, 9), local(2026, 4, 5, 9), local(2026, 4, 12, 9)],
            id="cron-7-is-sunday",
        ),
        pytest.param(
            "*/20 13 * * *",
            [local(2026, 3, 27, 13, 20), local(2026, 3, 27, 13, 40), local(2026, 3, 28, 13)],
            id="cron-steps",
        ),
        pytest.param(
            "0 6 1 * *",
            [local(2026, 4, 1, 6), local(2026, 5, 1, 6), local(2026, 6, 1, 6)],
            id="cron-day-of-month",
        ),
    ],
)
def test_next_times_in_the_subscribers_zone(text: str, expected: list[datetime]) -> None:
    assert parse_schedule(text).next_times(FRIDAY, ROME) == expected


def test_a_send_time_equal_to_now_is_not_next() -> None:
    now = local(2026, 3, 27, 7).astimezone(UTC)
    assert parse_schedule("daily 07:00").next_times(now, ROME, 1) == [local(2026, 3, 28, 7)]


@pytest.mark.parametrize(
    ("field", "names"),
    [
        pytest.param("*", "*", id="any"),
        pytest.param("1-5", "mon,tue,wed,thu,fri", id="range"),
        pytest.param("sat,sun", "sun,sat", id="names"),
        pytest.param("*/2", "sun,tue,thu,sat", id="step-from-sunday"),
        pytest.param("5-7", "sun,fri,sat", id="seven-is-sunday"),
        pytest.param("mon-wed/2", "mon,wed", id="range-step"),
    ],
)
def test_crontab_weekdays_become_names(field: str, names: str) -> None:
    assert day_of_week_names(field) == names


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("61 7 * * *", 'the minute field "61" is invalid', id="minute"),
        pytest.param("0 25 * * *", 'the hour field "25" is invalid', id="hour"),
        pytest.param("0 7 32 * *", 'the day field "32" is invalid', id="day"),
        pytest.param("0 7 * 13 *", 'the month field "13" is invalid', id="month"),
        pytest.param("0 7 * * 8", '"8" is not a day', id="weekday-number"),
        pytest.param("0 7 * * funday", '"funday" is not a day', id="weekday-name"),
        pytest.param("0 7 * * fri-mon", 'the range "fri-mon" runs backwards', id="backwards"),
        pytest.param("0 7 * *", "has 4 fields — a cron schedule has 5", id="four-fields"),
        pytest.param("0 7 1 * mon", "a day of the month or a day of the week", id="both-days"),
        pytest.param("daily", "write hourly, daily 07:00", id="daily-without-time"),
        pytest.param("daily 7am", "the time must be HH:MM", id="bad-time"),
        pytest.param("daily 24:00", "the time must be HH:MM", id="hour-24"),
        pytest.param("weekly 07:00", "write hourly, daily 07:00", id="weekly-without-day"),
    ],
)
def test_a_bad_schedule_names_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as caught:
        parse_schedule(text)

    assert str(caught.value).startswith(f'"{text}"')
