"""Page cursors: a `HitKey` as the `?before=` token of a link, and back, strictly.

A token is the hit time, the publication time (both in microseconds since 1970 UTC) and
the hit id, joined by dots: `1772366400000000.1772348400000000.42`. Anything else is an
error the page turns into a 400.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from watcher.store.pages import HitKey

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_ID = 2**63 - 1
_NOT_OURS = "The before= value is not a page of hits this server links to"
_TOKEN = re.compile(r"(-?[0-9]{1,18})\.(-?[0-9]{1,18})\.([0-9]{1,19})")


class BadCursor(ValueError):
    """A `before` value that is not a token this server wrote; its message says why."""


def _micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def _moment(micros: str) -> datetime:
    try:
        return EPOCH + timedelta(microseconds=int(micros))
    except OverflowError as exc:
        raise BadCursor(f"{_NOT_OURS}: a time in it is out of range") from exc


def to_token(key: HitKey) -> str:
    """The token a link carries to ask for the hits after `key`."""
    return f"{_micros(key.matched_at)}.{_micros(key.published)}.{key.hit_id}"


def from_token(token: str) -> HitKey:
    """The key a token names; BadCursor if it is not one."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        raise BadCursor(f"{_NOT_OURS}: it is not three numbers joined by dots")
    matched, published, hit_id = match.groups()
    if int(hit_id) > MAX_ID:
        raise BadCursor(f"{_NOT_OURS}: its hit id is out of range")
    return HitKey(_moment(matched), _moment(published), int(hit_id))


def page_cursor(values: Sequence[str]) -> HitKey | None:
    """The key in a request's `before` values: None for the first page, BadCursor if they
    are not one token."""
    if not values:
        return None
    if len(values) > 1:
        raise BadCursor("Give one before= value to page through hits, not several.")
    return from_token(values[0])
