"""A local feed server for the source tests: http.server on a free loopback port in a thread,
serving what each test puts at a path, and recording every request it received."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHUNK = b"x" * 65_536


@dataclass
class Route:
    """What the server answers at a path."""

    body: bytes = b""
    content_type: str = "application/rss+xml; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None  # answer 304 to a request that offers it
    last_modified: str | None = None
    delay_s: float = 0.0  # wait before answering (ended early when the server stops)
    endless: bool = False  # stream 2 GB of CHUNKs, or until the client hangs up
    announce: bool = True  # an endless body's Content-Length (else it ends with the connection)
    gzip: bool = False  # compress when the client accepts it


@dataclass(frozen=True)
class Seen:
    path: str
    headers: dict[str, str]


class FeedServer:
    """`with feed_server() as server:`: `server.routes[path] = Route(...)`, `server.url(path)`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.stopping = threading.Event()
        handler = type("Handler", (_Handler,), {"feeds": self})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def seen(self, path: str) -> list[Seen]:
        return [request for request in self.requests if request.path == path]


class _Handler(BaseHTTPRequestHandler):
    """Answers from `feeds.routes`; a subclass per server sets `feeds`."""

    protocol_version = "HTTP/1.1"
    feeds: FeedServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `server.requests`."""

    def do_GET(self) -> None:
        server = self.feeds
        server.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = server.routes.get(self.path)
        if route is None:
            self._send(404, b"not here", {"Content-Type": "text/plain"})
            return
        if route.delay_s and server.stopping.wait(route.delay_s):
            return
        if route.etag is not None and self.headers.get("If-None-Match") == route.etag:
            self._send(304, b"", {"ETag": route.etag})
            return
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.etag is not None:
            headers["ETag"] = route.etag
        if route.last_modified is not None:
            headers["Last-Modified"] = route.last_modified
        if route.endless:
            self._endless(headers, announce=route.announce)
            return
        body = route.body
        if route.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        self._send(route.status, body, headers)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _endless(self, headers: dict[str, str], *, announce: bool) -> None:
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        if announce:
            self.send_header("Content-Length", str(2_000_000_000))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            for _ in range(2_000_000_000 // len(CHUNK)):
                if self.feeds.stopping.is_set():
                    return
                self.wfile.write(CHUNK)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client stopped reading, as it should


@contextmanager
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=10)
