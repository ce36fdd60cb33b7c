"""Publication times: exact formats, ISO 8601, RFC 2822, dateutil; default zone; mtime fallback."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING

from dateutil import parser as dateutil_parser

if TYPE_CHECKING:
    from pathlib import Path

    from watcher.articles import ReadContext

logger = logging.getLogger(__name__)

# The seeds layout ("5/21/2020, 5:38:06 PM") and the Reuters corpus ("26-FEB-1987 15:01:01.79"):
# exact formats tried first, since dateutil is slow over tens of thousands of files.
_FAST_FORMATS = ("%m/%d/%Y, %I:%M:%S %p", "%d-%b-%Y %H:%M:%S.%f")
_RFC2822 = re.compile(r"(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
_MAX_LENGTH = 80
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
    return with_zone(parsed, zone)


def with_zone(moment: datetime, zone: tzinfo) -> datetime:
    """`moment` itself if it has a zone, else the same wall time in `zone`."""
    if moment.utcoffset() is not None:
        return moment
    # zoneinfo zones resolve the offset from the wall time (fold=0 on a repeated hour).
    return moment.replace(tzinfo=zone)


def parse_published(text: str | None, ctx: ReadContext, *, path: Path) -> datetime:
    """The publication time in `text`; ctx.mtime when missing, or (with a warning) unparseable."""
    if text is None or not text.strip():
        return ctx.mtime
    parsed = parse_time(text, ctx.timezone, default=default_moment(ctx))
    if parsed is None:
        return _fallback(text, ctx, path)
    return parsed


def published_from_value(value: object, ctx: ReadContext, *, path: Path) -> datetime:
    """A publication time from a JSON/YAML value: text, datetime, date, or epoch seconds."""
    if value is None or isinstance(value, str):
        return parse_published(value, ctx, path=path)
    if isinstance(value, datetime):
        return with_zone(value, ctx.timezone)
    if isinstance(value, date):
        return datetime.combine(value, time(), tzinfo=ctx.timezone)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return _fallback(value, ctx, path)
    return _fallback(value, ctx, path)


def _fallback(value: object, ctx: ReadContext, path: Path) -> datetime:
    logger.warning(
        "%s: cannot parse publication time %r; using the file's modification time", path, value
    )
    return ctx.mtime


def default_moment(ctx: ReadContext) -> datetime:
    """Midnight of the file's mtime day, local: fills the date parts a partial time leaves out."""
    local = ctx.mtime.astimezone(ctx.timezone)
    return datetime.combine(local.date(), time())


def _exact(text: str) -> datetime | None:
    for fmt in _FAST_FORMATS:
        try:
            return datetime.strptime(text, fmt)  # noqa: DTZ007 - zone added by with_zone()
        except ValueError:
            continue
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
