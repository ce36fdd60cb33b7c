"""Daemons delivering digests, end to end: a desk of two rules and two subscribers (one every
minute, one `deliver: immediate`), numbered articles of which a known share matches, and what
a user checks afterwards: the articles, hits, digests and items the database holds, and the
hits each message the mail server accepted delivers (read back from its plain-text part),
both as (rule, article uid) pairs by Message-ID."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from digest.smtpd import Accepted
from e2e.daemon import configure
from support import EXAMPLE, write

from watcher.store.db import make_engine

Pair = tuple[str, str]  # (rule name, article uid): one hit
ByMessage = dict[str, frozenset[Pair]]  # Message-ID -> the hits its message delivers

WATCHED = """\
rules:
  - name: libya
    query: Libya
  - name: oil
    query: oil
subscribers:
"""
EVERY_MINUTE = """\
  - email: desk@example.org
    rules: [libya, oil]
    schedule: "* * * * *"
    max_items: 10000
"""
IMMEDIATE = """\
  - email: night@example.org
    rules: [oil]
    deliver: immediate
"""
RULES = WATCHED + EVERY_MINUTE + IMMEDIATE
FOLLOWS = {"desk@example.org": ("libya", "oil"), "night@example.org": ("oil",)}

_HEADING = re.compile(r"^(?:.* \()?([\w-]+)\)?: \d+ new$")
_ALSO = re.compile(r"^  Also matched: (.+)$")
_READ = re.compile(r"^  (?:Read: )?\S*/articles/(\w+)$")  # a long link: on a line of its own


def desk(project: Path, mail: str, rules: str = RULES) -> None:
    """The shipped project as these tests run it: a short settle, digests sent to `mail`
    (the SMTP settings), the desk's `rules`, and no example article (the tests drop theirs)."""
    configure(project, mail=mail)
    (project / "config" / "rules.yaml").write_text(rules, encoding="utf-8")
    (project / "seeds" / EXAMPLE.name).unlink()


def article(index: int) -> str:
    """Every second article is about Libya, every fifth about oil."""
    words = ["Libya" if index % 2 == 0 else "Chad", "oil" if index % 5 == 0 else "grain"]
    return f"Report {index:04d}\n\nTrade news number {index}: {words[0]} and {words[1]}.\n"


def drop(seeds: Path, indexes: range) -> None:
    """The articles of `indexes`, settled, in a folder of their own under `seeds`."""
    for index in indexes:
        write(seeds / f"from-{indexes.start}" / f"report-{index:04d}.txt", article(index))


def expected_hits(articles: int) -> Counter[str]:
    """Rule -> its hits among articles 0 to `articles` - 1."""
    indexes = range(articles)
    return Counter(
        {"libya": sum(i % 2 == 0 for i in indexes), "oil": sum(i % 5 == 0 for i in indexes)}
    )


def titles(articles: int) -> Counter[str]:
    return Counter({f"Report {index:04d}": 1 for index in range(articles)})


def settled(
    database_url: str, articles: int, follows: Mapping[str, Sequence[str]] = FOLLOWS
) -> Recorded | None:
    """What the database holds, once all `articles` are in, every hit of a subscriber's rules
    (`follows`) is in one of its digests and every digest is sent; None until then."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not _all_in_and_sent(connection, articles):
                return None  # polled often: two counts, not the whole picture
            found = _read(connection)
    finally:
        engine.dispose()
    delivered = {
        address: set().union(*found.digests.get(address, {}).values()) for address in follows
    }
    done = (
        sum(found.articles.values()) == articles
        and all(delivered[a] == found.hits_of(rules) for a, rules in follows.items())
        and set(found.states) == {"sent"}
    )
    return found if done else None


def message_hits(message: EmailMessage) -> frozenset[Pair]:
    """The hits a digest or alert lists: each article under its rule, and the rules of its
    `Also matched:` line. The digest must list every article (max_items large enough)."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "a digest without a plain-text part"
    text = part.get_content()
    assert "more in the feed" not in text, "a digest that does not list all its articles"
    pairs: set[Pair] = set()
    rule, also = "", ()
    for line in text.splitlines():
        if heading := _HEADING.match(line):
            rule, also = heading.group(1), ()
        elif more := _ALSO.match(line):
            also = tuple(name.strip() for name in more.group(1).split(","))
        elif read := _READ.match(line):
            assert rule, f"an article outside a rule's section:\n{text}"
            pairs.update((name, read.group(1)) for name in (rule, *also))
            also = ()
    return frozenset(pairs)


def mailed(accepted: Sequence[Accepted]) -> dict[str, ByMessage]:
    """Recipient -> what its messages deliver. A message accepted more than once (a sender
    killed before it could mark it sent) must be the same bytes every time."""
    first: dict[str, Accepted] = {}
    found: dict[str, ByMessage] = {}
    for arrival in accepted:
        message = arrival.message()
        message_id = str(message["Message-ID"])
        [recipient] = arrival.recipients
        if message_id in first:
            assert arrival.data == first[message_id].data, f"{message_id} changed on a resend"
            continue
        first[message_id] = arrival
        found.setdefault(recipient, {})[message_id] = message_hits(message)
    return found


@dataclass(frozen=True)
class Recorded:
    """What the database holds."""

    articles: Counter[str]  # title -> articles (of any version) with that title
    hits: Counter[Pair]  # -> how many hit rows
    digests: dict[str, ByMessage]  # address -> Message-ID -> its items
    states: Counter[str]  # digest state -> how many

    def hits_of(self, rules: Sequence[str]) -> set[Pair]:
        return {pair for pair in self.hits if pair[0] in rules}


def recorded(database_url: str) -> Recorded:
    """What the database holds; nothing yet while the first daemon is still creating it."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("digest_items"):
                return Recorded(Counter(), Counter(), {}, Counter())
            return _read(connection)
    finally:
        engine.dispose()


def _all_in_and_sent(connection: sa.Connection, articles: int) -> bool:
    if not sa.inspect(connection).has_table("digest_items"):
        return False  # the first daemon is still creating the schema
    stored = connection.execute(sa.text("SELECT COUNT(*) FROM articles")).scalar_one()
    unsent = connection.execute(
        sa.text("SELECT COUNT(*) FROM digests WHERE state != 'sent'")
    ).scalar_one()
    return bool(stored == articles and unsent == 0)


def _read(connection: sa.Connection) -> Recorded:
    titles = connection.execute(
        sa.text(
            "SELECT a.id, MIN(v.title) FROM articles a "
            "JOIN article_versions v ON v.article_id = a.id GROUP BY a.id"
        )
    )
    hits = connection.execute(
        sa.text(
            "SELECT r.name, a.uid FROM hits h JOIN rules r ON r.id = h.rule_id "
            "JOIN articles a ON a.id = h.article_id"
        )
    )
    items = connection.execute(
        sa.text(
            "SELECT s.address, d.message_id, r.name, a.uid FROM digests d "
            "JOIN subscribers s ON s.id = d.subscriber_id "
            "LEFT JOIN digest_items i ON i.digest_id = d.id "
            "LEFT JOIN hits h ON h.id = i.hit_id "
            "LEFT JOIN rules r ON r.id = h.rule_id "
            "LEFT JOIN articles a ON a.id = h.article_id"
        )
    )
    digests: dict[str, dict[str, set[Pair]]] = {}
    for address, message_id, rule, uid in items:
        pairs = digests.setdefault(address, {}).setdefault(message_id, set())
        if rule is not None:
            pairs.add((rule, uid))
    states = connection.execute(sa.text("SELECT state, COUNT(*) FROM digests GROUP BY state"))
    return Recorded(
        articles=Counter(title for _, title in titles),
        hits=Counter((rule, uid) for rule, uid in hits),
        digests={
            address: {key: frozenset(pairs) for key, pairs in messages.items()}
            for address, messages in digests.items()
        },
        states=Counter(dict(states.all())),
    )
