"""The values a digest is made of, from the hits waiting for a subscriber to the sections
of one email. Plain frozen dataclasses: the store fills them, compose and render read them."""

from __future__ import annotations

from dataclasses import dataclass

from watcher.addresses import Mailbox
from watcher.store.digests import DigestHit

__all__ = ["Digest", "DigestHit", "Entry", "Links", "RuleInfo", "Section"]


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a digest shows of a rule: its name (URLs, subject) and its title (headings)."""

    name: str
    title: str


@dataclass(frozen=True, slots=True)
class Links:
    """The addresses a digest links to, on this server (`feeds.base_url`, ending in "/")."""

    base_url: str

    def article(self, uid: str) -> str:
        return f"{self.base_url}articles/{uid}"

    def rule_feed(self, name: str) -> str:
        return f"{self.base_url}feeds/rules/{name}.xml"


@dataclass(frozen=True, slots=True)
class Entry:
    """One article in a digest, under the first of its rules; `also`: its other rules."""

    hit: DigestHit
    also: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Section:
    """One rule's part of a digest: the articles listed under it, and how many more it had
    beyond the digest's `max_items` (delivered by this digest all the same)."""

    rule: RuleInfo
    count: int  # this rule's hits in the digest, listed here, under another rule, or not
    entries: tuple[Entry, ...]
    more: int
    feed_url: str


@dataclass(frozen=True, slots=True)
class Digest:
    """One email's worth: what it says, to whom, and every hit it delivers."""

    recipient: Mailbox
    timezone: str  # the subscriber's: times are shown in it
    subject: str
    sections: tuple[Section, ...]  # rules by hit count, most first
    articles: int  # distinct articles in the digest, listed or not
    hit_ids: tuple[int, ...]  # every hit delivered, including those past max_items
    # Why the recipient gets it (the subscriber's `rules:` and `tags:`), for the footer.
    subscribed_rules: tuple[str, ...] = ()
    subscribed_tags: tuple[str, ...] = ()
