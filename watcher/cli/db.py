"""`watcher db`: schema management."""

from __future__ import annotations

import click

from watcher.cli.state import CliState, pass_state
from watcher.store.db import make_engine, upgrade


@click.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@pass_state
def db_upgrade(state: CliState) -> None:
    """Apply every pending migration (watcher also does this at start)."""
    config = state.config()
    engine = make_engine(config.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    click.echo("database is up to date")
