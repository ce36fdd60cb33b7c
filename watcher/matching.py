"""Rules meet the archive: sync rule rows, percolate new article versions, backfill."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from watcher.channels import APPRISE
from watcher.percolator import Percolator
from watcher.query.compile import CompiledQuery
from watcher.rules import Rule, RuleSet
from watcher.store.articles import StoredVersion, latest_versions
from watcher.store.digests import sync_subscribers
from watcher.store.hits import NewHit, record_hits
from watcher.store.rules import RuleSpec, SyncedRule, sync_rules

log = logging.getLogger(__name__)


def rule_spec(rule: Rule) -> RuleSpec:
    return RuleSpec(rule.name, rule.query, tuple(rule.fields), rule.case_sensitive)


def find_hits(
    percolator: Percolator,
    synced: dict[str, SyncedRule],
    versions: Sequence[StoredVersion],
    *,
    backfill: bool = False,
) -> list[NewHit]:
    """Match each version once against every rule the percolator holds (unless it was
    matched with them as it was read: `StoredVersion.matched`)."""
    hits = []
    for version in versions:
        matched = version.matched
        for name in percolator.matching(version.article) if matched is None else matched:
            rule = synced[name]
            hits.append(
                NewHit(rule.rule_id, rule.version_id, version.article_id, version.id, backfill)
            )
    return hits


@dataclass(frozen=True)
class HitRecorder:
    """Records the hits of freshly archived versions; plugs into `run_scan(record_hits=...)`,
    with `rules` (what `percolator` was built from) for a worker that matches as it reads."""

    rules: Mapping[str, CompiledQuery]
    percolator: Percolator
    synced: dict[str, SyncedRule]

    def __call__(self, session: Session, versions: Sequence[StoredVersion], now: datetime) -> int:
        return record_hits(session, find_hits(self.percolator, self.synced, versions), now)


def prepare_matching(
    sessions: sessionmaker[Session], ruleset: RuleSet, now: datetime
) -> HitRecorder:
    """Sync the enabled rules into the database, run due backfills, return the recorder."""
    enabled = [rule for rule in ruleset.rules if rule.enabled]
    with sessions.begin() as session:
        synced = sync_rules(session, [rule_spec(rule) for rule in enabled], now)
    for rule in enabled:
        if rule.backfill is not None and synced[rule.name].is_new_version:
            added = backfill(sessions, rule, synced[rule.name], since=now - rule.backfill, now=now)
            log.info("rule %s is new or changed: backfilled %d hits", rule.name, added)
    rules = ruleset.enabled()
    return HitRecorder(rules, Percolator(rules), synced)


def backfill(
    sessions: sessionmaker[Session],
    rule: Rule,
    synced: SyncedRule,
    *,
    since: datetime,
    now: datetime,
) -> int:
    """Record `rule`'s hits over the archive's articles published since `since`, marked backfill."""
    percolator = Percolator({rule.name: rule.compiled})
    with sessions.begin() as session:
        versions = latest_versions(session, published_since=since)
        hits = find_hits(percolator, {rule.name: synced}, versions, backfill=True)
        return record_hits(session, hits, now)


def backfill_rule(
    sessions: sessionmaker[Session], rule: Rule, *, period: timedelta, now: datetime
) -> int:
    """`watcher rules backfill NAME --since PERIOD`: sync the rule, then backfill it."""
    with sessions.begin() as session:
        synced = sync_rules(session, [rule_spec(rule)], now)[rule.name]
    return backfill(sessions, rule, synced, since=now - period, now=now)


def prepare(sessions: sessionmaker[Session], ruleset: RuleSet, now: datetime) -> HitRecorder:
    """Sync subscribers and channels, then the rules (running due backfills): a hit
    recorded from now on is theirs to receive, none before."""
    with sessions.begin() as session:
        sync_subscribers(session, [s.key for s in ruleset.subscribers], now)
        sync_subscribers(session, [c.key for c in ruleset.channels], now, channel=APPRISE)
    return prepare_matching(sessions, ruleset, now)


class Matchers:
    """The recorder of the last rule set asked for; a reload (a new RuleSet) prepares anew.

    Rules are never deleted from the database, so a recorder stays right for its rule set.
    Its percolator's memo is not made for several threads at once: polls on their own
    threads take turns to match (matching is quick; recording, in the database, is not
    serialized)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._matching = threading.Lock()
        self._last: tuple[RuleSet, HitRecorder] | None = None

    def recorder(self, ruleset: RuleSet, now: datetime) -> TakingTurns:
        with self._lock:
            if self._last is None or self._last[0] is not ruleset:
                self._last = (ruleset, prepare(self._sessions, ruleset, now))
            return TakingTurns(self._last[1], self._matching)


@dataclass(frozen=True)
class TakingTurns:
    """A HitRecorder whose matching holds `lock`."""

    recorder: HitRecorder
    lock: threading.Lock

    def __call__(self, session: Session, versions: Sequence[StoredVersion], now: datetime) -> int:
        with self.lock:
            hits = find_hits(self.recorder.percolator, self.recorder.synced, versions)
        return record_hits(session, hits, now)
