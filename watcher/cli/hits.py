"""`watcher hits`: list recorded hits, filtered by rule, tag and age."""

from __future__ import annotations

import csv
import sys
from collections.abc import Collection, Iterable, Mapping
from datetime import timedelta

import click
from rich.table import Table

from watcher.cli.options import DURATION
from watcher.cli.output import cell, console, echo_json, iso
from watcher.cli.state import CliState, pass_state
from watcher.errors import ConfigError
from watcher.model import TEXT_FIELDS, Span
from watcher.store.feeds import known_rules
from watcher.store.hits import HitView, count_matching_hits, list_hits
from watcher.terminal import visible

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
TABLE_COLUMNS = ("published", "rule", "title", "matched", "source")
RULE_WIDTH = 20
MAX_LIMIT = 1_000_000_000
COLUMN_GAP = 2
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@click.command()
@click.option("--rule", "rules", multiple=True, help="Only this rule (repeatable).")
@click.option("--tag", "tags", multiple=True, help="Only rules with this tag (repeatable).")
@click.option("--since", type=DURATION, help="Only hits recorded within this period, e.g. 7d.")
@click.option(
    "--limit",
    type=click.IntRange(min=0, max=MAX_LIMIT),
    default=100,
    show_default=True,
    help="0: all of them.",
)
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
    """List hits, the newest articles (by publication time) first."""
    services = state.services()
    cutoff = None if since is None else services.clock() - since
    with services.sessions() as session:
        names = _rule_filter(state, rules, tags, known_rules(session))
        found = list_hits(session, rules=names, since=cutoff, limit=limit or None)
        total = len(found)
        if limit and total == limit:
            total = count_matching_hits(session, rules=names, since=cutoff)
    if fmt == "json":
        echo_json([hit_json(hit) for hit in found])
    elif fmt == "csv":
        _echo_csv(found)
    elif not found:
        click.echo("no hits")
    else:
        _echo_table(found)
    if total > len(found):
        click.echo(f"{len(found)} of {total} hits shown; --limit 0 for all", err=True)


def _rule_filter(
    state: CliState, rules: tuple[str, ...], tags: tuple[str, ...], stored: Mapping[str, int]
) -> set[str] | None:
    """The rule names to list, or None for all; a name or tag that exists nowhere is refused."""
    if not rules and not tags:
        return None
    configured = state.ruleset().rules
    _refuse_unknown("--rule", rules, {rule.name for rule in configured} | set(stored))
    _refuse_unknown("--tag", tags, {tag for rule in configured for tag in rule.tags})
    if not tags:
        return set(rules)
    tagged = {rule.name for rule in configured if set(tags) & set(rule.tags)}
    return tagged & set(rules) if rules else tagged


def _refuse_unknown(option: str, given: Collection[str], known: Collection[str]) -> None:
    unknown = sorted(set(given) - set(known))
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise ConfigError(f"{option} {', '.join(unknown)}: no such name (known: {listed})")


def matched_words(spans: Iterable[Span]) -> list[str]:
    """The words a hit matched, each once, in reading order (title, lead, body, source)."""
    ordered = sorted(spans, key=lambda span: (TEXT_FIELDS.index(span.field), span.start))
    return list(dict.fromkeys(span.text for span in ordered))


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
        "matches": [span.as_json() for span in hit.spans],
    }


def _echo_table(found: list[HitView]) -> None:
    """One line per hit, as wide as the terminal: long cells are cut with "…", never wrapped."""
    out = console()
    rows = [
        (
            hit.published.strftime("%Y-%m-%d %H:%M"),
            hit.rule + (" (backfill)" if hit.backfill else ""),
            cell(hit.title),
            cell(", ".join(matched_words(hit.spans))),
            cell(hit.source),
        )
        for hit in found
    ]
    published = len(rows[0][0])
    rule = min(RULE_WIDTH, max(len("rule"), *(len(row[1]) for row in rows)))
    flexible = max(30, out.width - published - rule - 4 * COLUMN_GAP)
    title, matched = flexible * 5 // 10, flexible * 3 // 10
    widths = (published, rule, title, matched, flexible - title - matched)
    table = Table(box=None, padding=(0, COLUMN_GAP, 0, 0), pad_edge=False, collapse_padding=True)
    for name, width in zip(TABLE_COLUMNS, widths, strict=True):
        table.add_column(name, width=width, no_wrap=True, overflow="ellipsis", header_style="bold")
    for row in rows:
        table.add_row(*row)
    out.print(table)


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text (a leading formula character is quoted away)
    and a terminal shows as text (control characters spelled out)."""
    text = visible("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _echo_csv(found: list[HitView]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for hit in found:
        row = {**hit_json(hit), "matches": "; ".join(matched_words(hit.spans))}
        writer.writerow([csv_cell(row[column]) for column in CSV_COLUMNS])
