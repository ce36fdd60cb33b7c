"""The checked-in expectation of the golden run (expected.json): read, written, compared.

Per rule: how many articles it hit, the sha256 of their sorted file names (the pin), and
the names themselves, so that a failure can say which articles a change added or removed.
Beside the rules: a fingerprint of the generated articles (did the input change?) and the
scan's counts (did every file still read?). One rule per line, so that `git diff` of an
update reads rule by rule.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

HitSets = Mapping[str, Sequence[str]]  # rule name -> sorted file names of the articles it hit


def hit_set_hash(names: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(names)).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Golden:
    """What one golden run produced, or what expected.json says it must produce."""

    articles: Mapping[str, object]  # {"count": N, "sha256": fingerprint of the files}
    scan: Mapping[str, int]  # the scan summary's counts
    rules: HitSets

    def render(self) -> str:
        rules = [
            f"    {json.dumps(name)}: {json.dumps(_rule_entry(names))}"
            for name, names in self.rules.items()
        ]
        return "\n".join(
            [
                "{",
                f'  "articles": {json.dumps(self.articles)},',
                f'  "scan": {json.dumps(self.scan)},',
                '  "rules": {',
                ",\n".join(rules),
                "  }",
                "}",
                "",
            ]
        )

    @classmethod
    def load(cls, path: Path) -> Golden:
        """The expectation in `path`; AssertionError where a rule's names and hash disagree
        (an edit by hand instead of a rewrite)."""
        document = json.loads(path.read_text(encoding="utf-8"))
        rules: dict[str, list[str]] = {}
        for name, entry in document["rules"].items():
            rules[name] = entry["articles"]
            assert _rule_entry(entry["articles"]) == entry, (
                f"{path}: rule {name!r}: its hits, sha256 and articles disagree — "
                "rewrite the file instead of editing it (see tests/golden/test_golden.py)"
            )
        return cls(document["articles"], document["scan"], rules)


def _rule_entry(names: Sequence[str]) -> dict[str, object]:
    ordered = sorted(names)
    return {"hits": len(ordered), "sha256": hit_set_hash(ordered), "articles": ordered}


def differences(expected: HitSets, actual: HitSets) -> list[str]:
    """One line per rule whose hit set differs: counts, then the articles added and removed."""
    lines = []
    for name in [*expected, *(n for n in actual if n not in expected)]:
        if name not in actual:
            lines.append(f"{name}: expected {len(expected[name])} hits, rule absent from the run")
            continue
        if name not in expected:
            lines.append(f"{name}: {len(actual[name])} hits, rule absent from the expectation")
            continue
        if hit_set_hash(expected[name]) == hit_set_hash(actual[name]):
            continue
        added = sorted(set(actual[name]) - set(expected[name]))
        removed = sorted(set(expected[name]) - set(actual[name]))
        lines.append(
            f"{name}: expected {len(expected[name])} hits, got {len(actual[name])}; "
            f"added {_listed(added)}; removed {_listed(removed)}"
        )
    return lines


def _listed(names: Sequence[str], shown: int = 12) -> str:
    if not names:
        return "none"
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def mismatches(expected: Golden, actual: Golden) -> list[str]:
    """Everything in which a run differs from the expectation, as lines for a human."""
    lines = []
    if expected.articles != actual.articles:
        lines.append(
            f"the generated articles changed: expected {expected.articles}, got "
            f"{actual.articles} (the corpus or tests/golden/corpus.py changed)"
        )
    if expected.scan != actual.scan:
        lines.append(f"the scan counted differently: expected {expected.scan}, got {actual.scan}")
    return lines + differences(expected.rules, actual.rules)
