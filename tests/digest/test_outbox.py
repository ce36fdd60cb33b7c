"""The outbox end to end: real hits in a real database, a real SMTP server or Maildir,
through outages and refusals; every hit must arrive in exactly one accepted message."""

from __future__ import annotations

import dataclasses
import mailbox
import os
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from digest.smtpd import SmtpServer
from sqlalchemy.exc import IntegrityError
from support import FixedClock
from web.desk import T0, Desk, article, open_desk

from watcher.addresses import Mailbox
from watcher.digest.deliver import MaildirTransport, SmtpTransport, Transport
from watcher.digest.model import Links, RuleInfo
from watcher.digest.send import (
    CLAIM_LEASE,
    Outbox,
    backoff,
    compose_waiting,
    deliver,
    retry_due,
    send_now,
    this_owner,
)
from watcher.rules import RuleSet
from watcher.store.digest_history import delivered_hit_ids, digest_counts
from watcher.store.digests import DIGESTS, add_digest, claim_digest, list_digests, sync_subscribers
from watcher.subscribers import Subscriber

SENDER = Mailbox("watcher@news.example.org", "watcher")
SUBSCRIBERS = """\
subscribers:
  - email: Desk <desk@example.org>
    rules: [libya, talks]
  - email: oil@example.org
    rules: [oil]
    max_items: 1
  - email: quiet@example.org
    tags: [sleepy]
    send_empty: true
  - email: archive@example.org
    rules: [libya, talks]
    include_backfill: true
"""
RULES = """\
rules:
  - name: libya
    title: Libya
    query: Libya OR Tripoli
  - name: oil
    title: Oil & gas
    query: oil
  - name: dormant
    query: Benghazi
    tags: [sleepy]
  - name: talks
    query: Geneva
    enabled: false
"""


@dataclasses.dataclass
class Newsroom:
    """A desk whose subscribers exist since T0, with a clock the test moves."""

    desk: Desk
    clock: FixedClock
    ruleset: RuleSet

    def subscriber(self, address: str) -> Subscriber:
        return next(s for s in self.ruleset.subscribers if s.address == address)

    def outbox(self, transport: Transport) -> Outbox:
        return Outbox(
            sessions=self.desk.services.sessions,
            transport=transport,
            clock=self.clock,
            sender=SENDER,
            links=Links("http://watch.example.org/"),
            rules={rule.name: RuleInfo(rule.name, rule.title) for rule in self.ruleset.rules},
        )

    def send(self, transport: Transport, *addresses: str, **options: bool) -> list[str]:
        subscribers = [self.subscriber(a) for a in addresses] or list(self.ruleset.subscribers)
        results = send_now(self.outbox(transport), subscribers, **options)
        return [f"{r.recipient}:{r.outcome}:{r.hits}" for r in results]

    def later(self, delta: timedelta) -> None:
        self.clock.now += delta


@pytest.fixture
def newsroom(tmp_path: Path, database_url: str) -> Iterator[Newsroom]:
    with open_desk(tmp_path / "project", database_url) as desk:
        ruleset = desk.with_rules(RULES + SUBSCRIBERS)
        clock = FixedClock(T0)
        desk.services = dataclasses.replace(desk.services, clock=clock)
        with desk.services.sessions.begin() as session:
            sync_subscribers(session, [s.key for s in ruleset.subscribers], T0)
        clock.now = T0 + timedelta(minutes=5)
        desk.ingest(
            [
                article("Clashes near Tripoli", "Fighting resumed south of Tripoli today."),
                article("Libya talks", "Talks on Libya resume in Geneva.", url="https://x.org/1"),
                article("Oil output falls", "Oil production fell again."),
                article("Oil and Libya", "Libya's oil ports reopen."),
            ],
            clock.now,
        )
        yield Newsroom(desk, clock, ruleset)


def messages(server: SmtpServer) -> list[EmailMessage]:
    return [accepted.message() for accepted in server.accepted]


def test_one_message_per_subscriber_with_its_hits_then_nothing_new(
    newsroom: Newsroom, smtpd: SmtpServer
) -> None:
    transport = SmtpTransport(smtpd.config())
    sent = newsroom.send(transport, "desk@example.org", "oil@example.org")
    assert sent == ["desk@example.org:sent:3", "oil@example.org:sent:2"]
    desk, oil = messages(smtpd)
    assert [a.recipients for a in smtpd.accepted] == [("desk@example.org",), ("oil@example.org",)]
    assert desk["To"] == "Desk <desk@example.org>"
    assert desk["From"] == "watcher <watcher@news.example.org>"
    assert desk["Subject"] == "[watcher] 3 new: libya (3)"
    assert desk["Auto-Submitted"] == "auto-generated"
    assert desk["List-Id"] == "watcher digests <digests.news.example.org>"
    assert desk["X-Watcher-Digest"].isdigit()
    assert desk["Message-ID"] != oil["Message-ID"]
    assert desk.get_content_type() == "multipart/alternative"
    text = desk.get_body(("plain",))
    html = desk.get_body(("html",))
    assert text is not None
    assert html is not None
    assert "*Tripoli*" in text.get_content()
    assert "<mark" in html.get_content()
    assert "Oil output falls" not in text.get_content()
    assert newsroom.send(transport, "desk@example.org", "oil@example.org") == []
    assert len(smtpd.accepted) == 2


def test_max_items_lists_the_first_and_counts_the_rest_as_delivered(
    newsroom: Newsroom, smtpd: SmtpServer
) -> None:
    transport = SmtpTransport(smtpd.config())
    assert newsroom.send(transport, "oil@example.org") == ["oil@example.org:sent:2"]
    [message] = messages(smtpd)
    text = message.get_body(("plain",))
    assert text is not None
    content = " ".join(text.get_content().split())
    assert "And 1 more in the feed: http://watch.example.org/feeds/rules/oil.xml" in content
    assert newsroom.send(transport, "oil@example.org") == []


def test_send_empty_sends_an_empty_digest_and_others_send_nothing(
    newsroom: Newsroom, smtpd: SmtpServer
) -> None:
    transport = SmtpTransport(smtpd.config())
    assert newsroom.send(transport, "quiet@example.org") == ["quiet@example.org:sent:0"]
    [message] = messages(smtpd)
    assert message["Subject"] == "[watcher] nothing new"
    newsroom.send(transport, "desk@example.org")
    assert newsroom.send(transport, "desk@example.org") == []


def test_a_hit_recorded_before_the_subscriber_existed_is_not_theirs(
    newsroom: Newsroom, smtpd: SmtpServer
) -> None:
    newsroom.later(timedelta(minutes=1))
    newsroom.ruleset = newsroom.desk.with_rules(
        RULES + SUBSCRIBERS + "  - email: late@example.org\n    rules: [libya]\n"
    )
    transport = SmtpTransport(smtpd.config())
    assert newsroom.send(transport, "late@example.org") == []  # created now, after the hits
    newsroom.later(timedelta(minutes=1))
    newsroom.desk.ingest(
        [article("Tripoli airport", "Tripoli's airport reopens.")], newsroom.clock()
    )
    assert newsroom.send(transport, "late@example.org") == ["late@example.org:sent:1"]


def test_backfilled_hits_go_only_to_who_asks_for_them(
    newsroom: Newsroom, smtpd: SmtpServer
) -> None:
    transport = SmtpTransport(smtpd.config())
    newsroom.send(transport, "desk@example.org", "archive@example.org")  # what waits today
    newsroom.later(timedelta(minutes=1))
    enabled = "  - name: talks\n    query: Geneva\n    backfill: 3650d\n"
    disabled = "  - name: talks\n    query: Geneva\n    enabled: false\n"
    newsroom.ruleset = newsroom.desk.with_rules(RULES.replace(disabled, enabled) + SUBSCRIBERS)
    newsroom.desk.ingest([], newsroom.clock())  # syncs the rule: its backfill runs
    assert newsroom.send(transport, "desk@example.org", "archive@example.org") == [
        "archive@example.org:sent:1"
    ]
    message = messages(smtpd)[-1]
    assert message["Subject"] == "[watcher] 1 new: talks (1)"


def test_451_twice_then_250_delivers_once_with_backoff_recorded(
    newsroom: Newsroom, smtpd: SmtpServer
) -> None:
    smtpd.handler.answer("RCPT", "451 4.3.0 try again later", times=2)
    outbox = newsroom.outbox(SmtpTransport(smtpd.config()))
    desk = newsroom.subscriber("desk@example.org")
    [first] = send_now(outbox, [desk])
    assert (first.outcome, first.retry_at) == ("retry", newsroom.clock() + backoff(1))
    assert "451" in (first.error or "")
    newsroom.later(timedelta(seconds=30))
    assert retry_due(outbox) == []  # still waiting out its backoff
    newsroom.later(timedelta(seconds=31))
    [second] = retry_due(outbox)
    assert (second.outcome, second.retry_at) == ("retry", newsroom.clock() + backoff(2))
    newsroom.later(backoff(2))
    [third] = retry_due(outbox)
    assert third.outcome == "sent"
    assert first.message_id == second.message_id == third.message_id
    [message] = messages(smtpd)
    assert message["Message-ID"] == first.message_id
    with newsroom.desk.services.sessions() as session:
        [stored] = list_digests(session)
        assert (stored.state, stored.attempts, stored.hit_count) == ("sent", 3, 3)
        assert len(delivered_hit_ids(session, stored.id)) == 3
    assert send_now(outbox, [desk]) == []


def test_server_down_then_up_delivers_once(newsroom: Newsroom, smtpd: SmtpServer) -> None:
    smtpd.stop()
    outbox = newsroom.outbox(SmtpTransport(smtpd.config()))
    [down] = send_now(outbox, [newsroom.subscriber("desk@example.org")])
    assert down.outcome == "retry"
    smtpd.start()
    newsroom.later(backoff(1))
    [up] = retry_due(outbox)
    assert (up.outcome, up.message_id) == ("sent", down.message_id)
    assert len(smtpd.accepted) == 1


def test_550_is_failed_not_retried_until_asked(newsroom: Newsroom, smtpd: SmtpServer) -> None:
    smtpd.handler.answer("RCPT", "550 5.1.1 no such user")
    outbox = newsroom.outbox(SmtpTransport(smtpd.config()))
    desk = newsroom.subscriber("desk@example.org")
    [refused] = send_now(outbox, [desk])
    assert refused.outcome == "failed"
    assert "550" in (refused.error or "")
    newsroom.later(timedelta(days=2))
    assert retry_due(outbox) == []
    assert send_now(outbox, [desk], ignore_backoff=True) == []  # its hits wait in it
    with newsroom.desk.services.sessions() as session:
        assert digest_counts(session) == {"pending": 0, "sent": 0, "failed": 1}
    [again] = send_now(outbox, [desk], retry_failed=True)
    assert (again.outcome, again.message_id) == ("sent", refused.message_id)
    assert len(smtpd.accepted) == 1


def test_a_hit_cannot_be_put_in_two_digests_of_one_subscriber(newsroom: Newsroom) -> None:
    with newsroom.desk.services.sessions.begin() as session:
        known = sync_subscribers(session, ["desk@example.org"], T0)["desk@example.org"]
        add_digest(
            session,
            known.id,
            message_id="<a@x>",
            subject="a",
            hit_ids=[1],
            now=T0,
            render=lambda _: b"a",
        )
    with pytest.raises(IntegrityError), newsroom.desk.services.sessions.begin() as session:
        add_digest(
            session,
            known.id,
            message_id="<b@x>",
            subject="b",
            hit_ids=[1],
            now=T0,
            render=lambda _: b"b",
        )


def test_maildir_delivery_reads_back_and_leaves_tmp_empty(
    newsroom: Newsroom, tmp_path: Path
) -> None:
    folder = tmp_path / "mail"
    sent = newsroom.send(MaildirTransport(folder), "desk@example.org", "oil@example.org")
    assert sent == ["desk@example.org:sent:3", "oil@example.org:sent:2"]
    box = mailbox.Maildir(folder, create=False)
    subjects = sorted(message["Subject"] for message in box)
    assert subjects == ["[watcher] 2 new: oil (2)", "[watcher] 3 new: libya (3)"]
    assert list((folder / "tmp").iterdir()) == []


def test_a_claim_left_by_an_earlier_process_with_this_pid_is_taken_over(
    newsroom: Newsroom, smtpd: SmtpServer
) -> None:
    """A container started again after `kill -9` runs watcher on the same host name with the
    same pid: the claim its predecessor left is taken over at once, not after the lease. A
    claim of this very process (another of its threads sending) is still respected."""
    outbox = newsroom.outbox(SmtpTransport(smtpd.config()))
    digest = compose_waiting(outbox, newsroom.subscriber("oil@example.org"))
    assert digest is not None
    now = newsroom.clock()
    sessions = newsroom.desk.services.sessions
    with sessions.begin() as session:
        held = claim_digest(
            session, digest.id, now=now, until=now + CLAIM_LEASE, owner=this_owner()
        )
    assert held
    assert deliver(outbox, digest).outcome == "busy"
    earlier = f"{socket.gethostname()}:{os.getpid()}"  # as a killed predecessor wrote it
    with sessions.begin() as session:
        session.execute(
            sa.update(DIGESTS).where(DIGESTS.c.id == digest.id).values(claimed_by=earlier)
        )
    assert deliver(outbox, digest).outcome == "sent"
    assert len(smtpd.accepted) == 1
