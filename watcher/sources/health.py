"""A source's state after a poll, and its health as status, pages and metrics show it.

A failing source is tried again after 1, 2, 4, ... minutes, never later than its interval
(nor 6 hours), or when the server's `Retry-After` says if that is later: a blip costs a
minute, a dead feed costs no more requests than a live one, and nothing loops.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from watcher.sources.settings import SourceConfig
from watcher.store.sources import SourceState, load_states

FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY = timedelta(hours=6)
FAILING_LONG = timedelta(days=1)  # a source failing this long is flagged


def backoff(failures: int, interval: timedelta) -> timedelta:
    """How long to wait after the `failures`-th failure in a row."""
    cap = max(FIRST_RETRY, min(interval, MAX_RETRY))
    # Past 2**20 minutes any cap is reached: the power need not grow without end.
    wait: timedelta = FIRST_RETRY * 2 ** min(max(failures - 1, 0), 20)
    return min(wait, cap)


def after_success(
    state: SourceState,
    *,
    now: datetime,
    interval: timedelta,
    status: int,
    etag: str | None,
    last_modified: str | None,
    entries: int | None,
    fresh: bool,
) -> SourceState:
    """The state after an answer (200 or 304); `entries` None keeps the count (a 304)."""
    return dataclasses.replace(
        state,
        etag=etag,
        last_modified=last_modified,
        fetched_at=now,
        ok_at=now,
        new_at=now if fresh else state.new_at,
        failures=0,
        failing_since=None,
        next_fetch_at=now + interval,
        last_status=status,
        last_error=None,
        entries=state.entries if entries is None else entries,
    )


def after_failure(
    state: SourceState,
    *,
    now: datetime,
    interval: timedelta,
    reason: str,
    status: int | None,
    retry_after: timedelta | None,
) -> SourceState:
    """The state after a failed poll: its reason, and the next try after the backoff."""
    failures = state.failures + 1
    wait = backoff(failures, interval)
    if retry_after is not None:
        wait = max(wait, retry_after)
    return dataclasses.replace(
        state,
        fetched_at=now,
        failures=failures,
        failing_since=state.failing_since or now,
        next_fetch_at=now + wait,
        last_status=status,
        last_error=reason,
    )


@dataclass(frozen=True, slots=True)
class Health:
    """A source as people see it: `state` is ok, failing, or new (never fetched)."""

    name: str
    url: str
    state: str
    failing_long: bool
    fetched_at: datetime | None
    new_at: datetime | None
    next_fetch_at: datetime | None
    failures: int
    failing_since: datetime | None
    last_error: str | None
    entries: int

    def summary(self) -> str:
        """`ok, 20 entries` / `failing since ... (3 failures): HTTP 500 ...` / `not fetched yet`."""
        if self.state == "new":
            return "not fetched yet"
        if self.state == "ok":
            return f"ok, {self.entries} entries"
        since = (
            "" if self.failing_since is None else self.failing_since.isoformat(timespec="seconds")
        )
        flag = "FAILING FOR OVER A DAY — " if self.failing_long else ""
        return f"{flag}failing since {since} ({self.failures} failures): {self.last_error}"


def health(name: str, url: str, state: SourceState | None, now: datetime) -> Health:
    """The health of the source `name` (at `url` in the config) from its recorded state."""
    if state is None:
        state = SourceState(name)
    failing = state.failures > 0
    long = failing and state.failing_since is not None and now - state.failing_since >= FAILING_LONG
    return Health(
        name=name,
        url=url,
        state="failing" if failing else ("ok" if state.ok_at is not None else "new"),
        failing_long=long,
        fetched_at=state.fetched_at,
        new_at=state.new_at,
        next_fetch_at=state.next_fetch_at,
        failures=state.failures,
        failing_since=state.failing_since,
        last_error=state.last_error,
        entries=state.entries,
    )


def healths(session: Session, sources: Sequence[SourceConfig], now: datetime) -> list[Health]:
    """The health of each configured source, in the config's order."""
    states = load_states(session, [source.name for source in sources])
    return [health(s.name, s.url, states.get(s.name), now) for s in sources]
