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
from watcher.web.listen import host_port, listen


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
    web = state.config().web
    host = host or web.host
    sock = listen(host, web.port if port is None else port)
    with contextlib.closing(sock):
        port = int(sock.getsockname()[1])
        services = state.services()
        ruleset = state.ruleset()
        metrics = Metrics.create(CollectorRegistry())
        if build:
            build_all(services.sessions, services.config.feeds, ruleset, metrics=metrics)
        config = uvicorn.Config(
            build_app(services, ruleset, metrics=metrics),
            proxy_headers=False,
            server_header=False,
            log_level="info",
        )
        # uvicorn announces the address only when it binds the socket itself.
        click.echo(f"serving on http://{host_port(host, port)}/ (Ctrl-C to stop)", err=True)
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after stopping
            uvicorn.Server(config).run(sockets=[sock])
