"""`watcher db`: schema management."""

from __future__ import annotations

import click

from watcher.cli.state import CliState, pass_state


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Apply every pending migration (watcher also does this at start)."""
    state.services()  # opening the database applies every pending migration
    click.echo("database is up to date")
