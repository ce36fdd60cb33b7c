"""`watcher run`: the daemon (scheduled and event-driven scans, digests, the web server)."""

from __future__ import annotations

from pathlib import Path

import click

from watcher.cli.state import CliState, pass_state


@click.command()
@click.option("--host", help="Address to listen on (default: web.host).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: web.port).")
@click.option(
    "--log-format",
    type=click.Choice(["human", "json"]),
    default="human",
    show_default=True,
    help="One line per event, for people or as JSON.",
)
@pass_state
def run(state: CliState, host: str | None, port: int | None, log_format: str) -> None:
    """Run the daemon: scans, digests and the web server, until stopped."""
    from watcher.config import find_config_path  # noqa: PLC0415 - the daemon's imports are heavy
    from watcher.daemon.run import run_daemon  # noqa: PLC0415

    config_path = find_config_path(state.config_option, state.environ, Path.cwd())
    run_daemon(
        config_path.resolve(),
        state.environ,
        host=host,
        port=port,
        log_format="json" if log_format == "json" else "human",
        debug=state.debug,
    )
