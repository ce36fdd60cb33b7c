"""The server's own limits: a request head must come in full within its deadline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from web.desk import Desk
from web.live import request

from watcher.web import build_app
from watcher.web.server import web_server

HEAD_TIMEOUT_S = 0.5


@pytest.fixture
def port(desk: Desk) -> Iterator[int]:
    sock = socket.create_server(("127.0.0.1", 0))
    server = web_server(build_app(desk.services, desk.ruleset), head_timeout_s=HEAD_TIMEOUT_S)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline
        thread.join(timeout=0.01)
    yield int(sock.getsockname()[1])
    server.should_exit = True
    thread.join(timeout=30)
    sock.close()


def closed_by_peer(connection: socket.socket, within: float) -> bool:
    connection.settimeout(within)
    try:
        return connection.recv(1024) == b""
    except TimeoutError:
        return False


def test_half_sent_heads_are_closed_and_others_are_served(port: int) -> None:
    slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(50)]
    try:
        for connection in slow:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert request(port, "/healthz").status in (200, 503)  # the server still answers
        assert all(closed_by_peer(connection, HEAD_TIMEOUT_S * 20) for connection in slow)
    finally:
        for connection in slow:
            connection.close()


def test_a_head_sent_in_time_is_answered(port: int) -> None:
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        connection.settimeout(10)
        assert connection.recv(12).startswith(b"HTTP/1.1 ")
