"""`watcher scan`, `status` and `errors`: fill the archive and report on it."""

from __future__ import annotations

import sys
from typing import Any

import click

from watcher.cli.output import echo_json, echo_table, iso
from watcher.cli.progress import scan_progress
from watcher.cli.state import CliState, pass_state
from watcher.feeds import build_since
from watcher.matching import prepare_matching
from watcher.scan import run_scan
from watcher.store.articles import count_articles
from watcher.store.files import count_files
from watcher.store.hits import count_hits
from watcher.store.ingest_errors import count_errors, count_warnings, list_errors
from watcher.store.scans import ScanRecord, ScanSummary, last_scan

FORMAT_TEXT_JSON = click.Choice(["text", "json"])
FORMAT_TABLE_JSON = click.Choice(["table", "json"])


@click.command()
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@pass_state
def scan(state: CliState, fmt: str) -> None:
    """Scan the seeds folder once: archive new and changed articles, record hits."""
    services = state.services()
    base_url = state.feed_link_base()  # a config that cannot name the server fails before scanning
    started = services.clock()
    recorder = prepare_matching(services.sessions, state.ruleset(), started)
    show_progress = fmt == "text" and sys.stdout.isatty()
    with scan_progress(enabled=show_progress) as bar:
        task = bar.add_task("scanning", total=None)
        summary = run_scan(
            services.sessions,
            services.scan_settings,
            clock=services.clock,
            record_hits=recorder,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    # The feeds that the hits recorded since `started` touch (none: no file is rewritten).
    build_since(
        services.sessions, services.config.feeds, state.ruleset(), started, base_url=base_url
    )
    if fmt == "json":
        echo_json(summary.as_dict())
    else:
        click.echo(summary_line(summary))


def summary_line(summary: ScanSummary) -> str:
    return (
        f"scan: {summary.new} new, {summary.changed} changed, {summary.unchanged} unchanged, "
        f"{summary.duplicate} duplicate, {summary.waiting} waiting, {summary.errors} errors, "
        f"{summary.warnings} warnings, {summary.hits} hits in {summary.seconds:.2f}s"
    )


@click.command()
@click.option("--format", "fmt", type=FORMAT_TABLE_JSON, default="table", show_default=True)
@pass_state
def status(state: CliState, fmt: str) -> None:
    """Counts of the archive, and the last scan."""
    counts, record = _status(state)
    if fmt == "json":
        last = (
            None
            if record is None
            else {**record.summary.as_dict(), "finished_at": iso(record.finished_at)}
        )
        echo_json({**counts, "last_scan": last})
        return
    rows: list[tuple[str, Any]] = list(counts.items())
    if record is None:
        rows.append(("last scan", "never"))
    else:
        rows.append(("last scan", iso(record.finished_at)))
        rows.append(("last scan result", summary_line(record.summary)))
    echo_table("watcher status", ["what", "value"], rows)


def _status(state: CliState) -> tuple[dict[str, int], ScanRecord | None]:
    rules = len(state.ruleset().enabled())
    with state.services().sessions() as session:
        counts = {
            "articles": count_articles(session),
            "files": count_files(session),
            "errors": count_errors(session),
            "warnings": count_warnings(session),
            "hits": count_hits(session),
            "rules": rules,
        }
        return counts, last_scan(session)


@click.command()
@click.option("--format", "fmt", type=FORMAT_TABLE_JSON, default="table", show_default=True)
@pass_state
def errors(state: CliState, fmt: str) -> None:
    """Files that could not be ingested (error) or were, with a guess (warning), and why;
    they are read again when they change."""
    with state.services().sessions() as session:
        failures = list_errors(session)
    if fmt == "json":
        echo_json(
            [
                {"path": f.path, "level": f.level, "reason": f.reason, "seen_at": iso(f.seen_at)}
                for f in failures
            ]
        )
    elif not failures:
        click.echo("no ingestion errors or warnings")
    else:
        echo_table(
            None,
            ["path", "level", "reason", "seen at"],
            [(f.path, f.level, f.reason, iso(f.seen_at)) for f in failures],
        )
