"""The server's listening socket, opened before anything else is done.

`watcher serve` binds first so that a taken port or a bad address is one clear error before
any feed is built, and so that the port (even `--port 0`) is known when feed links are made.
uvicorn then serves on this socket.
"""

from __future__ import annotations

import errno
import socket

from watcher.errors import WatcherError

BACKLOG = 2048  # uvicorn's default


def host_port(host: str, port: int) -> str:
    """`host:port` as a URL writes it (`[::1]:8080` for an IPv6 address)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` and listening; WatcherError saying what to do if not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # As uvicorn does: a restart need not wait for the old connections' TIME_WAIT to end.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        raise WatcherError(_cannot_listen(host, port, exc)) from exc
    return sock


def _cannot_listen(host: str, port: int, exc: OSError) -> str:
    where = f"cannot listen on {host_port(host, port)}"
    if exc.errno == errno.EADDRINUSE:
        return (
            f"{where}: the address is already in use"
            " — stop the program that holds it or pass another --port"
        )
    if exc.errno == errno.EACCES:
        return f"{where}: permission denied — pass a port above 1023 with --port"
    reason = exc.strerror or str(exc)
    return f"{where}: {reason} — pass another --host or --port (or change web.host, web.port)"
