"""Two `watcher run` on one new PostgreSQL database and one seeds folder, started at once:
both create the schema together and serve; a burst of 500 articles and the digests that fall
due (every minute, and `deliver: immediate`) give no article, hit, digest or message twice."""

from __future__ import annotations

import email
from collections import Counter
from email import policy
from pathlib import Path

import pytest
from digest.smtpd import SmtpServer, smtpd
from e2e.daemon import Daemon
from e2e.outbox import FOLLOWS, desk, drop, expected_hits, mailed, settled, titles

__all__ = ["smtpd"]  # a fixture, imported for pytest

pytestmark = pytest.mark.slow

ARTICLES = 500
SETTLED_S = 150.0  # the minute's digest, after the burst's scans on a loaded machine


def test_two_daemons_share_one_database_and_send_nothing_twice(
    project: Path, postgres_url: str, smtpd: SmtpServer
) -> None:
    desk(project, smtpd.settings())
    daemons = [Daemon(project, postgres_url).start() for _ in range(2)]
    try:
        for daemon in daemons:
            daemon.healthy()  # both created (or found) the schema
        drop(project / "seeds", range(ARTICLES))
        found = daemons[0].eventually(
            lambda: settled(postgres_url, ARTICLES),
            within=SETTLED_S,
            what="every article in and every hit delivered",
        )
        assert [daemon.stop() for daemon in daemons] == [0, 0]
    finally:
        for daemon in daemons:
            daemon.kill()

    for daemon in daemons:
        assert "Traceback" not in daemon.log
        assert " ERROR " not in daemon.log
    assert found.articles == titles(ARTICLES)
    assert set(found.hits.values()) == {1}
    assert Counter(rule for rule, _ in found.hits) == expected_hits(ARTICLES)
    accepted = smtpd.accepted
    message_ids = Counter(
        str(email.message_from_bytes(arrival.data, policy=policy.default)["Message-ID"])
        for arrival in accepted
    )
    assert set(message_ids.values()) == {1}, "a message sent twice"
    assert len(accepted) == sum(len(messages) for messages in found.digests.values())
    received = mailed(accepted)
    assert set(received) == set(FOLLOWS)
    assert len(received["desk@example.org"]) >= 1  # the digest due every minute
    for address, rules in FOLLOWS.items():
        messages = received[address]
        assert messages == found.digests[address]  # each message as the database records it
        delivered = Counter(pair for pairs in messages.values() for pair in pairs)
        assert set(delivered) == found.hits_of(rules)
        assert set(delivered.values()) == {1}, f"{address}: a hit in two messages"
