"""What `watcher channels list` and `watcher status` show of each push channel, read from
the outbox. Kept apart from the channel commands, which import what sending needs: `status`
imports only this."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from watcher.channels import APPRISE, Channel
from watcher.cli.output import iso
from watcher.cli.state import CliState
from watcher.notify.plan import HOUR
from watcher.store.channels import DeliveryState, delivery_states, last_hour
from watcher.store.digests import sync_subscribers, waiting_hits


def channel_rows(state: CliState, selected: list[Channel]) -> list[dict[str, Any]]:
    """What `channels list` and `status` show of each channel, from the outbox."""
    services = state.services()
    now = services.clock()
    with services.sessions() as session:
        known = sync_subscribers(session, [c.key for c in selected], now, channel=APPRISE)
        states = delivery_states(session, [row.id for row in known.values()])
        rows = []
        for channel in selected:
            row = known[channel.key]
            waiting = waiting_hits(
                session, row, channel.follows, include_backfill=channel.include_backfill
            )
            hour = last_hour(session, row.id, now - HOUR)
            rows.append(
                _row(channel, states.get(row.id, DeliveryState()), len(waiting), hour.alerts, now)
            )
        session.rollback()  # a listing creates nothing, not even a channel's row
    return rows


def _row(
    channel: Channel, state: DeliveryState, waiting: int, alerts: int, now: datetime
) -> dict[str, Any]:
    quiet = channel.quiet is not None and channel.quiet.contains(now, channel.zone)
    return {
        "name": channel.name,
        "url": channel.url.shown,
        "deliver": channel.describe(),
        "follows": sorted(channel.follows),
        "status": "failing" if state.failing_since is not None else "ok",
        "quiet_now": quiet,
        "sent": state.sent,
        "last_sent_at": iso(state.last_sent_at),
        "pending": state.pending,
        "waiting_hits": waiting,
        "alerts_last_hour": alerts,
        "failing_since": iso(state.failing_since),
        "next_attempt_at": iso(state.next_attempt_at) if state.pending else None,
        "last_error": state.last_error,
    }
