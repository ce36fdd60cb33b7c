"""The real server: uvicorn on a free loopback port in a thread, and a raw HTTP client that
sends paths exactly as given (no `..` normalization), for the web and end-to-end tests."""

from __future__ import annotations

import contextlib
import http.client
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from types import TracebackType

import uvicorn
from starlette.applications import Starlette

START_DEADLINE_S = 15.0
SERVE_DEADLINE_S = 20.0


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class LiveServer:
    """`with LiveServer(app) as server:` serves `app` at server.url until the block ends."""

    def __init__(self, app: Starlette) -> None:
        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)
        self.port = 0

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + START_DEADLINE_S
        while not self.server.started:
            assert self.thread.is_alive(), "uvicorn stopped before it started"
            assert time.monotonic() < deadline, "uvicorn did not start in time"
            self.thread.join(timeout=0.01)  # waits for a start without sleeping blind
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=START_DEADLINE_S)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def request(
        self, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
    ) -> Reply:
        return request(self.port, path, method=method, headers=headers)


def request(
    port: int, path: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> Reply:
    """One HTTP/1.1 request to 127.0.0.1:`port`, the path sent byte for byte as given."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read())
    finally:
        connection.close()


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_health(process: subprocess.Popen[bytes] | subprocess.Popen[str], port: int) -> None:
    """Until `watcher serve` (the process) answers /healthz on `port`; fails if it exits."""
    deadline = time.monotonic() + SERVE_DEADLINE_S
    while True:
        assert process.poll() is None, process.communicate()
        try:
            if request(port, "/healthz").status == 200:
                return
        except OSError:
            assert time.monotonic() < deadline, "watcher serve did not answer in time"
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.05)  # waits for the server without sleeping blind
