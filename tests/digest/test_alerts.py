"""`deliver: immediate` for email subscribers: one short message per new article through the
outbox (all the rules that hit it in one message), each once, retried like a digest."""

from __future__ import annotations

import dataclasses
import mailbox
from datetime import timedelta
from pathlib import Path

from support import FixedClock
from web.desk import T0, article, open_desk

from watcher.addresses import Mailbox
from watcher.digest.deliver import MaildirTransport
from watcher.digest.model import Links, RuleInfo
from watcher.digest.send import Outbox, send_now
from watcher.store.digests import list_digests, sync_subscribers

RULES = """\
rules:
  - name: libya
    query: Libya OR Tripoli
  - name: oil
    query: oil
subscribers:
  - email: desk@example.org
    rules: [libya, oil]
    deliver: immediate
"""


def test_one_email_per_article_at_once_then_nothing(tmp_path: Path, database_url: str) -> None:
    with open_desk(tmp_path / "project", database_url) as desk:
        ruleset = desk.with_rules(RULES)
        clock = FixedClock(T0)
        desk.services = dataclasses.replace(desk.services, clock=clock)
        [subscriber] = ruleset.subscribers
        with desk.services.sessions.begin() as session:
            sync_subscribers(session, [subscriber.key], T0)
        clock.now = T0 + timedelta(minutes=1)
        desk.ingest(
            [
                article("Clashes near Tripoli", "Fighting resumed south of Tripoli today."),
                article("Oil and Libya", "Libya's oil ports reopen."),
            ],
            clock.now,
        )
        outbox = Outbox(
            sessions=desk.services.sessions,
            transport=MaildirTransport(tmp_path / "mail"),
            clock=clock,
            sender=Mailbox("watcher@news.example.org"),
            links=Links("http://watch.example.org/"),
            rules={rule.name: RuleInfo(rule.name, rule.name) for rule in ruleset.rules},
        )
        results = send_now(outbox, [subscriber])
        assert [(r.outcome, r.hits) for r in results] == [("sent", 1), ("sent", 2)]
        box = mailbox.Maildir(tmp_path / "mail", create=False)
        assert sorted(message["Subject"] for message in box) == [
            "[watcher] libya, oil: Oil and Libya",
            "[watcher] libya: Clashes near Tripoli",
        ]
        assert send_now(outbox, [subscriber]) == []
        with desk.services.sessions() as session:
            assert {d.kind for d in list_digests(session)} == {"alert"}
