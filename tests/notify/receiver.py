"""A real webhook receiver for the channel tests: `http.server` on a free loopback port,
recording every request Apprise's `json://` and `form://` targets make; it can answer with
an error, go down and come back on the same port, and call a hook on each arrival (the
crash test kills the sender there)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from web.live import free_port

POLL_S = 0.02


@dataclass(frozen=True)
class Arrival:
    """One request as it arrived: path, headers (lower-case names) and body."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded

    @property
    def alert_id(self) -> str | None:
        return self.headers.get("x-watcher-alert")


class Receiver:
    """`json_url` / `form_url` point at it; `arrivals` is what it accepted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: list[Arrival] = []
        self.refused: list[Arrival] = []
        self.status = 200
        self.on_arrival: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def json_url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    @property
    def form_url(self) -> str:
        return f"form://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                arrival = Arrival(
                    self.path,
                    {name.lower(): value for name, value in self.headers.items()},
                    self.rfile.read(length),
                )
                if receiver.on_arrival is not None:
                    receiver.on_arrival()
                with receiver._lock:
                    status = receiver.status
                    (receiver.arrivals if status < 300 else receiver.refused).append(arrival)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender was killed while waiting for the answer
                    self.close_connection = True

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Down: the port refuses connections until `start` again."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def ids(self) -> list[str | None]:
        with self._lock:
            return [arrival.alert_id for arrival in self.arrivals]

    def titles(self) -> list[str]:
        with self._lock:
            return [arrival.payload["title"] for arrival in self.arrivals]

    def wait_for(self, count: int, *, within: float = 10.0) -> list[Arrival]:
        """The arrivals once there are `count`, polled until `within` seconds have passed."""
        deadline = time.monotonic() + within
        while True:
            with self._lock:
                if len(self.arrivals) >= count:
                    return list(self.arrivals)
            assert time.monotonic() < deadline, f"{count} arrivals not within {within:g} s"
            threading.Event().wait(POLL_S)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    yield running
    running.stop()
