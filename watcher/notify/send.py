"""The channel outbox at work: plan what is due, commit it, hand it to Apprise, mark it.

The promise is the digests' (`watcher.digest.send`), on the same tables: every alert or
summary is committed with its hits and its id before the first attempt, and the unique
(channel, hit) makes a hit impossible to put in two deliveries of one channel. It is marked
sent only once Apprise reports success; a failure is retried with backoff, the hits waiting
in it, never dropped. A crash between Apprise's success and the mark sends the same stored
notice again, with the same id (the `X-Watcher-Alert` header of webhooks).

Quiet hours hold retries too: nothing reaches a quiet channel.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from watcher.channels import APPRISE, Channel
from watcher.digest.model import DigestHit, Links
from watcher.digest.send import attempt
from watcher.errors import DeliveryError
from watcher.notify.compose import Format, Notice, alert, probe_notice, summary
from watcher.notify.plan import HOUR, Plan, Recent, plan
from watcher.notify.transport import AppriseNotifier, Notifier, preferred_format
from watcher.store.channels import last_hour
from watcher.store.digests import (
    Kind,
    StoredDigest,
    add_digest,
    due_digests,
    load_digest,
    sync_subscribers,
    waiting_hits,
)

log = logging.getLogger(__name__)


def apprise_notifier(channel: Channel) -> Notifier:
    return AppriseNotifier(channel.url)


def apprise_format(channel: Channel) -> Format:
    return preferred_format(channel.url.url)


@dataclass(frozen=True)
class ChannelOutbox:
    """What sending needs: the database, the clock, links, and how to reach a channel."""

    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    links: Links
    notifier: Callable[[Channel], Notifier] = apprise_notifier
    format: Callable[[Channel], Format] = apprise_format


@dataclass(frozen=True, slots=True)
class Delivery:
    """How one alert or summary fared: `outcome` is sent, retry or busy."""

    channel: str
    kind: str
    digest_id: int
    alert_id: str
    hits: int
    title: str
    outcome: str
    error: str | None = None
    retry_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ChannelReport:
    """One channel's turn: what went, and what waits (and until when)."""

    channel: str
    deliveries: list[Delivery] = field(default_factory=list)
    held: int = 0  # articles waiting for quiet hours or the hourly limit to end
    quiet_until: datetime | None = None
    next_check: datetime | None = None


def send_channel(
    outbox: ChannelOutbox, channel: Channel, *, ignore_backoff: bool = False
) -> ChannelReport:
    """Retry what waits for it (at once with `ignore_backoff`), then make and send what is
    due now; nothing while the channel is quiet."""
    now = outbox.clock()
    if channel.quiet is not None and channel.quiet.contains(now, channel.zone):
        _, waiting = compose_due(outbox, channel)
        return ChannelReport(channel.name, held=waiting.held, quiet_until=waiting.quiet_until)
    deliveries = retry_channel(outbox, channel, ignore_backoff=ignore_backoff)
    made, planned = compose_due(outbox, channel)
    deliveries += [deliver(outbox, channel, stored) for stored in made]
    return ChannelReport(
        channel.name, deliveries, planned.held, planned.quiet_until, planned.next_check
    )


def retry_channel(
    outbox: ChannelOutbox, channel: Channel, *, ignore_backoff: bool = False
) -> list[Delivery]:
    """Send again the channel's deliveries whose backoff is over (or all, when asked)."""
    now = outbox.clock()
    with outbox.sessions.begin() as session:
        known = sync_subscribers(session, [channel.key], now, channel=APPRISE)[channel.key]
        due = due_digests(
            session, now, subscriber_ids=[known.id], ignore_backoff=ignore_backoff, channel=APPRISE
        )
    return [deliver(outbox, channel, stored) for stored in due]


def compose_due(outbox: ChannelOutbox, channel: Channel) -> tuple[list[StoredDigest], Plan]:
    """Commit the alerts and summaries due now, each with its hits, before any attempt; and
    the plan (what waits, until when). Nothing when another process took the hits first."""
    now = outbox.clock()
    try:
        with outbox.sessions.begin() as session:
            known = sync_subscribers(session, [channel.key], now, channel=APPRISE)[channel.key]
            hits = waiting_hits(
                session, known, channel.follows, include_backfill=channel.include_backfill
            )
            hour = last_hour(session, known.id, now - HOUR)
            planned = plan(channel.policy, hits, now, Recent(hour.alerts, hour.last_summary))
            if planned.empty:
                return [], planned
            fmt = outbox.format(channel)
            notices: list[tuple[Kind, Notice, Sequence[DigestHit]]] = [
                ("alert", alert(group, outbox.links, channel.zone, fmt), group)
                for group in planned.alerts
            ]
            notices += [
                ("summary", _summary(outbox, channel, fmt, reason, group), group)
                for reason, group in planned.summaries
            ]
            made = []
            for kind, notice, group in notices:
                digest_id = add_digest(
                    session,
                    known.id,
                    message_id=uuid.uuid4().hex,
                    subject=notice.title,
                    hit_ids=sorted({hit.hit_id for hit in group}),
                    now=now,
                    render=_stored_as(notice),
                    kind=kind,
                )
                made.append(load_digest(session, digest_id))
            return made, planned
    except IntegrityError:
        log.info("channel %s: another process took its hits first", channel.name)
        return [], Plan()


def _stored_as(notice: Notice) -> Callable[[int], bytes]:
    data = notice.to_bytes()
    return lambda _digest_id: data


def _summary(
    outbox: ChannelOutbox,
    channel: Channel,
    fmt: Format,
    reason: str,
    hits: Sequence[DigestHit],
) -> Notice:
    return summary(
        hits,
        outbox.links,
        channel.zone,
        fmt,
        feed_url=feed_url(outbox.links, channel),
        reason=reason or None,
    )


def feed_url(links: Links, channel: Channel) -> str:
    """The feed a summary's "N more" leads to: the one rule's, the one tag's, or all."""
    if len(channel.rules) == 1 and not channel.tags:
        return links.rule_feed(channel.rules[0])
    if len(channel.tags) == 1 and not channel.rules:
        return f"{links.base_url}feeds/tags/{channel.tags[0]}.xml"
    return f"{links.base_url}feeds/all.xml"


def deliver(outbox: ChannelOutbox, channel: Channel, stored: StoredDigest) -> Delivery:
    """Claim one stored alert or summary, hand it to the channel, record how it ended."""
    notice = Notice.from_bytes(stored.message)
    notifier = outbox.notifier(channel)
    done = attempt(
        outbox.sessions,
        outbox.clock,
        stored,
        notifier.name,
        lambda: notifier.send(notice, key=stored.message_id),
    )
    what = f"channel {channel.name}: {stored.kind} {stored.id} ({stored.hit_count} hits)"
    if done.outcome == "sent":
        log.info("%s: sent", what)
    elif done.outcome == "retry":
        log.warning("%s: %s; retry at %s", what, done.error, done.retry_at)
    return Delivery(
        channel=channel.name,
        kind=stored.kind,
        digest_id=stored.id,
        alert_id=stored.message_id,
        hits=stored.hit_count,
        title=stored.subject,
        outcome=done.outcome,
        error=done.error,
        retry_at=done.retry_at,
    )


def probe(outbox: ChannelOutbox, channel: Channel) -> str | None:
    """Send a test message now, outside the outbox; None when it was accepted, else why not."""
    notice = probe_notice(channel.name, outbox.clock(), channel.zone, outbox.format(channel))
    try:
        outbox.notifier(channel).send(notice, key=f"test-{uuid.uuid4().hex}")
    except DeliveryError as error:
        log.warning("channel %s: the test message failed: %s", channel.name, error.message)
        return error.message
    log.info("channel %s: the test message was accepted", channel.name)
    return None
