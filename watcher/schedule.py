"""Send schedules as users write them: `hourly`, `daily 07:00`, `weekly mon 07:00`, or cron.

A schedule is parsed once into the five cron fields, with crontab's meaning: day of the
week 0 or 7 is Sunday, 1 is Monday. APScheduler 3.x counts Monday as 0, so the day of the
week is always handed to it as names (`mon,tue`), never as numbers. When both the day of
the month and the day of the week are restricted, crontab runs on either while APScheduler
runs on both: that form is refused rather than read one way silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

FIELDS = ("minute", "hour", "day", "month", "day_of_week")
DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_DOW_PART = re.compile(r"(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?")


@dataclass(frozen=True, slots=True)
class Schedule:
    """A parsed schedule: what the user wrote, and the cron fields APScheduler is given."""

    text: str
    minute: str
    hour: str
    day: str
    month: str
    day_of_week: str  # names only, e.g. "mon,tue,wed,thu,fri", or "*"

    def trigger(self, zone: tzinfo) -> CronTrigger:
        """The APScheduler trigger firing on this schedule in `zone`."""
        from apscheduler.triggers.cron import CronTrigger  # noqa: PLC0415 - only when needed

        return CronTrigger(
            minute=self.minute,
            hour=self.hour,
            day=self.day,
            month=self.month,
            day_of_week=self.day_of_week,
            timezone=zone,
        )

    def next_times(
        self, after: datetime, zone: tzinfo, count: int = 3, *, until: datetime | None = None
    ) -> list[datetime]:
        """The next `count` send times strictly after `after` (and not after `until`), in
        `zone`."""
        trigger = self.trigger(zone)
        found: list[datetime] = []
        previous: datetime | None = None
        moment = after.astimezone(zone)
        while len(found) < count:
            fire = trigger.get_next_fire_time(previous, moment)
            if fire is None or (until is not None and fire > until):
                break
            if fire > after:
                found.append(fire)
            previous = fire
            moment = fire
        return found


def previous_time(schedule: Schedule, before: datetime, zone: tzinfo) -> datetime | None:
    """The last send time at or before `before` (within a year), for catching up digests a
    stopped daemon missed."""
    for window in (timedelta(hours=2), timedelta(days=2), timedelta(days=9), timedelta(days=366)):
        times = schedule.next_times(before - window, zone, count=100_000, until=before)
        if times:
            return times[-1]
    return None


def parse_schedule(text: str) -> Schedule:
    """`hourly`, `daily HH:MM`, `weekly DAY HH:MM` or 5-field cron; ValueError says what to fix."""
    words = text.lower().split()
    if words == ["hourly"]:
        return _checked(text, ["0", "*", "*", "*", "*"])
    if len(words) == 2 and words[0] == "daily":  # noqa: PLR2004 - "daily HH:MM"
        hour, minute = _clock(words[1], text)
        return _checked(text, [minute, hour, "*", "*", "*"])
    if len(words) == 3 and words[0] == "weekly":  # noqa: PLR2004 - "weekly DAY HH:MM"
        hour, minute = _clock(words[2], text)
        return _checked(text, [minute, hour, "*", "*", words[1]])
    if words and words[0] in ("hourly", "daily", "weekly"):
        raise ValueError(
            f'"{text}" — write hourly, daily 07:00, weekly mon 07:00, or 5 cron fields'
        )
    if len(words) != len(FIELDS):
        raise ValueError(
            f'"{text}" has {len(words)} fields — a cron schedule has 5: minute hour '
            'day month day-of-week, e.g. "0 7 * * mon-fri"; or write hourly, daily 07:00, '
            "weekly mon 07:00"
        )
    return _checked(text, words)


def _clock(value: str, text: str) -> tuple[str, str]:
    match = _TIME.fullmatch(value)
    if match is None:
        raise ValueError(f'"{text}": the time must be HH:MM on a 24-hour clock, e.g. 07:00')
    return str(int(match.group(1))), str(int(match.group(2)))


def _checked(text: str, fields: list[str]) -> Schedule:
    """The five cron fields (minute, hour, day, month, day of week), each checked."""
    minute, hour, day, month, dow = fields
    try:
        days = day_of_week_names(dow)
    except ValueError as exc:
        raise ValueError(f'"{text}": {exc}') from exc
    if day != "*" and days != "*":
        raise ValueError(
            f'"{text}": give a day of the month or a day of the week, not both '
            "(cron would send on either, which is rarely what is meant)"
        )
    from apscheduler.triggers.cron import CronTrigger  # noqa: PLC0415 - only when needed

    for name, value in zip(FIELDS, (minute, hour, day, month, days), strict=True):
        try:
            CronTrigger(**{name: value})
        except ValueError as exc:
            field = name.replace("_", " ")
            raise ValueError(f'"{text}": the {field} field "{value}" is invalid: {exc}') from exc
    return Schedule(text, minute, hour, day, month, days)


def day_of_week_names(field: str) -> str:
    """A crontab day-of-week field as a list of day names (`*` stays `*`).

    Numbers are crontab's (0 and 7 Sunday), names are three letters; lists, ranges and
    steps (`1-5`, `mon-fri`, `*/2`, `sat,sun`) are expanded to the days they stand for.
    """
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.split(","):
        match = _DOW_PART.fullmatch(part)
        if match is None:
            raise ValueError(f'the day of week field "{field}" is invalid: cannot read "{part}"')
        span, step = match.group(1), int(match.group(2) or 1)
        if step < 1:
            raise ValueError(f'the day of week field "{field}" is invalid: a step must be >= 1')
        first, last = (0, 6) if span == "*" else _day_range(span, field)
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(DAY_NAMES[day] for day in sorted(days))


def _day_range(span: str, field: str) -> tuple[int, int]:
    low, _, high = span.partition("-")
    first = _day_number(low, field)
    last = _day_number(high, field) if high else first
    if last < first:
        raise ValueError(
            f'the day of week field "{field}" is invalid: the range "{span}" runs backwards'
        )
    return first, last


def _day_number(token: str, field: str) -> int:
    if token.isdigit() and int(token) <= 7:  # noqa: PLR2004 - crontab's 7 is Sunday again
        return int(token)
    if token[:3] in DAY_NAMES and len(token) == 3:  # noqa: PLR2004 - three-letter names
        return DAY_NAMES.index(token)
    raise ValueError(
        f'the day of week field "{field}" is invalid: "{token}" is not a day '
        "(0-7 with 0 and 7 Sunday, or sun, mon, tue, wed, thu, fri, sat)"
    )
