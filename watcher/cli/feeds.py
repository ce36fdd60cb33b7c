"""`watcher feeds build`: rewrite every feed and the OPML, remove those of vanished rules."""

from __future__ import annotations

import click

from watcher.cli.output import echo_json
from watcher.cli.state import CliState, pass_state
from watcher.feeds import build_all


@click.group()
def feeds() -> None:
    """The RSS/Atom feeds and the OPML under feeds.dir."""


@feeds.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@pass_state
def build(state: CliState, fmt: str) -> None:
    """Rebuild every feed now (files whose content is unchanged are left alone)."""
    services = state.services()
    report = build_all(
        services.sessions, services.config.feeds, state.ruleset(), base_url=state.feed_link_base()
    )
    if fmt == "json":
        echo_json(report.as_dict())
        return
    click.echo(
        f"feeds: {len(report.written)} written, {report.unchanged} unchanged, "
        f"{len(report.removed)} removed in {report.seconds:.2f}s ({services.config.feeds.dir})"
    )
