"""Pending hits -> a `Digest`: sections by rule, each article once, the cut, the subject line.

Pure: the hits, rules and limits come in as values, nothing is read or remembered. The
digest delivers every hit it is given, listed or not, so the outbox can mark them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from watcher.addresses import Mailbox
from watcher.digest.model import Digest, DigestHit, Entry, Links, RuleInfo, Section

SUBJECT_PREFIX = "[watcher]"
SUBJECT_LIMIT = 120
SUBJECT_MORE = ", …"
EMPTY_SUBJECT = f"{SUBJECT_PREFIX} nothing new"


def _newest_first(hits: Sequence[DigestHit]) -> list[DigestHit]:
    # The uid breaks ties so the same hits always give the same email.
    by_uid = sorted(hits, key=lambda hit: hit.article_uid)
    return sorted(by_uid, key=lambda hit: hit.published, reverse=True)


def _by_rule(hits: Sequence[DigestHit]) -> dict[str, dict[str, DigestHit]]:
    """rule name -> article uid -> the hit (a rule hits an article once; keep the newest)."""
    grouped: dict[str, dict[str, DigestHit]] = {}
    for hit in hits:
        articles = grouped.setdefault(hit.rule, {})
        kept = articles.get(hit.article_uid)
        if kept is None or (hit.matched_at, hit.hit_id) > (kept.matched_at, kept.hit_id):
            articles[hit.article_uid] = hit
    return grouped


def _also(
    uid: str, rule: str, order: Sequence[str], grouped: Mapping[str, Mapping[str, DigestHit]]
) -> tuple[str, ...]:
    """The article's other rules in this digest, in the digest's order."""
    return tuple(other for other in order if other != rule and uid in grouped[other])


def subject(articles: int, sections: Sequence[Section]) -> str:
    """`[watcher] 7 new: libya (4), wagner-libya (3)`, cut whole rules at a time near 120
    characters; the first rule is always named."""
    if not sections:
        return EMPTY_SUBJECT
    head = f"{SUBJECT_PREFIX} {articles} new: "
    parts = [f"{section.rule.name} ({section.count})" for section in sections]
    shown = parts[:1]
    for index, part in enumerate(parts[1:], start=2):
        tail = SUBJECT_MORE if index < len(parts) else ""
        if len(head + ", ".join([*shown, part]) + tail) > SUBJECT_LIMIT:
            break
        shown.append(part)
    return head + ", ".join(shown) + (SUBJECT_MORE if len(shown) < len(parts) else "")


def compose(
    recipient: Mailbox,
    timezone: str,
    hits: Sequence[DigestHit],
    rules: Mapping[str, RuleInfo],
    links: Links,
    *,
    max_items: int,
    subscribed_rules: Sequence[str] = (),
    subscribed_tags: Sequence[str] = (),
) -> Digest:
    """The digest of `hits` for one recipient: rules by hit count (ties by name), each
    article under its first rule only, newest first, at most `max_items` articles listed."""
    grouped = _by_rule(hits)
    order = sorted(grouped, key=lambda name: (-len(grouped[name]), name))
    owner: dict[str, str] = {}
    for name in order:
        for uid in grouped[name]:
            owner.setdefault(uid, name)
    room = max(0, max_items)
    sections: list[Section] = []
    for name in order:
        entries = [
            Entry(hit, _also(hit.article_uid, name, order, grouped))
            for hit in _newest_first(list(grouped[name].values()))
            if owner[hit.article_uid] == name
        ]
        listed = entries[:room]
        room -= len(listed)
        sections.append(
            Section(
                rule=rules.get(name, RuleInfo(name, name)),
                count=len(grouped[name]),
                entries=tuple(listed),
                more=len(entries) - len(listed),
                feed_url=links.rule_feed(name),
            )
        )
    return Digest(
        recipient=recipient,
        timezone=timezone,
        subject=subject(len(owner), sections),
        sections=tuple(sections),
        articles=len(owner),
        hit_ids=tuple(sorted({hit.hit_id for hit in hits})),
        subscribed_rules=tuple(subscribed_rules),
        subscribed_tags=tuple(subscribed_tags),
    )
