"""The `watcher` group: global options, error-to-exit-code mapping, the commands."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from watcher.cli import archive, db, digest, feeds, hits, init, rules, serve
from watcher.cli.state import CliState, ReportedError
from watcher.errors import WatcherError


class WatcherGroup(click.Group):
    """Turns every WatcherError into one clear line and its exit code (a traceback with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except WatcherError as error:
            state = ctx.find_object(CliState)
            if state is not None and state.debug:
                raise
            raise ReportedError(error) from error


@click.group(cls=WatcherGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The watcher.yaml to use (default: config/watcher.yaml, then $WATCHER_CONFIG).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="watcher")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool) -> None:
    """watcher: keyword alerts over a folder of articles, as feeds and digests."""
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s" if debug else "warning: %(message)s",
        stream=sys.stderr,
        force=True,
    )
    state = CliState(config_option=config_path, debug=debug)
    ctx.obj = state
    ctx.call_on_close(state.close)


for command in (
    init.init,
    archive.scan,
    archive.status,
    archive.errors,
    rules.rules,
    hits.hits,
    db.db,
    digest.digest,
    feeds.feeds,
    serve.serve,
):
    cli.add_command(command)


def main() -> None:
    """The console script's entry point."""
    cli(prog_name="watcher")
