"""`watcher serve`: the web server alone (feeds, index, article pages, /healthz, /metrics)."""

from __future__ import annotations

import contextlib

import click
import uvicorn
from prometheus_client import CollectorRegistry

from watcher.cli.state import CliState, pass_state
from watcher.feeds import build_all
from watcher.metrics import Metrics
from watcher.web import build_app


@click.command()
@click.option("--host", help="Address to listen on (default: web.host).")
@click.option("--port", type=click.IntRange(0, 65535), help="Port (default: web.port).")
@click.option(
    "--build/--no-build",
    default=True,
    show_default=True,
    help="Rebuild every feed before serving.",
)
@pass_state
def serve(state: CliState, host: str | None, port: int | None, build: bool) -> None:
    """Serve the feeds and pages with uvicorn until interrupted."""
    services = state.services()
    ruleset = state.ruleset()
    metrics = Metrics.create(CollectorRegistry())
    if build:
        build_all(services.sessions, services.config.feeds, ruleset, metrics=metrics)
    web = services.config.web
    config = uvicorn.Config(
        build_app(services, ruleset, metrics=metrics),
        host=host or web.host,
        port=web.port if port is None else port,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after shutting down
        uvicorn.Server(config).run()
