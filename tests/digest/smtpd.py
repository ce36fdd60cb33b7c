"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 that records every message it accepts,
answers the next MAIL, RCPT or DATA commands as a test scripts, can hang up in the middle of
a message or after it, and can go down and come back up on the same port. Shared with the
end-to-end tests (fixtures in conftest.py)."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

from watcher.config import SmtpConfig

HOST = "127.0.0.1"
USER = "desk"
PASSWORD = "s3cret-Pa55word"  # noqa: S105 - the one account of the test server


def free_port() -> int:
    """A port nothing listens on (for a moment): for servers that must know theirs upfront."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


HangUp = Literal["mid-message", "after-message"]


@dataclass(frozen=True)
class Accepted:
    """One message the server received whole: envelope and the bytes after DATA. Recorded
    before the reply, so a message whose connection is then dropped is here too: the client
    cannot tell whether it arrived, and a real server may well have queued it."""

    sender: str
    recipients: tuple[str, ...]
    data: bytes
    login: str | None  # the user who logged in, if anyone did
    tls: bool  # whether the message came over TLS (implicit or STARTTLS)

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


class Recorder:
    """An aiosmtpd handler: scripted replies first, otherwise accept and record."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # the server runs in its own thread
        self._script: dict[str, deque[str]] = {"MAIL": deque(), "RCPT": deque(), "DATA": deque()}
        self._accepted: list[Accepted] = []
        self._hang_ups: deque[HangUp] = deque()
        # Called once a message is recorded, before the client hears "250": a test can kill
        # the client there, so that the server has the message and the client never knew.
        self.on_accept: Callable[[], None] | None = None
        # Called when a client names a message's sender, before the reply: a test can kill
        # the client there, with a message in hand that the server never gets.
        self.on_mail: Callable[[], None] | None = None

    def answer(self, command: str, reply: str, *, times: int = 1) -> None:
        """Answer the next `times` MAIL, RCPT or DATA commands with `reply` (e.g. `451 4.3.0
        try later`) instead of accepting them."""
        with self._lock:
            self._script[command].extend([reply] * times)

    def hang_up(self, when: HangUp) -> None:
        """Close the connection of the next DATA without a reply: after the message's first
        line (`mid-message`: nothing recorded), or once the final `.` has arrived and the
        message is recorded (`after-message`: the client never hears "250")."""
        with self._lock:
            self._hang_ups.append(when)

    def hangs_up(self, when: HangUp) -> bool:
        """Whether the next hang-up is due `when` (and it is then taken)."""
        with self._lock:
            if self._hang_ups and self._hang_ups[0] == when:
                self._hang_ups.popleft()
                return True
            return False

    @property
    def accepted(self) -> list[Accepted]:
        with self._lock:
            return list(self._accepted)

    def _scripted(self, command: str) -> Any:
        with self._lock:
            script = self._script[command]
            return script.popleft() if script else MISSING

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> Any:
        if self.on_mail is not None:
            self.on_mail()
        return self._scripted("MAIL")  # MISSING: aiosmtpd records the sender itself

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> Any:
        return self._scripted("RCPT")

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = self._scripted("DATA")
        if reply is not MISSING:
            return str(reply)
        login = session.auth_data.login if session.auth_data else None
        content = envelope.original_content or b""
        accepted = Accepted(
            sender=envelope.mail_from or "",
            recipients=tuple(envelope.rcpt_tos),
            data=content,
            login=login.decode() if isinstance(login, bytes) else login,
            tls=_over_tls(server),
        )
        with self._lock:
            self._accepted.append(accepted)
        if self.on_accept is not None:
            self.on_accept()
        if self.hangs_up("after-message"):
            _hang_up(server)  # the "250" aiosmtpd then writes goes nowhere
        return "250 2.0.0 OK"


class _Smtp(SMTP):
    """aiosmtpd's server, which can hang up half way through a message when told to."""

    async def smtp_DATA(self, arg: str) -> None:
        handler = self.event_handler
        if not (isinstance(handler, Recorder) and handler.hangs_up("mid-message")):
            await super().smtp_DATA(arg)
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readuntil(b"\r\n")  # the message's first line, not its end
        _hang_up(self)
        await asyncio.sleep(0)  # the cancellation lands here, before a buffered line is read


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _Smtp(self.handler, **self.SMTP_kwargs)


def _hang_up(server: SMTP) -> None:
    """What aiosmtpd does on a timeout: stop reading (what is buffered too), close."""
    assert server.transport is not None
    server._handler_coroutine.cancel()
    server.transport.close()


def _over_tls(server: SMTP) -> bool:
    transport = server.transport  # after STARTTLS, the TLS layer's
    return transport is not None and transport.get_extra_info("ssl_object") is not None


def one_account(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """An aiosmtpd authenticator that knows USER with PASSWORD and nobody else."""
    good = isinstance(auth_data, LoginPassword) and auth_data == (
        USER.encode(),
        PASSWORD.encode(),
    )
    # handled=False: aiosmtpd answers `535 5.7.8 Authentication credentials invalid`.
    return AuthResult(success=good, handled=False, auth_data=auth_data if good else None)


class SmtpServer:
    """aiosmtpd's Controller on a port of its own; `stop()` and `start()` again bring it down
    and up on that same port, as a restarted mail server would."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None, **smtp: Any) -> None:
        self.handler = Recorder()
        self.host = HOST
        self.port = free_port()
        self._ssl_context = ssl_context  # implicit TLS; `tls_context=` in smtp for STARTTLS
        self._smtp = smtp
        self._controller: Controller | None = None

    def start(self) -> None:
        assert self._controller is None, "already running"
        controller = _Controller(
            self.handler,
            hostname=self.host,
            port=self.port,
            ssl_context=self._ssl_context,
            server_hostname="localhost",  # not socket.getfqdn(): a DNS lookup per start
            **self._smtp,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def accepted(self) -> list[Accepted]:
        return self.handler.accepted

    def settings(self, *, timeout: str = "10s") -> str:
        """The lines under `mail:` in a watcher.yaml that send to this server in plain text."""
        return (
            f"  smtp:\n    host: {self.host}\n    port: {self.port}\n"
            f"    security: none\n    timeout: {timeout}\n"
        )

    def config(self, **fields: Any) -> SmtpConfig:
        """An SmtpConfig for this server: plain text and a short timeout unless told."""
        values: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": "none",
            "timeout": timedelta(seconds=5),
        }
        return SmtpConfig.model_validate(values | fields)


@contextmanager
def raw_server(greeting: bytes | None) -> Iterator[tuple[str, int]]:
    """A TCP server that is not a mail server: with `greeting=None` it never accepts nor
    speaks (the kernel completes the handshake); otherwise it accepts one connection, sends
    `greeting` (b"" for nothing) and hangs up. Yields (host, port)."""
    with socket.create_server((HOST, 0)) as listener:
        listener.settimeout(10)
        thread = None
        if greeting is not None:
            thread = threading.Thread(target=_greet_once, args=(listener, greeting), daemon=True)
            thread.start()
        host, port = listener.getsockname()[:2]
        yield host, port
        if thread is not None:
            thread.join(timeout=10)


def _greet_once(listener: socket.socket, greeting: bytes) -> None:
    connection, _ = listener.accept()
    with connection:
        connection.sendall(greeting)


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and localhost, with what each side needs."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.cert)


def make_certificate(folder: Path) -> Certificate:
    """Generated with the openssl command; the test is skipped without one."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the TLS tests generate a certificate with the openssl command: not found")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext",
            "keyUsage=critical,digitalSignature,keyCertSign",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return Certificate(cert, key)


@pytest.fixture
def smtpd() -> Iterator[SmtpServer]:
    """A running SMTP server that accepts everything unless scripted otherwise."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"))
