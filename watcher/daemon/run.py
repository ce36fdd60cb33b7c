"""`watcher run`: wire the services, the lock, the web server, the scheduler and the file
watchers; stop cleanly on SIGTERM or Ctrl-C, reload on SIGHUP.

Stopping: the scan in hand finishes its batch and commits, the scheduler takes no new job,
the web server closes; whatever is still running after STOP_WAIT is left to the next start
(every unit of work is safe to redo), so the process always exits 0 within 10 s.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from prometheus_client import CollectorRegistry
from sqlalchemy.exc import SQLAlchemyError

from watcher.daemon.current import Current, loaded
from watcher.daemon.fswatch import watch
from watcher.daemon.reload import read_files
from watcher.daemon.scheduler import Schedule
from watcher.daemon.work import Work
from watcher.feeds import build_all
from watcher.feeds.address import link_base, served_url
from watcher.logs import LogFormat, configure_logging
from watcher.metrics import Metrics
from watcher.services import build_services
from watcher.sources.api import api_tokens
from watcher.store.db import database_reason
from watcher.store.locks import daemon_lock
from watcher.web import build_app
from watcher.web.intake import make_intake
from watcher.web.listen import host_port, listen
from watcher.web.server import web_server

log = logging.getLogger(__name__)

STOP_WAIT_S = 8.0  # for the jobs in hand; the process is gone within 10 s of the signal


def run_daemon(
    config_path: Path,
    environ: Mapping[str, str],
    *,
    host: str | None = None,
    port: int | None = None,
    log_format: LogFormat = "human",
    debug: bool = False,
) -> int:
    """Run until SIGTERM or SIGINT; the exit code (0). Config errors, a port in use or
    another daemon on this SQLite database raise WatcherError before anything starts."""
    configure_logging(log_format, debug=debug)
    config, ruleset = read_files(config_path, environ)
    api_tokens(environ)  # a weak token is refused before anything starts
    services = build_services(config)
    host = host or config.web.host
    with (
        daemon_lock(services.engine),
        contextlib.closing(listen(host, config.web.port if port is None else port)) as sock,
    ):
        port = int(sock.getsockname()[1])
        hostname = socket.gethostname()
        links = link_base(config.feeds.base_url, host, port, hostname=hostname)
        if links.warning is not None:
            log.warning(links.warning)
        current = Current(loaded(services, ruleset, environ, base_url=links.url))
        metrics = Metrics.create(CollectorRegistry())
        stopping = threading.Event()
        work = Work(
            current,
            config_path=config_path,
            served_url=served_url(host, port, hostname=hostname),
            environ=environ,
            metrics=metrics,
            stopping=stopping,
        )
        build_all(services.sessions, config.feeds, ruleset, base_url=links.url, metrics=metrics)
        app = build_app(
            services,
            lambda: current.state.ruleset,
            metrics=metrics,
            reload_error=lambda: current.reload_error,
            sources=lambda: current.state.config.sources,
            intake=make_intake(
                services,
                lambda: current.state.ruleset,
                environ,
                base_url=links.url,
                metrics=metrics,
            ),
        )
        server = web_server(app)
        web = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="web")
        schedule = Schedule(work)
        with _signals(stopping, schedule):
            web.start()
            observer = watch(
                config.seeds_dir,
                [config.config_dir],
                on_articles=schedule.scan_soon,
                on_config=schedule.reload_soon,
            )
            schedule.start()
            log.info(
                "watcher run: pid %d, serving on http://%s/, feed links start with %s",
                os.getpid(),
                host_port(host, port),
                links.url,
            )
            while not stopping.wait(1.0):
                pass
            _stop(schedule, observer, server, web, work)
    return 0


@contextlib.contextmanager
def _signals(stopping: threading.Event, schedule: Schedule) -> Iterator[None]:
    """SIGTERM and SIGINT stop, SIGHUP reloads; the previous handlers come back after."""

    def stop(number: int, frame: FrameType | None) -> None:
        del frame
        log.info("%s: stopping", signal.Signals(number).name)
        stopping.set()

    def reload(number: int, frame: FrameType | None) -> None:
        del number, frame
        log.info("SIGHUP: reloading the config and rule files")
        schedule.reload_soon()

    handlers = {signal.SIGTERM: stop, signal.SIGINT: stop, signal.SIGHUP: reload}
    previous = {number: signal.signal(number, handler) for number, handler in handlers.items()}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _stop(
    schedule: Schedule,
    observer: Any,
    server: uvicorn.Server,
    web: threading.Thread,
    work: Work,
) -> None:
    observer.stop()
    server.should_exit = True
    # The scheduler takes no new job; the ones running finish (a scan ends after its batch).
    waiting = threading.Thread(target=schedule.scheduler.shutdown, kwargs={"wait": True})
    waiting.start()
    waiting.join(STOP_WAIT_S)
    web.join(1.0)
    if waiting.is_alive():
        log.warning("stopping with work in hand: the next start picks it up where it stopped")
        logging.shutdown()
        sys.stdout.flush()
        os._exit(0)  # a job still talking to a slow mail server: it is safe to redo
    try:
        work.forget()
    except SQLAlchemyError as error:  # the heartbeat left behind is shown as stale
        log.warning("could not remove this daemon's heartbeat: %s", database_reason(error))
    log.info("stopped")
