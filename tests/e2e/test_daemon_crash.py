"""`kill -9` of `watcher run` at seeded random moments while 1,000 articles arrive in batches
and digests fall due (a subscriber every minute, another `deliver: immediate`); some kills
land just as the mail server has a message and before the daemon hears it was accepted.
After a last clean run: every article once, every hit once, and each hit in exactly one
message per subscriber (a message accepted twice is the same message, byte for byte)."""

from __future__ import annotations

import os
import random
import signal
import threading
from collections import Counter
from pathlib import Path

import pytest
from digest.smtpd import SmtpServer, smtpd
from e2e.daemon import Daemon
from e2e.outbox import (
    FOLLOWS,
    IMMEDIATE,
    WATCHED,
    desk,
    drop,
    expected_hits,
    mailed,
    recorded,
    settled,
    titles,
)

__all__ = ["smtpd"]  # a fixture, imported for pytest

pytestmark = pytest.mark.slow

SEED = 20261130
ARTICLES = 1000
KILLS = 20
BATCH = ARTICLES // KILLS  # one batch of articles per start
SETTLED_S = 150.0  # the minute's digest, after a last scan on a loaded machine


def kill_at_random(daemon: Daemon, smtpd: SmtpServer, rng: random.Random) -> None:
    """Kill -9 at a random moment: one time in five while it starts (migrating, reading the
    rules), else once it serves, soon after (its first scan, feeds, digests caught up); and
    then one time in three at the first message the mail server receives from it, before the
    daemon hears "250", if that comes sooner."""
    assert daemon.process is not None
    pid, landed = daemon.process.pid, threading.Event()

    def kill_now() -> None:
        smtpd.handler.on_accept = None
        os.kill(pid, signal.SIGKILL)
        landed.set()

    try:
        if rng.random() < 1 / 5:
            landed.wait(rng.uniform(0.5, 4.0))
        else:
            daemon.healthy()
            if rng.random() < 1 / 3:
                smtpd.handler.on_accept = kill_now
            landed.wait(rng.uniform(0.0, 3.0))
    finally:
        smtpd.handler.on_accept = None
        daemon.kill()


# SQLite, the default, only: twenty starts take minutes on a busy machine. PostgreSQL's kills
# are in the test below and in test_daemons_on_postgres.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_kill_9_at_random_moments_loses_and_duplicates_nothing(
    project: Path, database_url: str, smtpd: SmtpServer
) -> None:
    desk(project, smtpd.settings())
    rng = random.Random(SEED)  # noqa: S311 - the moments of the kills, replayable
    batches = (range(start, start + BATCH) for start in range(0, ARTICLES, BATCH))
    for _ in range(KILLS):
        daemon = Daemon(project, database_url).start()
        drop(project / "seeds", next(batches))  # while it starts: file events, scans under way
        kill_at_random(daemon, smtpd, rng)
        assert daemon.process is not None
        assert daemon.process.returncode == -signal.SIGKILL, daemon.log

    last = Daemon(project, database_url).start()
    try:
        found = last.healthy().eventually(
            lambda: settled(database_url, ARTICLES),
            within=SETTLED_S,
            what="every article in and every hit delivered",
        )
        assert last.stop() == 0, last.log
    finally:
        last.kill()

    assert found.articles == titles(ARTICLES)
    assert set(found.hits.values()) == {1}
    assert Counter(rule for rule, _ in found.hits) == expected_hits(ARTICLES)
    received = mailed(smtpd.accepted)
    assert set(received) == set(FOLLOWS)
    for address, rules in FOLLOWS.items():
        messages = received[address]
        assert messages == found.digests[address]  # each message as the database records it
        delivered = Counter(pair for pairs in messages.values() for pair in pairs)
        assert set(delivered) == found.hits_of(rules)
        assert set(delivered.values()) == {1}, f"{address}: a hit in two messages"


@pytest.mark.parametrize("moment", ["before-the-server-has-it", "once-the-server-has-it"])
def test_a_message_in_hand_at_a_kill_is_sent_once_after_the_restart(
    project: Path, database_url: str, smtpd: SmtpServer, moment: str
) -> None:
    """Killed with an alert committed and claimed, when it names the sender (the server never
    gets the message) or once the server has it and before the daemon hears "250": the next
    start sends that alert, the same message; none is lost, none goes a third time."""
    desk(project, smtpd.settings(), WATCHED + IMMEDIATE)
    night = {"night@example.org": FOLLOWS["night@example.org"]}
    drop(project / "seeds", range(20))  # four articles about oil: four alerts
    first = Daemon(project, database_url).start()
    assert first.process is not None
    pid = first.process.pid

    def kill() -> None:
        smtpd.handler.on_mail = smtpd.handler.on_accept = None
        os.kill(pid, signal.SIGKILL)

    if moment == "before-the-server-has-it":
        smtpd.handler.on_mail = kill
    else:
        smtpd.handler.on_accept = kill
    try:
        assert first.wait(timeout=120) == -signal.SIGKILL, first.log
    finally:
        first.kill()
    taken = smtpd.accepted
    assert len(taken) == (0 if moment == "before-the-server-has-it" else 1)
    assert set(recorded(database_url).states) == {"pending"}  # nothing marked sent

    second = Daemon(project, database_url).start()
    try:
        found = second.healthy().eventually(
            lambda: settled(database_url, 20, night),
            within=60,
            what="every alert sent",
        )
        assert second.stop() == 0, second.log
    finally:
        second.kill()
    accepted = smtpd.accepted
    assert accepted[: len(taken)] == taken
    received = mailed(accepted)  # the same bytes whenever a Message-ID comes again
    assert received == {"night@example.org": found.digests["night@example.org"]}
    assert len(received["night@example.org"]) == 4
    assert len(accepted) == 4 + len(taken)  # the one the server had, once more; no other
