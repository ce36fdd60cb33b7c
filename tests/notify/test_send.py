"""The channel outbox end to end: real hits in a real database, Apprise posting to a real
HTTP receiver, through outages, quiet hours and floods; every hit must reach each channel
in exactly one accepted delivery."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from notify.newsdesk import Newsdesk, newsdesk
from notify.receiver import Receiver
from web.desk import article

from watcher.digest.send import backoff
from watcher.store.channels import delivery_states
from watcher.store.digest_history import delivered_hit_ids

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def channels(receiver: Receiver, **extra: str) -> str:
    lines = [
        "  - name: desk",
        f"    url: {receiver.json_url}",
        "    rules: [libya, oil]",
        *(f"    {key}: {value}" for key, value in extra.items()),
        "  - name: forms",
        f"    url: {receiver.form_url}",
        "    tags: [mena]",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture
def room(tmp_path: Path, database_url: str, receiver: Receiver) -> Iterator[Newsdesk]:
    with newsdesk(tmp_path / "project", database_url, channels(receiver), NOON) as desk:
        desk.at(NOON + timedelta(minutes=5))
        yield desk


def test_one_alert_per_article_with_all_its_rules_then_nothing_new(
    room: Newsdesk, receiver: Receiver
) -> None:
    room.desk.ingest(
        [
            article("Clashes near Tripoli", "Fighting resumed south of Tripoli today."),
            article("Oil and Libya", "Libya's oil ports reopen.", url="https://x.org/a(1)"),
            article("Oil output falls", "Oil production fell again."),
        ],
        room.clock(),
    )
    report = room.send("desk")
    assert [(d.kind, d.outcome, d.hits) for d in report.deliveries] == [
        ("alert", "sent", 1),
        ("alert", "sent", 2),
        ("alert", "sent", 1),
    ]
    arrivals = receiver.wait_for(3)
    assert [a.payload["title"] for a in arrivals] == [
        "Clashes near Tripoli",
        "Oil and Libya",
        "Oil output falls",
    ]
    assert [a.alert_id for a in arrivals] == [d.alert_id for d in report.deliveries]
    assert len(set(receiver.ids())) == 3
    clashes, both, _ = (a.payload["message"] for a in arrivals)
    assert "rules: libya" in clashes
    assert "**Tripoli**" in clashes  # Markdown: json:// takes it
    assert "[Read on watcher](http://watch.example.org/articles/" in clashes
    assert "rules: libya, oil" in both
    assert "[Original](https://x.org/a%281%29)" in both  # a parenthesis cannot end the link
    assert room.send("desk").deliveries == []
    assert len(receiver.arrivals) == 3


def test_each_channel_gets_each_hit_once(room: Newsdesk, receiver: Receiver) -> None:
    room.news("Tripoli airport closes")
    assert [d.outcome for d in room.send("desk").deliveries] == ["sent"]
    assert [d.outcome for d in room.send("forms").deliveries] == ["sent"]
    arrivals = receiver.wait_for(2)
    assert arrivals[1].headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert b"Tripoli+airport+closes" in arrivals[1].body
    assert room.send("desk").deliveries == room.send("forms").deliveries == []
    with room.desk.services.sessions() as session:
        items = [delivered_hit_ids(session, d.id) for d in room.deliveries()]
    assert items[0] == items[1]  # the same hit, once in each channel


def test_receiver_down_then_up_every_hit_arrives_once_with_its_attempts(
    room: Newsdesk, receiver: Receiver
) -> None:
    receiver.stop()
    room.news("First", "Second")
    down = room.send("desk").deliveries
    assert [(d.outcome, d.retry_at) for d in down] == [("retry", room.clock() + backoff(1))] * 2
    assert "127.0.0.1" in (down[0].error or "")
    room.at(room.clock() + timedelta(seconds=30))
    room.news("Third")
    assert [d.outcome for d in room.send("desk").deliveries] == ["retry"]  # only the new one
    room.at(room.clock() + backoff(1))
    assert [d.outcome for d in room.send("desk").deliveries] == ["retry"] * 3
    receiver.start()
    room.at(room.clock() + backoff(2))
    up = room.send("desk").deliveries
    assert sorted(d.title for d in up) == ["First", "Second", "Third"]
    assert {d.outcome for d in up} == {"sent"}
    receiver.wait_for(3)
    assert sorted(receiver.titles()) == ["First", "Second", "Third"]
    assert len(set(receiver.ids())) == 3
    assert {d.alert_id for d in up} >= {d.alert_id for d in down}  # the ids tried first
    stored = room.deliveries()
    assert sorted((d.subject, d.state, d.attempts) for d in stored) == [
        ("First", "sent", 3),
        ("Second", "sent", 3),
        ("Third", "sent", 3),
    ]
    with room.desk.services.sessions() as session:
        [state] = list(delivery_states(session, {d.subscriber_id for d in stored}).values())
    assert (state.sent, state.pending, state.failing_since) == (3, 0, None)
    assert room.send("desk", ignore_backoff=True).deliveries == []


def test_a_refusal_is_retried_and_its_error_names_no_secret(
    tmp_path: Path, database_url: str, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "s3cr3t-topic-0123456789"  # noqa: S105 - a made-up one, to look for
    block = f"  - name: desk\n    url: {receiver.json_url}/${{TOPIC}}\n    rules: [libya]\n"
    with newsdesk(tmp_path / "p", database_url, block, NOON, {"TOPIC": secret}) as room:
        assert room.channel("desk").url.shown == f"{receiver.json_url}/${{TOPIC}}"
        receiver.status = 500
        room.at(NOON + timedelta(minutes=1))
        room.news("Tripoli")
        with caplog.at_level(logging.DEBUG):
            [failed] = room.send("desk").deliveries
        assert failed.outcome == "retry"
        assert failed.error is not None
        assert "500" in failed.error
        assert secret not in failed.error
        # Apprise's own lines stay in its logger (pytest attaches to it; watcher does not).
        assert logging.getLogger("apprise").propagate is False
        ours = [r.getMessage() for r in caplog.records if r.name != "apprise"]
        assert ours
        assert not [line for line in ours if secret in line]  # urllib3's debug lines too
        assert [a.path for a in receiver.refused] == [f"/hook/{secret}"]
        receiver.status = 200
        room.at(room.clock() + backoff(1))
        [sent] = room.send("desk").deliveries
        assert (sent.outcome, sent.alert_id) == ("sent", failed.alert_id)
        [arrival] = receiver.wait_for(1)
        assert arrival.alert_id == failed.alert_id == receiver.refused[0].alert_id


def test_quiet_hours_hold_everything_then_one_summary_at_their_end(
    tmp_path: Path, database_url: str, receiver: Receiver
) -> None:
    evening = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)
    block = channels(receiver, quiet='"22:00-07:00"', timezone="Europe/Rome")
    with newsdesk(tmp_path / "p", database_url, block, evening) as room:
        room.at(datetime(2026, 3, 2, 21, 30, tzinfo=UTC))  # 22:30 in Rome
        room.news("Night one", "Night two")
        quiet = room.send("desk")
        assert (quiet.deliveries, quiet.held) == ([], 2)
        assert quiet.quiet_until == datetime(2026, 3, 3, 6, 0, tzinfo=UTC)
        room.at(datetime(2026, 3, 3, 5, 59, tzinfo=UTC))
        room.news("Dawn")
        assert room.send("desk", ignore_backoff=True).deliveries == []
        assert receiver.arrivals == []
        room.at(datetime(2026, 3, 3, 6, 0, tzinfo=UTC))  # 07:00 in Rome
        [morning] = room.send("desk").deliveries
        assert (morning.kind, morning.hits, morning.title) == ("summary", 3, "3 new: libya (3)")
        [arrival] = receiver.wait_for(1)
        body = arrival.payload["message"]
        assert body.startswith("Held during quiet hours (22:00-07:00 Europe/Rome).")
        assert body.count("\n- [") == 3
        room.at(datetime(2026, 3, 3, 6, 5, tzinfo=UTC))
        room.news("Morning")
        [single] = room.send("desk").deliveries
        assert (single.kind, single.title) == ("alert", "Morning")


def test_a_summary_lists_20_and_links_the_feed_for_the_rest(
    tmp_path: Path, database_url: str, receiver: Receiver
) -> None:
    block = "  - name: desk\n    url: {}\n    rules: [libya]\n    quiet: 00:00-01:00\n"
    with newsdesk(tmp_path / "p", database_url, block.format(receiver.json_url), NOON) as room:
        room.at(datetime(2026, 3, 3, 0, 30, tzinfo=UTC))
        room.news(*(f"Story {n:02}" for n in range(23)))
        room.at(datetime(2026, 3, 3, 1, 0, tzinfo=UTC))
        [summary] = room.send("desk").deliveries
        assert (summary.kind, summary.hits) == ("summary", 23)
        [arrival] = receiver.wait_for(1)
        body = arrival.payload["message"]
        assert body.count("\n- [") == 20
        feed = "http://watch.example.org/feeds/rules/libya.xml"
        assert body.endswith(f"…and 3 more: [{feed}]({feed})")


def test_max_per_hour_single_alerts_then_one_summary_and_it_holds_across_restarts(
    tmp_path: Path, database_url: str, receiver: Receiver
) -> None:
    with newsdesk(tmp_path / "p", database_url, channels(receiver, max_per_hour="2"), NOON) as room:
        room.at(NOON + timedelta(minutes=1))
        room.news("A1", "A2", "A3", "A4", "A5")
        first = room.send("desk").deliveries
        assert [(d.kind, d.hits) for d in first] == [("alert", 1), ("alert", 1), ("summary", 3)]
        assert (
            receiver.wait_for(3)[2]
            .payload["message"]
            .startswith("More than 2 alerts within an hour")
        )
        room.at(NOON + timedelta(minutes=10))
        room.news("B1", "B2", "B3")
        # A new outbox, as after a restart: the hour is read from the outbox, not memory.
        held = room.send("desk")
        assert (held.deliveries, held.held) == ([], 3)
        assert held.next_check == NOON + timedelta(minutes=61)
        room.at(NOON + timedelta(minutes=61, seconds=1))
        later = room.send("desk").deliveries
        assert [(d.kind, d.hits) for d in later] == [("alert", 1), ("alert", 1), ("summary", 1)]
        assert len(receiver.wait_for(6)) == 6


def test_a_scheduled_channel_sends_one_summary_at_its_time(
    tmp_path: Path, database_url: str, receiver: Receiver
) -> None:
    block = "  - name: desk\n    url: {}\n    tags: [mena]\n    deliver: daily 07:00\n"
    with newsdesk(tmp_path / "p", database_url, block.format(receiver.json_url), NOON) as room:
        room.at(datetime(2026, 3, 3, 5, 0, tzinfo=UTC))
        room.news("Early")
        waiting = room.send("desk")
        assert (waiting.deliveries, waiting.held) == ([], 1)
        assert waiting.next_check == datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
        room.at(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))  # the daemon was down at 07:00
        room.news("Late")
        [summary] = room.send("desk").deliveries
        assert (summary.kind, summary.hits) == ("summary", 2)
        [arrival] = receiver.wait_for(1)
        assert "feeds/tags/mena.xml" not in arrival.payload["message"]  # all listed
        room.at(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
        room.news("After")
        assert room.send("desk").deliveries == []  # until tomorrow 07:00
