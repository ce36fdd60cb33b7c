"""`watcher scan`, `status` and `errors`: fill the archive and report on it."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from watcher.cli.output import echo_json, echo_pairs, echo_table, iso
from watcher.cli.state import CliState, pass_state
from watcher.errors import ConfigError
from watcher.sources.health import Health, healths
from watcher.store.articles import count_articles
from watcher.store.daemons import Heartbeat, list_daemons
from watcher.store.digest_history import digest_counts
from watcher.store.digests import list_digests
from watcher.store.files import count_files
from watcher.store.hits import count_hits
from watcher.store.ingest_errors import count_errors, count_warnings, list_errors
from watcher.store.scans import ScanRecord, ScanSummary, last_scan

FORMAT_TEXT_JSON = click.Choice(["text", "json"])
FAILED_SHOWN = 10  # failed digests listed by `watcher status`
FORMAT_TABLE_JSON = click.Choice(["table", "json"])


@click.command()
@click.option("--format", "fmt", type=FORMAT_TEXT_JSON, default="text", show_default=True)
@pass_state
def scan(state: CliState, fmt: str) -> None:
    """Scan the seeds folder once: archive new and changed articles, record hits."""
    # Matching, feeds, mail and the progress bar are imported for a scan only.
    from watcher.cli.progress import scan_progress  # noqa: PLC0415
    from watcher.jobs import scan_job  # noqa: PLC0415

    services = state.services()
    base_url = state.feed_link_base()  # a config that cannot name the server fails before scanning
    show_progress = fmt == "text" and sys.stdout.isatty()
    with scan_progress(enabled=show_progress) as bar:
        files = bar.add_task("scanning", total=None)
        feeds = bar.add_task("writing feeds", total=None, unit="feeds", visible=False)
        summary = scan_job(
            services,
            state.ruleset(),
            base_url=base_url,
            progress=lambda done, total: bar.update(files, completed=done, total=total),
            feeds_progress=lambda done, total: bar.update(
                feeds, completed=done, total=total, visible=True
            ),
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
    digests, failed = counts.pop("digests"), counts.pop("failed_digests")
    daemons, channels = counts.pop("daemons"), counts.pop("channels")
    feed_sources = counts.pop("sources")
    rows: list[tuple[str, Any]] = list(counts.items())
    rows.append(("digests", ", ".join(f"{n} {state}" for state, n in digests.items())))
    rows.extend(
        ("failed digest", f"#{d['id']} to {d['recipient']}: {d['last_error']}") for d in failed
    )
    if failed:
        rows.append(("", "send them again: watcher digest send --retry-failed"))
    rows.extend(("channel", _channel_brief(channel)) for channel in channels)
    rows.extend(_daemon_rows(daemons))
    rows.extend((f"source {s['name']}", s["summary"]) for s in feed_sources)
    if record is None:
        rows.append(("last scan", "never"))
    else:
        rows.append(("last scan", iso(record.finished_at)))
        rows.append(("last scan result", summary_line(record.summary)))
    echo_pairs(rows)


def _status(state: CliState) -> tuple[dict[str, Any], ScanRecord | None]:
    from watcher.cli.channel_state import channel_rows  # noqa: PLC0415 - only for status

    channels: list[dict[str, Any]] = []
    try:
        rules: int | str = len(state.ruleset().enabled())
    except ConfigError as error:  # the archive's status is still worth showing
        first = str(error).splitlines()[0]
        rules = f"invalid: {first} (watcher rules check lists every error)"
    else:
        channels = channel_rows(state, list(state.ruleset().channels))
    now = state.services().clock()
    with state.services().sessions() as session:
        counts: dict[str, Any] = {
            "articles": count_articles(session),
            "files": count_files(session),
            "errors": count_errors(session),
            "warnings": count_warnings(session),
            "hits": count_hits(session),
            "rules": rules,
            "digests": digest_counts(session),
            "failed_digests": [
                {"id": d.id, "recipient": d.address, "last_error": d.last_error}
                for d in list_digests(session, state="failed", limit=FAILED_SHOWN)
            ],
            "daemons": [_daemon(beat, now) for beat in list_daemons(session)],
            "channels": channels,
            "sources": [_source(h) for h in healths(session, state.config().sources, now)],
        }
        return counts, last_scan(session)


def _channel_brief(row: dict[str, Any]) -> str:
    """`desk-ntfy: ok, 12 sent, 0 waiting` or `...: FAILING since T: the last error`."""
    brief = f"{row['name']}: {row['status']}, {row['sent']} sent, {row['pending']} waiting"
    if row["quiet_now"]:
        brief += ", quiet now"
    if row["failing_since"]:
        brief = brief.replace(": failing,", ": FAILING,")
        brief += f" — since {row['failing_since']}: {row['last_error']}"
    return brief


def _source(health: Health) -> dict[str, Any]:
    return {
        "name": health.name,
        "state": health.state,
        "failing_for_a_day": health.failing_long,
        "summary": health.summary()
        + ("" if health.fetched_at is None else f"; last fetch {iso(health.fetched_at)}")
        + ("" if health.new_at is None else f"; last new entry {iso(health.new_at)}")
        + ("" if health.next_fetch_at is None else f"; next {iso(health.next_fetch_at)}"),
        "last_fetch": iso(health.fetched_at),
        "last_new_entry": iso(health.new_at),
        "next_fetch": iso(health.next_fetch_at),
        "failures": health.failures,
        "last_error": health.last_error,
    }


def _daemon_rows(daemons: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    if not daemons:
        return [("daemon", "none running (watcher run)")]
    rows: list[tuple[str, Any]] = []
    for daemon in daemons:
        stale = (
            " — STALE: no heartbeat for three beats (stopped or stuck?)" if daemon["stale"] else ""
        )
        rows.append(
            (
                "daemon",
                f"pid {daemon['pid']} on {daemon['host']}, since {daemon['started_at']},"
                f" last beat {daemon['last_beat']}{stale}",
            )
        )
        rows.extend((f"  next {job}", when) for job, when in sorted(daemon["next_runs"].items()))
        if daemon["reload_error"]:
            rows.append(("  reload error", daemon["reload_error"]))
    return rows


def _daemon(beat: Heartbeat, now: datetime) -> dict[str, Any]:
    return {
        "pid": beat.pid,
        "host": beat.host,
        "started_at": iso(beat.started_at),
        "last_beat": iso(beat.beat_at),
        "stale": beat.stale(now),
        "next_runs": dict(beat.next_runs),
        "reload_error": beat.reload_error,
    }


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
