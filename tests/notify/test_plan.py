"""When a channel's hits go: quiet windows (across midnight and DST), the hourly limit, a
schedule; all from values, no clock."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from digest.factory import hit

from watcher.digest.model import DigestHit
from watcher.notify.plan import Policy, QuietHours, Recent, parse_quiet, plan
from watcher.schedule import parse_schedule

ROME = ZoneInfo("Europe/Rome")
NIGHT = QuietHours(time(22), time(7))


@pytest.mark.parametrize(
    ("local", "quiet"),
    [
        pytest.param(time(21, 59), False, id="before"),
        pytest.param(time(22, 0), True, id="start"),
        pytest.param(time(3, 0), True, id="after-midnight"),
        pytest.param(time(6, 59), True, id="last-minute"),
        pytest.param(time(7, 0), False, id="end"),
    ],
)
def test_a_window_across_midnight(local: time, quiet: bool) -> None:
    moment = datetime.combine(date(2026, 3, 2), local, tzinfo=ROME)
    assert NIGHT.contains(moment, ROME) is quiet


def test_a_window_within_a_day_and_its_ends_across_a_dst_change() -> None:
    lunch = parse_quiet(" 12:00 - 13:30 ")
    assert str(lunch) == "12:00-13:30"
    assert lunch.contains(datetime(2026, 3, 2, 12, 30, tzinfo=ROME), ROME)
    assert not lunch.contains(datetime(2026, 3, 2, 13, 30, tzinfo=ROME), ROME)
    # Rome moves to summer time on 29 March 2026: 07:00 is then 05:00 UTC, not 06:00.
    after = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert NIGHT.last_end(after, ROME) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    assert NIGHT.next_end(after, ROME) == datetime(2026, 3, 30, 5, 0, tzinfo=UTC)


T = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NONE_RECENT = Recent(alerts=0, last_summary=None)


def hits(count: int, at: datetime = T, start: int = 1) -> list[DigestHit]:
    """One hit on each of `count` articles, recorded at `at`."""
    return [
        dataclasses.replace(hit(n, "libya", f"uid{n:02}"), matched_at=at)
        for n in range(start, start + count)
    ]


def test_immediate_without_limits_one_alert_per_article() -> None:
    both = [*hits(2), dataclasses.replace(hit(9, "oil", "uid01"), matched_at=T)]
    made = plan(Policy(UTC), both, T, NONE_RECENT)
    assert [[h.hit_id for h in group] for group in made.alerts] == [[1, 9], [2]]
    assert made.summaries == ()


def test_inside_quiet_hours_nothing_goes_and_it_says_until_when() -> None:
    night = datetime(2026, 3, 2, 23, 0, tzinfo=ROME)
    made = plan(Policy(ROME, quiet=NIGHT), hits(3, night), night, NONE_RECENT)
    assert (made.empty, made.held) == (True, 3)
    assert made.quiet_until == datetime(2026, 3, 3, 7, 0, tzinfo=ROME)


def test_after_quiet_hours_what_was_held_is_one_summary_the_rest_alerts() -> None:
    morning = datetime(2026, 3, 3, 7, 5, tzinfo=ROME)
    held = hits(2, datetime(2026, 3, 2, 23, 0, tzinfo=ROME))
    fresh = hits(1, datetime(2026, 3, 3, 7, 1, tzinfo=ROME), start=3)
    made = plan(Policy(ROME, quiet=NIGHT), [*held, *fresh], morning, NONE_RECENT)
    [(reason, summary)] = made.summaries
    assert reason == "Held during quiet hours (22:00-07:00 Europe/Rome)."
    assert [h.hit_id for h in summary] == [1, 2]
    assert [[h.hit_id for h in group] for group in made.alerts] == [[3]]


@pytest.mark.parametrize(
    ("recent", "alerts", "summary", "held"),
    [
        pytest.param(NONE_RECENT, 2, 3, 0, id="room-for-2-then-a-summary"),
        pytest.param(Recent(1, None), 1, 4, 0, id="one-used"),
        pytest.param(Recent(2, T - timedelta(minutes=59)), 0, 0, 5, id="summary-this-hour"),
        pytest.param(Recent(2, T - timedelta(minutes=60)), 0, 5, 0, id="summary-an-hour-ago"),
    ],
)
def test_max_per_hour(recent: Recent, alerts: int, summary: int, held: int) -> None:
    made = plan(Policy(UTC, max_per_hour=2), hits(5), T, recent)
    assert len(made.alerts) == alerts
    assert sum(len(group) for _, group in made.summaries) == summary
    assert made.held == held
    if held:
        assert made.next_check == T + timedelta(minutes=1)


def test_a_schedule_sends_once_a_hit_waits_from_before_its_latest_time() -> None:
    daily = Policy(UTC, schedule=parse_schedule("daily 07:00"))
    early = hits(1, datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    assert plan(daily, early, datetime(2026, 3, 2, 6, 30, tzinfo=UTC), NONE_RECENT).held == 1
    made = plan(daily, early, datetime(2026, 3, 2, 7, 0, tzinfo=UTC), NONE_RECENT)
    assert [len(group) for _, group in made.summaries] == [1]
    later = hits(1, datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    assert plan(daily, later, datetime(2026, 3, 2, 9, 0, tzinfo=UTC), NONE_RECENT).empty
