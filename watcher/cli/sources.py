"""`watcher sources list|fetch|import`: the feed sources, their state, a poll now, an OPML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from watcher.cli.output import echo_json, echo_table, iso
from watcher.cli.state import CliState, pass_state
from watcher.errors import ConfigError

FORMAT_TABLE_JSON = click.Choice(["table", "json"])


@click.group()
def sources() -> None:
    """Feed sources: their state, a poll now, an OPML import."""


@sources.command("list")
@click.option("--format", "fmt", type=FORMAT_TABLE_JSON, default="table", show_default=True)
@pass_state
def list_command(state: CliState, fmt: str) -> None:
    """Each source: its state, last fetch, last new entry, errors, next fetch."""
    from watcher.sources.health import healths  # noqa: PLC0415 - commands import what they use

    configured = state.config().sources
    services = state.services()
    with services.sessions() as session:
        found = healths(session, configured, services.clock())
    rows = [
        {
            "name": h.name,
            "url": h.url,
            "state": h.state,
            "failing_for_a_day": h.failing_long,
            "entries": h.entries,
            "last_fetch": iso(h.fetched_at),
            "last_new_entry": iso(h.new_at),
            "failures": h.failures,
            "failing_since": iso(h.failing_since),
            "last_error": h.last_error,
            "next_fetch": iso(h.next_fetch_at),
        }
        for h in found
    ]
    if fmt == "json":
        echo_json(rows)
    elif not rows:
        click.echo("no sources: add some under sources: in watcher.yaml, or watcher sources import")
    else:
        columns = ["name", "state", "last_fetch", "last_new_entry", "next_fetch", "last_error"]
        table = [[_shown_state(row) if c == "state" else row[c] for c in columns] for row in rows]
        echo_table(None, columns, table)


def _shown_state(row: dict[str, Any]) -> str:
    if row["state"] != "failing":
        return str(row["state"])
    flag = "FAILING FOR OVER A DAY" if row["failing_for_a_day"] else "failing"
    return f"{flag} ({row['failures']} failures since {row['failing_since']})"


@sources.command("fetch")
@click.argument("name", required=False)
@pass_state
def fetch_command(state: CliState, name: str | None) -> None:
    """Poll now, whatever the backoff: NAME, or every source; exit 1 if one failed."""
    from watcher.jobs import poll_job  # noqa: PLC0415 - commands import what they use
    from watcher.matching import Matchers  # noqa: PLC0415

    configured = state.config().sources
    chosen = [s for s in configured if name is None or s.name == name]
    if name is not None and not chosen:
        known = ", ".join(s.name for s in configured) or "none configured"
        raise ConfigError(f"no source named {name!r} (sources: {known})")
    if not chosen:
        click.echo("no sources: add some under sources: in watcher.yaml, or watcher sources import")
        return
    services, ruleset = state.services(), state.ruleset()
    base_url = state.feed_link_base()
    matchers = Matchers(services.sessions)
    failed = False
    for source in chosen:
        report = poll_job(
            services, ruleset, source, matchers=matchers, base_url=base_url, wait=True
        )
        if report is None:  # pragma: no cover - wait=True always polls
            continue
        click.echo(report.line())
        failed = failed or report.error is not None
    if failed:
        raise click.exceptions.Exit(1)


@sources.command("import")
@click.argument("opml_file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--into",
    "into",
    help="The sources.d file to write (default: named after the OPML file).",
)
@pass_state
def import_command(state: CliState, opml_file: Path, into: str | None) -> None:
    """Add the OPML's feeds to a sources.d file; never overwrites one without asking."""
    from watcher.config import shown_path  # noqa: PLC0415 - commands import what they use
    from watcher.sources.opml import plan_import, read_opml, sources_yaml  # noqa: PLC0415
    from watcher.sources.settings import SOURCES_DIR  # noqa: PLC0415

    config = state.config()
    outlines = read_opml(opml_file.read_bytes(), str(opml_file))
    known = config.sources
    plan = plan_import(outlines, {s.url for s in known}, {s.name for s in known})
    for outline, why in plan.skipped:
        click.echo(f"skipped {outline.url}: {why}")
    if not plan.added:
        click.echo(f"nothing to add: {len(outlines)} feeds in {opml_file}, none new")
        return
    stem = Path(into).stem if into else opml_file.stem
    target = config.config_dir / SOURCES_DIR / f"{_file_stem(stem)}.yaml"
    if target.exists():
        click.confirm(f"{shown_path(target)} exists: replace it?", abort=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(sources_yaml(plan.added, opml_file.name), encoding="utf-8")
    temporary.replace(target)
    for name, outline in plan.added:
        click.echo(f"added {name}: {outline.url}")
    click.echo(
        f"{len(plan.added)} sources added to {shown_path(target)}; a running daemon polls them"
        " at once (watcher sources list shows how they fare)"
    )


def _file_stem(stem: str) -> str:
    """A safe file name: letters, digits, dots, dashes and underscores."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in stem).strip(".-")
    return safe or "imported"
