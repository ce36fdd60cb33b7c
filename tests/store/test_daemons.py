"""Daemons' heartbeats: recorded, listed, stale after three missed beats, forgotten."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from watcher.store.daemons import Heartbeat, beat, forget, list_daemons

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def heartbeat(instance: str, at: datetime, **changes: object) -> Heartbeat:
    values: dict[str, object] = {
        "instance": instance,
        "host": "desk",
        "pid": 42,
        "started_at": T0,
        "beat_at": at,
        "beat_every_s": 10.0,
        "next_runs": {"scan": "2026-03-01T12:01:00+00:00"},
        "reload_error": None,
    }
    return Heartbeat(**{**values, **changes})  # type: ignore[arg-type]


def test_beats_are_recorded_listed_and_forgotten(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        beat(session, heartbeat("desk:42", T0))
        beat(session, heartbeat("desk:42", T0 + timedelta(seconds=10), reload_error="bad"))
        beat(session, heartbeat("other:7", T0 + timedelta(seconds=5)))
    with sessions() as session:
        listed = list_daemons(session)
    assert [(d.instance, d.beat_at, d.reload_error) for d in listed] == [
        ("desk:42", T0 + timedelta(seconds=10), "bad"),
        ("other:7", T0 + timedelta(seconds=5), None),
    ]
    assert listed[0].next_runs == {"scan": "2026-03-01T12:01:00+00:00"}
    with sessions.begin() as session:
        forget(session, "desk:42")
    with sessions() as session:
        assert [d.instance for d in list_daemons(session)] == ["other:7"]


def test_stale_after_three_beats_and_forgotten_after_a_day(
    sessions: sessionmaker[Session],
) -> None:
    fresh = heartbeat("desk:42", T0)
    assert not fresh.stale(T0 + timedelta(seconds=30))
    assert fresh.stale(T0 + timedelta(seconds=31))
    with sessions.begin() as session:
        beat(session, heartbeat("gone:1", T0))
        beat(session, heartbeat("desk:42", T0 + timedelta(days=1, seconds=1)))
    with sessions() as session:
        assert [d.instance for d in list_daemons(session)] == ["desk:42"]
