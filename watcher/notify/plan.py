"""When a channel's waiting hits go, and how: single alerts, a summary, or not yet.

Pure: the waiting hits, the time and what the outbox says about the last hour come in as
values. Everything is derived from the outbox rather than remembered, so quiet hours and
rate limits hold across restarts and between several daemons:

- quiet hours: nothing goes inside the window; after it, the hits recorded before its end
  go together as one summary, the later ones as usual;
- `max_per_hour`: at most that many single alerts in any 60 minutes; the articles beyond
  go together as one summary, at most one such summary an hour (the rest wait for the
  next hour);
- a schedule (`daily 07:00`): one summary of everything waiting, once some hit waits from
  before the latest scheduled time.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo

from watcher.digest.model import DigestHit
from watcher.schedule import Schedule, previous_time

HOUR = timedelta(hours=1)
_WINDOW = re.compile(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window, in the channel's time zone; it may span midnight (22:00-07:00)."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def contains(self, moment: datetime, zone: tzinfo) -> bool:
        local = moment.astimezone(zone).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def last_end(self, moment: datetime, zone: tzinfo) -> datetime:
        """The latest end of the window at or before `moment`."""
        local = moment.astimezone(zone)
        end = datetime.combine(local.date(), self.end, tzinfo=zone)
        if end > moment:
            end = datetime.combine(local.date() - timedelta(days=1), self.end, tzinfo=zone)
        return end

    def next_end(self, moment: datetime, zone: tzinfo) -> datetime:
        """The first end of the window after `moment`."""
        return self.last_end(moment, zone) + timedelta(days=1)


def parse_quiet(text: str) -> QuietHours:
    """`22:00-07:00` -> QuietHours; ValueError says what to write."""
    match = _WINDOW.fullmatch(text)
    if match is None:
        raise ValueError(
            f'"{text}": write the window as HH:MM-HH:MM on a 24-hour clock, e.g. 22:00-07:00'
        )
    start = time(int(match.group(1)), int(match.group(2)))
    end = time(int(match.group(3)), int(match.group(4)))
    if start == end:
        raise ValueError(f'"{text}": the window starts and ends at the same time')
    return QuietHours(start, end)


@dataclass(frozen=True, slots=True)
class Policy:
    """A channel's delivery settings, as the plan reads them."""

    zone: tzinfo
    schedule: Schedule | None = None  # None: immediate
    quiet: QuietHours | None = None
    max_per_hour: int | None = None


@dataclass(frozen=True, slots=True)
class Recent:
    """What the outbox holds of a channel's last hour."""

    alerts: int  # single alerts made in the last 60 minutes
    last_summary: datetime | None  # the latest summary made, if any


@dataclass(frozen=True, slots=True)
class Plan:
    """What to make now: one alert per group of hits (one article each), then summaries."""

    alerts: tuple[tuple[DigestHit, ...], ...] = ()
    summaries: tuple[tuple[str, tuple[DigestHit, ...]], ...] = ()  # (reason, hits)
    held: int = 0  # articles waiting for later
    quiet_until: datetime | None = None  # inside quiet hours: when they end
    next_check: datetime | None = field(default=None)  # when held hits may go

    @property
    def empty(self) -> bool:
        return not self.alerts and not self.summaries


def by_article(hits: Sequence[DigestHit]) -> list[tuple[DigestHit, ...]]:
    """Hits grouped by article, in the order each article's first hit was recorded."""
    groups: dict[str, list[DigestHit]] = {}
    for hit in sorted(hits, key=lambda h: (h.matched_at, h.hit_id)):
        groups.setdefault(hit.article_uid, []).append(hit)
    return [tuple(group) for group in groups.values()]


def plan(policy: Policy, waiting: Sequence[DigestHit], now: datetime, recent: Recent) -> Plan:
    """What of `waiting` goes now, as what."""
    zone = policy.zone
    if policy.quiet is not None and policy.quiet.contains(now, zone):
        return Plan(held=len(by_article(waiting)), quiet_until=policy.quiet.next_end(now, zone))
    if not waiting:
        return Plan()
    if policy.schedule is not None:
        return _scheduled(policy.schedule, zone, waiting, now)
    summaries: list[tuple[str, tuple[DigestHit, ...]]] = []
    if policy.quiet is not None:
        end = policy.quiet.last_end(now, zone)
        held = tuple(hit for hit in waiting if hit.matched_at < end)
        if held:
            summaries.append((f"Held during quiet hours ({policy.quiet} {zone}).", held))
            waiting = [hit for hit in waiting if hit.matched_at >= end]
    groups = by_article(waiting)
    if policy.max_per_hour is None:
        return Plan(alerts=tuple(groups), summaries=tuple(summaries))
    return _limited(policy.max_per_hour, groups, summaries, now, recent)


def _limited(
    limit: int,
    groups: list[tuple[DigestHit, ...]],
    summaries: list[tuple[str, tuple[DigestHit, ...]]],
    now: datetime,
    recent: Recent,
) -> Plan:
    """Single alerts while the hour has room; beyond, one summary an hour."""
    room = max(0, limit - recent.alerts)
    alerts, over = tuple(groups[:room]), groups[room:]
    if not over:
        return Plan(alerts=alerts, summaries=tuple(summaries))
    made = [moment for moment in (recent.last_summary, now if summaries else None) if moment]
    last = max(made, default=None)
    if last is not None and last > now - HOUR:
        return Plan(alerts, tuple(summaries), held=len(over), next_check=last + HOUR)
    flood = tuple(hit for group in over for hit in group)
    reason = f"More than {limit} alerts within an hour: the rest in one summary."
    return Plan(alerts, (*summaries, (reason, flood)))


def _scheduled(
    schedule: Schedule, zone: tzinfo, waiting: Sequence[DigestHit], now: datetime
) -> Plan:
    due = previous_time(schedule, now, zone)
    if due is None or not any(hit.matched_at <= due for hit in waiting):
        following = schedule.next_times(now, zone, count=1)
        return Plan(held=len(by_article(waiting)), next_check=following[0] if following else None)
    return Plan(summaries=(("", tuple(waiting)),))
