"""Rules by name and their query versions: synced from the rule files before matching."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watcher.store.db import insert_ignore
from watcher.store.tables import RuleRow, RuleVersionRow, table

RULES = table(RuleRow)
RULE_VERSIONS = table(RuleVersionRow)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """What identifies a rule version: its name, query text, fields and case setting."""

    name: str
    query: str
    fields: tuple[str, ...]
    case_sensitive: bool

    @property
    def digest(self) -> str:
        payload = json.dumps([self.query, list(self.fields), self.case_sensitive])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class SyncedRule:
    rule_id: int
    version_id: int
    is_new_version: bool  # the rule is new, or its query changed since the last sync


def sync_rules(session: Session, specs: Sequence[RuleSpec], now: datetime) -> dict[str, SyncedRule]:
    """Make sure every rule and its current version have rows; say which versions are new."""
    if not specs:
        return {}
    names = [spec.name for spec in specs]
    insert_ignore(session, RULES, [{"name": n, "created_at": now} for n in names], ["name"])
    found_ids = session.execute(select(RULES.c.name, RULES.c.id).where(RULES.c.name.in_(names)))
    rule_ids = {name: rule_id for name, rule_id in found_ids}  # noqa: C416 - not a mapping
    rows = [
        {
            "rule_id": rule_ids[spec.name],
            "digest": spec.digest,
            "query": spec.query,
            "fields": list(spec.fields),
            "case_sensitive": spec.case_sensitive,
            "created_at": now,
        }
        for spec in specs
    ]
    inserted = insert_ignore(
        session, RULE_VERSIONS, rows, ["rule_id", "digest"], returning=("rule_id",)
    )
    fresh = {rule_id for (rule_id,) in inserted}
    found = session.execute(
        select(RULE_VERSIONS.c.rule_id, RULE_VERSIONS.c.digest, RULE_VERSIONS.c.id).where(
            RULE_VERSIONS.c.rule_id.in_(list(rule_ids.values())),
            RULE_VERSIONS.c.digest.in_([spec.digest for spec in specs]),
        )
    )
    versions = {(rule_id, digest): version_id for rule_id, digest, version_id in found}
    synced = {}
    for spec in specs:
        rule_id = rule_ids[spec.name]
        synced[spec.name] = SyncedRule(rule_id, versions[(rule_id, spec.digest)], rule_id in fresh)
    return synced


def count_rules(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RULES)) or 0
