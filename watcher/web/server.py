"""uvicorn as watcher runs it: `watcher serve` and `watcher run` build their server here.

On top of uvicorn's defaults: a connection must send its request head within
HEAD_TIMEOUT_S (uvicorn holds a half-sent head open for ever: a few hundred such
connections, a "slowloris", would starve the server), idle keep-alive connections close
after KEEP_ALIVE_S, and at most MAX_CONNECTIONS are served at once.
"""

from __future__ import annotations

import asyncio

import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

HEAD_TIMEOUT_S = 10.0
KEEP_ALIVE_S = 5
MAX_CONNECTIONS = 1000


class HeadDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request head has not come
    in full within `head_timeout_s` (after it opened, or after the previous response)."""

    head_timeout_s = HEAD_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline = self.loop.call_later(self.head_timeout_s, self._head_late)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._deadline.cancel()
        self._deadline = self.loop.call_later(self.head_timeout_s, self._head_late)

    def connection_lost(self, exc: Exception | None) -> None:
        self._deadline.cancel()
        super().connection_lost(exc)

    def _head_late(self) -> None:
        # uvicorn starts a cycle once a request head is parsed; none (or a finished one
        # only) means the next head never came in full.
        waiting = self.cycle is None or self.cycle.response_complete
        if waiting and not self.transport.is_closing():
            self.transport.close()


def web_server(app: ASGIApp, *, head_timeout_s: float = HEAD_TIMEOUT_S) -> uvicorn.Server:
    """A uvicorn server for `app` (serve it with `.run(sockets=[...])`)."""
    protocol = type("WatcherHttp", (HeadDeadline,), {"head_timeout_s": head_timeout_s})
    return uvicorn.Server(
        uvicorn.Config(
            app,
            http=protocol,
            proxy_headers=False,
            server_header=False,
            log_level="warning",
            timeout_keep_alive=KEEP_ALIVE_S,
            limit_concurrency=MAX_CONNECTIONS,
        )
    )
