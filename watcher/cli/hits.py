"""`watcher hits`: list recorded hits, filtered by rule, tag and age."""

from __future__ import annotations

import csv
import json
import sys
from datetime import timedelta

import click

from watcher.cli.options import DURATION
from watcher.cli.output import echo_json, echo_table, iso
from watcher.cli.state import CliState, pass_state
from watcher.store.hits import HitView, list_hits

CSV_COLUMNS = [
    "rule",
    "article_id",
    "title",
    "source",
    "published",
    "path",
    "matched_at",
    "backfill",
    "matches",
]


@click.command()
@click.option("--rule", "rules", multiple=True, help="Only this rule (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Only rules with this tag (repeatable).")
@click.option("--since", type=DURATION, help="Only hits recorded within this period, e.g. 7d.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@pass_state
def hits(
    state: CliState,
    rules: tuple[str, ...],
    tags: tuple[str, ...],
    since: timedelta | None,
    limit: int,
    fmt: str,
) -> None:
    """List hits, newest first."""
    services = state.services()
    names = _rule_filter(state, rules, tags)
    cutoff = None if since is None else services.clock() - since
    with services.sessions() as session:
        found = list_hits(session, rules=names, since=cutoff, limit=limit)
    if fmt == "json":
        echo_json([hit_json(hit) for hit in found])
    elif fmt == "csv":
        _echo_csv(found)
    elif not found:
        click.echo("no hits")
    else:
        rows = [
            (
                h.rule,
                h.article_id,
                h.title,
                h.source,
                iso(h.published),
                iso(h.matched_at),
                "yes" if h.backfill else "",
            )
            for h in found
        ]
        echo_table(
            None, ["rule", "article", "title", "source", "published", "matched", "backfill"], rows
        )


def _rule_filter(state: CliState, rules: tuple[str, ...], tags: tuple[str, ...]) -> set[str] | None:
    if not rules and not tags:
        return None
    if not tags:
        return set(rules)
    wanted = set(tags)
    tagged = {rule.name for rule in state.ruleset().rules if wanted & set(rule.tags)}
    return tagged & set(rules) if rules else tagged


def hit_json(hit: HitView) -> dict[str, object]:
    return {
        "rule": hit.rule,
        "article_id": hit.article_id,
        "title": hit.title,
        "source": hit.source,
        "published": iso(hit.published),
        "path": hit.path,
        "matched_at": iso(hit.matched_at),
        "backfill": hit.backfill,
        "matches": hit.matches,
    }


def _echo_csv(found: list[HitView]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for hit in found:
        row = hit_json(hit)
        row["matches"] = json.dumps(row["matches"], ensure_ascii=False)
        writer.writerow(row)
