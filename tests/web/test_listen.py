"""watcher.web.listen: the server's socket, or one line saying why there is none."""

from __future__ import annotations

import socket

import pytest

from watcher.errors import ExitCode, WatcherError
from watcher.web.listen import host_port, listen


def test_port_0_gets_a_free_port_that_listens() -> None:
    with listen("127.0.0.1", 0) as sock:
        port = sock.getsockname()[1]
        assert port > 0
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass


def test_a_taken_port_says_so_and_what_to_do() -> None:
    with listen("127.0.0.1", 0) as holder:
        port = holder.getsockname()[1]
        with pytest.raises(WatcherError) as caught:
            listen("127.0.0.1", port)
    assert caught.value.exit_code == ExitCode.RUNTIME
    assert str(caught.value) == (
        f"cannot listen on 127.0.0.1:{port}: the address is already in use"
        " — stop the program that holds it or pass another --port"
    )


def test_an_address_not_on_this_machine_names_the_options() -> None:
    with pytest.raises(WatcherError) as caught:
        listen("192.0.2.1", 8080)  # TEST-NET-1: never a local address
    assert str(caught.value) == (
        "cannot listen on 192.0.2.1:8080: Cannot assign requested address"
        " — pass another --host or --port (or change web.host, web.port)"
    )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("127.0.0.1", "127.0.0.1:80", id="ipv4"),
        pytest.param("::1", "[::1]:80", id="ipv6"),
        pytest.param("example.org", "example.org:80", id="name"),
    ],
)
def test_host_port(host: str, expected: str) -> None:
    assert host_port(host, 80) == expected
