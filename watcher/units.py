"""Human durations ("2s", "1h30m", "7d", "2w", "1y") and sizes ("10MB") as config and CLI values."""

from __future__ import annotations

import math
import re
from datetime import timedelta

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w|y)")
# A year is 365 days: a duration, not a calendar span.
_DURATION_UNITS = {
    "ms": 0.001,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
    "y": 31_536_000,
}
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}


# Longer periods reach past the calendar's start when taken from today ("--since 1000000y").
MAX_DURATION = timedelta(days=365 * 1000)


def parse_duration(value: object) -> timedelta:
    """`2s`, `90s`, `1h30m`, `7d`, `2w`, `1y` (365 days) or a number of seconds, at most 1000
    years; ValueError says what was expected."""
    if isinstance(value, timedelta):
        return _bounded(value.total_seconds(), value)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return _bounded(float(value), value)
    text = str(value).strip().replace(" ", "")
    parts = _DURATION_PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f'expected a duration like "2s", got "{value}"')
    return _bounded(sum(float(n) * _DURATION_UNITS[u] for n, u in parts), value)


def _bounded(seconds: float, given: object) -> timedelta:
    if not math.isfinite(seconds) or seconds > MAX_DURATION.total_seconds():
        raise ValueError(f'expected a duration of at most 1000y, got "{given}"')
    return timedelta(seconds=seconds)


def parse_size(value: object) -> int:
    """`10MB`, `512KiB` or a number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    match = _SIZE.fullmatch(str(value).strip())
    if match is None:
        raise ValueError(f'expected a size like "10MB", got "{value}"')
    number, unit = match.groups()
    return int(float(number) * _SIZE_UNITS[(unit or "b").lower()])


def format_duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    for unit in ("y", "w", "d", "h", "m"):
        size = _DURATION_UNITS[unit]
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"
