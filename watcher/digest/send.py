"""The outbox at work: compose what waits, commit it, hand it over, mark it, retry with backoff.

The promise: a hit reaches each subscriber in exactly one accepted message. A digest, its
items and its Message-ID are committed before the first attempt; it is marked sent only once
the transport says the receiving side accepted it. A transient failure is recorded and
retried with exponential backoff, its hits waiting in it; a permanent one marks it failed
until someone asks again. A crash between "accepted" and "marked" leaves it pending: the next
run sends the same stored message again, same Message-ID, which receivers de-duplicate on.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from watcher.addresses import Mailbox
from watcher.digest.compose import SUBJECT_PREFIX, compose
from watcher.digest.deliver import Transport
from watcher.digest.model import Digest, Links, RuleInfo
from watcher.digest.render import render
from watcher.errors import DeliveryError
from watcher.feeds.text import headline
from watcher.processes import pid_alive
from watcher.store.digests import (
    DigestHit,
    StoredDigest,
    add_digest,
    claim_digest,
    claim_owner,
    due_digests,
    load_digest,
    record_attempt,
    reopen_failed,
    sync_subscribers,
    waiting_hits,
)
from watcher.subscribers import Subscriber

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
# How long a sender may hold a digest before another may take it (a crashed sender's claim).
CLAIM_LEASE = timedelta(minutes=10)


# Tells this process from an earlier one that had its pid on this host: a container started
# again after `kill -9` usually runs watcher with the same pid and host name.
_THIS_START = uuid.uuid4().hex[:12]


def this_owner() -> str:
    """This process, as a claim names it: host, pid and this start of it."""
    return f"{socket.gethostname()}:{os.getpid()}/{_THIS_START}"


def owner_alive(owner: str) -> bool:
    """Whether the process of a claim may still be at work: on another host, assume so; on
    this one, ask the system (a process killed with -9 left its claim behind). A claim with
    this process's pid and not its start was left by an earlier process."""
    host, _, pid = owner.partition("/")[0].rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    if int(pid) == os.getpid():
        return owner == this_owner()
    return pid_alive(int(pid))


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed ones: 1 min, 2, 4, ... up to 6 h."""
    doublings = min(max(0, attempts - 1), 20)  # 2**20 minutes is far past the cap
    return min(BACKOFF_FIRST * (1 << doublings), BACKOFF_MAX)


@dataclass(frozen=True)
class Outbox:
    """What sending needs: the database, a transport, the clock, and how messages look."""

    sessions: sessionmaker[Session]
    transport: Transport
    clock: Callable[[], datetime]
    sender: Mailbox
    links: Links
    rules: Mapping[str, RuleInfo]  # every rule's title, by name

    @property
    def list_id(self) -> str:
        return f"watcher digests <digests.{self.sender.domain}>"


@dataclass(frozen=True, slots=True)
class SendResult:
    """How one digest fared: `outcome` is sent, retry (a transient failure) or failed."""

    digest_id: int
    recipient: str
    hits: int
    message_id: str
    outcome: str
    error: str | None = None
    retry_at: datetime | None = None


def preview(outbox: Outbox, subscriber: Subscriber) -> tuple[Digest, EmailMessage] | None:
    """The digest `subscriber` would get now, rendered; nothing stored, nothing sent. None
    when nothing waits (and the subscriber does not want empty digests)."""
    now = outbox.clock()
    with outbox.sessions() as session:
        known = sync_subscribers(session, [subscriber.key], now)[subscriber.key]
        hits = waiting_hits(
            session, known, subscriber.follows, include_backfill=subscriber.include_backfill
        )
        session.rollback()  # a preview creates nothing, not even the subscriber's row
    if not hits and not subscriber.send_empty:
        return None
    digest = _compose(outbox, subscriber, hits)
    message = _render(outbox, digest, make_msgid("preview", outbox.sender.domain), now, 0)
    return digest, message


def send_now(
    outbox: Outbox,
    subscribers: Sequence[Subscriber],
    *,
    ignore_backoff: bool = False,
    retry_failed: bool = False,
) -> list[SendResult]:
    """For each subscriber: (re)send its due digests, then compose and send what waits."""
    results: list[SendResult] = []
    now = outbox.clock()
    with outbox.sessions.begin() as session:
        known = sync_subscribers(session, [s.key for s in subscribers], now)
    for subscriber in subscribers:
        subscriber_id = known[subscriber.key].id
        results.extend(
            retry_due(
                outbox,
                [subscriber_id],
                ignore_backoff=ignore_backoff,
                include_failed=retry_failed,
            )
        )
        if subscriber.immediate:
            results.extend(deliver(outbox, alert) for alert in compose_alerts(outbox, subscriber))
            continue
        digest = compose_waiting(outbox, subscriber)
        if digest is not None:
            results.append(deliver(outbox, digest))
    return results


def retry_due(
    outbox: Outbox,
    subscriber_ids: Sequence[int] | None = None,
    *,
    ignore_backoff: bool = False,
    include_failed: bool = False,
) -> list[SendResult]:
    """Send again the digests that wait for it (failed ones too, when asked)."""
    now = outbox.clock()
    with outbox.sessions.begin() as session:
        due = due_digests(
            session,
            now,
            subscriber_ids=subscriber_ids,
            ignore_backoff=ignore_backoff,
            include_failed=include_failed,
        )
        reopen_failed(session, [digest.id for digest in due if digest.state == "failed"], now)
    return [deliver(outbox, digest) for digest in due]


def compose_waiting(outbox: Outbox, subscriber: Subscriber) -> StoredDigest | None:
    """Put the hits waiting for `subscriber` in one new digest, committed before any attempt;
    None when nothing waits (and no empty digest is wanted) or another process took them."""
    now = outbox.clock()
    message_id = make_msgid("digest", outbox.sender.domain)
    try:
        with outbox.sessions.begin() as session:
            known = sync_subscribers(session, [subscriber.key], now)[subscriber.key]
            hits = waiting_hits(
                session, known, subscriber.follows, include_backfill=subscriber.include_backfill
            )
            if not hits and not subscriber.send_empty:
                return None
            digest = _compose(outbox, subscriber, hits)
            digest_id = add_digest(
                session,
                known.id,
                message_id=message_id,
                subject=digest.subject,
                hit_ids=digest.hit_ids,
                now=now,
                render=lambda key: _render(outbox, digest, message_id, now, key).as_bytes(),
            )
            return load_digest(session, digest_id)
    except IntegrityError:
        log.info("digest for %s: another process took its hits first", subscriber.address)
        return None


def compose_alerts(outbox: Outbox, subscriber: Subscriber) -> list[StoredDigest]:
    """`deliver: immediate`: one short message per article waiting for `subscriber` (all the
    rules that hit it in one), each committed with its hits before any attempt."""
    now = outbox.clock()
    made: list[StoredDigest] = []
    try:
        with outbox.sessions.begin() as session:
            known = sync_subscribers(session, [subscriber.key], now)[subscriber.key]
            hits = waiting_hits(
                session, known, subscriber.follows, include_backfill=subscriber.include_backfill
            )
            articles: dict[str, list[DigestHit]] = {}
            for hit in hits:
                articles.setdefault(hit.article_uid, []).append(hit)
            for group in articles.values():
                digest = _compose(outbox, subscriber, group)
                title = headline(group[0].title, group[0].lead, group[0].body)
                rules = ", ".join(sorted({hit.rule for hit in group}))
                digest = dataclasses.replace(digest, subject=f"{SUBJECT_PREFIX} {rules}: {title}")
                message_id = make_msgid("alert", outbox.sender.domain)
                digest_id = add_digest(
                    session,
                    known.id,
                    message_id=message_id,
                    subject=digest.subject,
                    hit_ids=digest.hit_ids,
                    now=now,
                    render=_renderer(outbox, digest, message_id, now),
                    kind="alert",
                )
                made.append(load_digest(session, digest_id))
    except IntegrityError:
        log.info("alerts for %s: another process took their hits first", subscriber.address)
        return []
    return made


def _renderer(
    outbox: Outbox, digest: Digest, message_id: str, now: datetime
) -> Callable[[int], bytes]:
    return lambda key: _render(outbox, digest, message_id, now, key).as_bytes()


@dataclass(frozen=True, slots=True)
class Attempted:
    """How one hand-over ended: sent, retry (from `retry_at`), failed, or busy (another
    process holds the claim)."""

    outcome: str
    error: str | None = None
    retry_at: datetime | None = None


def attempt(
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    digest: StoredDigest,
    transport: str,
    hand_over: Callable[[], None],
) -> Attempted:
    """Claim one stored delivery, `hand_over()` (which raises DeliveryError when it was not
    accepted), record how it ended: what every outbox delivery, digest or alert, goes through."""
    now = clock()
    with sessions.begin() as session:
        holder = claim_owner(session, digest.id)
        dead = [holder] if holder is not None and not owner_alive(holder) else []
        claimed = claim_digest(
            session,
            digest.id,
            now=now,
            until=now + CLAIM_LEASE,
            owner=this_owner(),
            dead_owners=dead,
        )
    if not claimed:
        return Attempted("busy", f"{holder} is sending it")
    try:
        hand_over()
    except DeliveryError as error:
        now = clock()
        retry_at = now + backoff(digest.attempts + 1) if error.transient else None
        with sessions.begin() as session:
            record_attempt(
                session,
                digest.id,
                now=now,
                transport=transport,
                outcome="transient" if error.transient else "permanent",
                error=error.message,
                retry_at=retry_at,
            )
        return Attempted("retry" if error.transient else "failed", error.message, retry_at)
    with sessions.begin() as session:
        record_attempt(session, digest.id, now=clock(), transport=transport, outcome="sent")
    return Attempted("sent")


def deliver(outbox: Outbox, digest: StoredDigest) -> SendResult:
    """Claim one stored digest, hand it to the transport, record how it ended."""
    message = message_from_bytes(digest.message, _class=EmailMessage, policy=policy.SMTP)
    transport = outbox.transport

    def hand_over() -> None:
        transport.deliver(
            message,
            sender=outbox.sender.address,
            recipients=[digest.address],
            key=digest.message_id.strip("<>"),
        )

    done = attempt(outbox.sessions, outbox.clock, digest, transport.name, hand_over)
    what = f"{digest.kind} {digest.id} to {digest.address}"
    if done.outcome == "sent":
        log.info("%s: sent (%d hits)", what, digest.hit_count)
    elif done.outcome == "retry":
        log.warning("%s: %s; retry at %s", what, done.error, done.retry_at)
    elif done.outcome == "failed":
        log.error("%s: refused: %s", what, done.error)
    return _result(digest, done.outcome, done.error, done.retry_at)


def _result(
    digest: StoredDigest, outcome: str, error: str | None = None, retry_at: datetime | None = None
) -> SendResult:
    return SendResult(
        digest.id, digest.address, digest.hit_count, digest.message_id, outcome, error, retry_at
    )


def _compose(outbox: Outbox, subscriber: Subscriber, hits: Sequence[DigestHit]) -> Digest:
    return compose(
        subscriber.mailbox,
        subscriber.timezone,
        hits,
        outbox.rules,
        outbox.links,
        max_items=subscriber.max_items,
        subscribed_rules=subscriber.rules,
        subscribed_tags=subscriber.tags,
    )


def _render(
    outbox: Outbox, digest: Digest, message_id: str, now: datetime, digest_id: int
) -> EmailMessage:
    return render(
        digest,
        outbox.links,
        message_id=message_id,
        date=now,
        sender=outbox.sender,
        list_id=outbox.list_id,
        digest_id=digest_id,
    )
