"""`watcher serve`: the web server alone (feeds, index, article pages, /healthz, /metrics)."""

from __future__ import annotations

import contextlib
import logging
import socket

import click
from prometheus_client import CollectorRegistry

from watcher.cli.state import CliState, pass_state
from watcher.feeds import build_all
from watcher.feeds.address import link_base
from watcher.metrics import Metrics
from watcher.web import build_app
from watcher.web.intake import make_intake
from watcher.web.listen import host_port, listen
from watcher.web.server import web_server

log = logging.getLogger(__name__)


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
    config = state.config()
    host = host or config.web.host
    sock = listen(host, config.web.port if port is None else port)
    with contextlib.closing(sock):
        port = int(sock.getsockname()[1])
        links = link_base(config.feeds.base_url, host, port, hostname=socket.gethostname())
        if links.warning is not None:
            log.warning(links.warning)
        services = state.services()
        ruleset = state.ruleset()
        metrics = Metrics.create(CollectorRegistry())
        if build:
            build_all(services.sessions, config.feeds, ruleset, base_url=links.url, metrics=metrics)
        app = build_app(
            services,
            ruleset,
            metrics=metrics,
            intake=make_intake(
                services, lambda: ruleset, state.environ, base_url=links.url, metrics=metrics
            ),
        )
        server = web_server(app)
        # uvicorn announces the address only when it binds the socket itself.
        click.echo(
            f"serving on http://{host_port(host, port)}/, feed links start with {links.url}"
            " (Ctrl-C to stop)",
            err=True,
        )
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after stopping
            server.run(sockets=[sock])
