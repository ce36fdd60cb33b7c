"""A desk with push channels, a clock the test moves, and hits recorded by the real matcher:
what the channel tests share."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from support import FixedClock
from web.desk import Desk, article, open_desk

from watcher.channels import APPRISE, Channel
from watcher.digest.model import Links
from watcher.notify.send import ChannelOutbox, ChannelReport, send_channel
from watcher.rules import RuleSet, load_rules
from watcher.store.digests import StoredDigest, list_digests, sync_subscribers

RULES = """\
rules:
  - name: libya
    title: Libya
    query: Libya OR Tripoli
    tags: [mena]
  - name: oil
    query: oil
"""
LINKS = Links("http://watch.example.org/")


@dataclasses.dataclass
class Newsdesk:
    desk: Desk
    clock: FixedClock
    ruleset: RuleSet
    n: int = 0

    def channel(self, name: str) -> Channel:
        return next(c for c in self.ruleset.channels if c.name == name)

    def outbox(self) -> ChannelOutbox:
        return ChannelOutbox(self.desk.services.sessions, self.clock, LINKS)

    def send(self, name: str, **options: bool) -> ChannelReport:
        return send_channel(self.outbox(), self.channel(name), **options)

    def at(self, moment: datetime) -> None:
        self.clock.now = moment

    def news(self, *titles: str) -> None:
        """Articles with these titles (and a body naming Libya), scanned now."""
        found = []
        for title in titles:
            self.n += 1
            found.append(article(title, f"Report {self.n}: fighting in Libya again."))
        self.desk.ingest(found, self.clock())

    def deliveries(self) -> list[StoredDigest]:
        with self.desk.services.sessions() as session:
            return list_digests(session, channel=APPRISE)


@contextmanager
def newsdesk(
    root: Path,
    database_url: str,
    channels: str,
    start: datetime,
    environ: Mapping[str, str] | None = None,
) -> Iterator[Newsdesk]:
    """A desk whose channels exist since `start` (the clock's time)."""
    with open_desk(root, database_url) as desk:
        path = root / "config" / "rules.yaml"
        path.write_text(RULES + "channels:\n" + channels, encoding="utf-8")
        ruleset = desk.ruleset = load_rules([path], environ=environ)
        clock = FixedClock(start)
        desk.services = dataclasses.replace(desk.services, clock=clock)
        with desk.services.sessions.begin() as session:
            sync_subscribers(session, [c.key for c in ruleset.channels], start, channel=APPRISE)
        yield Newsdesk(desk, clock, ruleset)
