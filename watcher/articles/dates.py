"""Publication times: exact formats, ISO 8601, RFC 2822, dateutil; default zone; mtime fallback.

Pure: a time that cannot be parsed comes back as the file's mtime with a warning for the
caller to record, never as a log line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from dateutil import parser as dateutil_parser

if TYPE_CHECKING:
    from collections.abc import Iterator

    from watcher.articles import ReadContext

# The seeds layout ("5/21/2020, 5:38:06 PM") and the Reuters corpus ("26-FEB-1987 15:01:01.79"):
# exact formats tried first, by precompiled patterns (strptime checks the locale at every
# call, and dateutil is slower still over tens of thousands of files).
_SEEDS_TIME = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4}), (\d{1,2}):(\d{2}):(\d{2}) ([AP]M)", re.IGNORECASE | re.ASCII
)
_WIRE_TIME = re.compile(
    r"(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{1,2}):(\d{2}):(\d{2})\.(\d{1,6})", re.ASCII
)
_HOURS_ON_A_CLOCK = 12
_RFC2822 = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
_MAX_LENGTH = 80
# Wires follow the time with routing codes ("27-MAR-1987 02:17:09.88   T C"): up to this
# many trailing words are dropped when the whole line does not parse.
_MAX_TRAILING_WORDS = 3
_LAST_WORD = re.compile(r"\s+[^\W\d_]+\s*$")
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTH_NUMBERS = {full[:3]: number for number, full in enumerate(_MONTH_NAMES.split(), 1)}
_DAY_NAMES = "monday tuesday wednesday thursday friday saturday sunday"
_MONTHS = frozenset(n for full in _MONTH_NAMES.split() for n in (full, full[:3], full[:4]))
_DAYS = frozenset(n for full in _DAY_NAMES.split() for n in (full, full[:3]))
# Numbers a time-shaped line holds at least: day, month and year; two beside a month name.
_DATE_NUMBERS, _NUMBERS_BESIDE_MONTH = 3, 2
# Zone names RFC 2822 defines; dateutil would warn about (and drop) them otherwise.
_ZONE_NAMES = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}
_DATE_WORDS = (
    _MONTHS
    | _DAYS
    | {name.casefold() for name in _ZONE_NAMES}
    | frozenset(["am", "pm", "a", "p", "m", "t", "st", "nd", "rd", "th", "at", "of", "on", "h"])
)


def parse_time(text: str, zone: tzinfo, *, default: datetime) -> datetime | None:
    """Parse a publication time; a time without zone is in `zone`. None if it does not parse.

    `default` (naive or aware) supplies the date parts a partial text leaves out, so that
    nothing here depends on today's date.
    """
    text = text.strip()
    if not text or len(text) > _MAX_LENGTH:
        return None
    parsed = _exact(text) or _iso(text) or _rfc2822(text) or _dateutil(text, default)
    if parsed is None:
        return None
    return in_utc_range(with_zone(parsed, zone))


def parse_time_line(text: str, zone: tzinfo, *, default: datetime) -> datetime | None:
    """parse_time(), else the same without up to three trailing words (a wire's codes)."""
    for candidate in _without_trailing_words(text):
        parsed = parse_time(candidate, zone, default=default)
        if parsed is not None:
            return parsed
    return None


def looks_like_time(text: str) -> bool:
    """Whether a line is made like a time, parseable or not ("32/13/1987", "May 32, 2020"):
    numbers and date words only (months, days, AM/PM, zones), trailing codes aside."""
    return any(_time_shaped(candidate) for candidate in _without_trailing_words(text))


def _without_trailing_words(text: str) -> Iterator[str]:
    """The text, then without its last word, and so on: made as asked for (most times parse
    as they are)."""
    candidate = text.strip()
    yield candidate
    for _ in range(_MAX_TRAILING_WORDS):
        shorter = _LAST_WORD.sub("", candidate)
        if shorter == candidate:
            return
        yield (candidate := shorter)


def _time_shaped(text: str) -> bool:
    if not text or len(text) > _MAX_LENGTH:
        return False
    tokens = _TOKEN.findall(text)
    words = [token.casefold() for token in tokens if not token.isdigit()]
    if not all(word in _DATE_WORDS for word in words):
        return False
    numbers = len(tokens) - len(words)
    beside_month = numbers >= _NUMBERS_BESIDE_MONTH and any(word in _MONTHS for word in words)
    return numbers >= _DATE_NUMBERS or beside_month


def with_zone(moment: datetime, zone: tzinfo) -> datetime:
    """`moment` itself if it has a zone, else the same wall time in `zone`."""
    if moment.utcoffset() is not None:
        return moment
    # zoneinfo zones resolve the offset from the wall time (fold=0 on a repeated hour).
    return moment.replace(tzinfo=zone)


def in_utc_range(moment: datetime) -> datetime | None:
    """`moment`, or None when it has no UTC time (9999-12-31T23:00-14:00, year 1 east of
    Greenwich): every time is stored and compared in UTC."""
    try:
        moment.astimezone(UTC)
    except OverflowError:
        return None
    return moment


@dataclass(frozen=True, slots=True)
class Published:
    """A publication time, and the warning to record when the file's mtime stood in for it."""

    moment: datetime
    warning: str | None = None


def unparsed(where: str, value: object) -> str:
    """The warning for a time that could not be parsed; `where` names its place in the file."""
    return f"{where}: cannot parse publication time {value!r}; using the file's modification time"


def parse_published(text: str | None, ctx: ReadContext, *, where: str) -> Published:
    """The publication time in `text`; ctx.mtime when missing, or (with a warning) unparseable."""
    if text is None or not text.strip():
        return Published(ctx.mtime)
    parsed = parse_time(text, ctx.timezone, default=default_moment(ctx))
    if parsed is None:
        return Published(ctx.mtime, unparsed(where, text))
    return Published(parsed)


def published_from_value(value: object, ctx: ReadContext, *, where: str) -> Published:
    """A publication time from a JSON/YAML value: text, datetime, date, or epoch seconds."""
    if value is None or isinstance(value, str):
        return parse_published(value, ctx, where=where)
    moment = None
    if isinstance(value, datetime):
        moment = in_utc_range(with_zone(value, ctx.timezone))
    elif isinstance(value, date):
        moment = in_utc_range(datetime.combine(value, time(), tzinfo=ctx.timezone))
    if moment is not None:
        return Published(moment)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return Published(datetime.fromtimestamp(value, tz=UTC))
        except (OverflowError, OSError, ValueError):
            pass
    return Published(ctx.mtime, unparsed(where, value))


def default_moment(ctx: ReadContext) -> datetime:
    """Midnight of the file's mtime day, local: fills the date parts a partial time leaves out."""
    local = ctx.mtime.astimezone(ctx.timezone)
    return datetime.combine(local.date(), time())


def _exact(text: str) -> datetime | None:
    """The seeds layout's or the wire's time, naive; None for anything else (or a date
    that does not exist, like 31/02)."""
    try:
        if seeds := _SEEDS_TIME.fullmatch(text):
            month, day, year, hour, minute, second, half = seeds.groups()
            if not 1 <= int(hour) <= _HOURS_ON_A_CLOCK:
                return None
            hour_of_day = int(hour) % _HOURS_ON_A_CLOCK + (
                _HOURS_ON_A_CLOCK if half.upper() == "PM" else 0
            )
            return datetime(int(year), int(month), int(day), hour_of_day, int(minute), int(second))  # noqa: DTZ001 - zone added by with_zone()
        if wire := _WIRE_TIME.fullmatch(text):
            day, name, year, hour, minute, second, fraction = wire.groups()
            month = _MONTH_NUMBERS.get(name.lower())
            if month is None:
                return None
            micro = int(fraction.ljust(6, "0"))
            return datetime(int(year), month, int(day), int(hour), int(minute), int(second), micro)  # noqa: DTZ001 - zone added by with_zone()
    except ValueError:  # a field out of range
        return None
    return None


def _iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _rfc2822(text: str) -> datetime | None:
    if not _RFC2822.match(text):
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None and text.endswith("-0000"):
        # RFC 2822: "-0000" is UTC with no statement about the local zone.
        return parsed.replace(tzinfo=UTC)
    return parsed


def _dateutil(text: str, default: datetime) -> datetime | None:
    try:
        parsed: datetime = dateutil_parser.parse(
            text, default=default.replace(tzinfo=None), tzinfos=_zone_for
        )
    except (ValueError, OverflowError):
        return None
    return parsed


def _zone_for(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's tzinfos hook: fixed offsets and RFC 2822 names; None (= default zone) else."""
    if offset is not None:
        return timezone(timedelta(seconds=offset))
    hours = _ZONE_NAMES.get((name or "").upper())
    if hours is None:
        return None
    return timezone(timedelta(hours=hours))
