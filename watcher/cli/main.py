"""The `watcher` group: global options, error-to-exit-code mapping, the commands.

Commands are imported only when run: `watcher --help` and `--version` import click and
nothing else of weight, and each command pays only for what it uses. The one-line help of
each command is therefore kept here too; tests/test_docs.py checks it against the command's
own docstring.
"""

from __future__ import annotations

import gc
import importlib
import logging
import sys
from pathlib import Path
from typing import Any

import click

from watcher import __version__
from watcher.errors import WatcherError

# name -> (module under watcher.cli, attribute, the short help `watcher --help` shows)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": (
        "init",
        "init",
        "Write a working config/, seeds/ (with an example article) and var/ into DIRECTORY.",
    ),
    "run": ("run", "run", "Run the daemon: scans, digests and the web server, until stopped."),
    "scan": (
        "archive",
        "scan",
        "Scan the seeds folder once: archive new and changed articles, record hits.",
    ),
    "status": ("archive", "status", "Counts of the archive, and the last scan."),
    "errors": (
        "archive",
        "errors",
        "Files that could not be ingested (error) or were, with a guess (warning), and why; "
        "they are read again when they change.",
    ),
    "rules": ("rules", "rules", "Check, try and backfill keyword rules."),
    "hits": ("hits", "hits", "List hits, the newest articles (by publication time) first."),
    "digest": ("digest", "digest", "Email digests: what would be sent, send now, what was sent."),
    "channels": (
        "channels",
        "channels",
        "Push channels (Apprise): their state, send what is due, send a test message.",
    ),
    "feeds": ("feeds", "feeds", "The RSS/Atom feeds and the OPML under feeds.dir."),
    "sources": ("sources", "sources", "Feed sources: their state, a poll now, an OPML import."),
    "serve": ("serve", "serve", "Serve the feeds and pages with uvicorn until interrupted."),
    "db": ("db", "db", "Database schema commands."),
}


class WatcherGroup(click.Group):
    """Loads commands on demand, and turns every WatcherError into one clear line and its
    exit code (a traceback with --debug)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(
            importlib.import_module(f"watcher.cli.{module}"), attribute
        )
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, short) for name, (_, _, short) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        from sqlalchemy.exc import SQLAlchemyError  # noqa: PLC0415 - see the docstring

        from watcher.cli.state import CliState, ReportedError  # noqa: PLC0415

        try:
            return super().invoke(ctx)
        except (WatcherError, SQLAlchemyError) as error:
            state = ctx.find_object(CliState)
            if state is not None and state.debug:
                raise
            if isinstance(error, WatcherError):
                raise ReportedError(error) from error
            database = None if state is None else state.loaded_database_url()
            raise ReportedError(database_failure(error, database)) from error


def database_failure(error: Exception, database_url: str | None = None) -> WatcherError:
    """A database error as one line: what the server said, never the statement or the values
    (they hold article text)."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    from watcher.errors import StoreError  # noqa: PLC0415

    if _sqlite_busy(error):
        where = make_url(database_url).database if database_url else "the SQLite database"
        return StoreError(
            f"{where}: locked by another program for longer than watcher waits — let that "
            "program finish and run again (to wait longer, add ?timeout=SECONDS to "
            "database_url); what was committed is kept, and the next run goes on from there"
        )
    reason = str(getattr(error, "orig", None) or error.__class__.__name__).strip().splitlines()
    first = reason[0] if reason else error.__class__.__name__
    return StoreError(
        f"the database failed: {first} — check that it is up and not full (database_url);"
        " what was committed is kept, and the next run goes on from there"
    )


def _sqlite_busy(error: Exception) -> bool:
    """Whether SQLite gave up waiting for another connection's lock (SQLITE_BUSY)."""
    import sqlite3  # noqa: PLC0415

    code = getattr(getattr(error, "orig", None), "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF == sqlite3.SQLITE_BUSY


@click.group(cls=WatcherGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The watcher.yaml to use (default: config/watcher.yaml, then $WATCHER_CONFIG).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(__version__, prog_name="watcher")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool) -> None:
    """watcher: keyword alerts over a folder of articles, as feeds and digests."""
    from watcher.cli.state import CliState  # noqa: PLC0415 - see the module docstring

    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s" if debug else "warning: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    state = CliState(config_option=config_path, debug=debug)
    ctx.obj = state
    ctx.call_on_close(state.close)


def main() -> None:
    """The console script's entry point."""
    try:
        cli(prog_name="watcher")
    finally:
        # The process ends here: left to the collector, the interpreter's shutdown would walk
        # every object the imports made looking for garbage (a fifth of `watcher status`).
        gc.freeze()
