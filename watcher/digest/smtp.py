"""Digests over SMTP (smtplib): implicit TLS, STARTTLS or clear text as configured, an
optional login, timeouts, and every way a hand-over can fail sorted into transient (retry
later) or permanent (a person must act), in one line that never holds the password."""

from __future__ import annotations

import copy
import logging
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from email.policy import EmailPolicy

from watcher.config import SmtpConfig
from watcher.errors import DeliveryError

log = logging.getLogger(__name__)

_PERMANENT = range(500, 600)  # 5xx replies; 4xx and anything odd may pass on a retry


class SmtpTransport:
    """Hands each message to one SMTP server; returns once the server has accepted it."""

    name = "smtp"

    def __init__(
        self,
        config: SmtpConfig,
        *,
        password: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if config.username is not None and not password:
            raise ValueError("an SMTP username needs a password")
        self._config = config
        self._password = password or ""
        self._timeout = config.timeout.total_seconds()
        self._context = ssl_context
        if self._context is None and config.security != "none":
            self._context = ssl.create_default_context()
        host = config.host
        self.where = f"[{host}]:{config.port}" if ":" in host else f"{host}:{config.port}"

    def __repr__(self) -> str:
        config = self._config
        return f"SmtpTransport({self.where}, {config.security}, username={config.username!r})"

    def deliver(
        self, message: EmailMessage, *, sender: str, recipients: Sequence[str], key: str
    ) -> None:
        """One connection per message: connect, secure, log in, send, quit."""
        smtp: smtplib.SMTP | None = None
        broken = False
        try:
            smtp = self._connect()
            self._secure_and_login(smtp)
            data, options = _wire_form(smtp, message, sender, recipients)
            refused = smtp.sendmail(sender, list(recipients), data, options)
        except DeliveryError:  # our own refusal (no STARTTLS): the session is sound
            raise
        except (smtplib.SMTPException, OSError) as exc:
            # After a reply, QUIT is polite; after a timeout it would only wait out the
            # timeout once more.
            broken = isinstance(exc, OSError | smtplib.SMTPServerDisconnected)
            raise self._failure(exc, sender) from exc
        except BaseException:
            broken = True
            raise
        finally:
            if smtp is not None:
                self._close(smtp, polite=not broken)
        if refused:
            # Some recipients accepted, others not: with one recipient per message this
            # cannot happen, so the refusal is reported like any other.
            raise self._refused(refused)
        log.debug("%s accepted %s for %s", self.where, key, ", ".join(recipients))

    def _connect(self) -> smtplib.SMTP:
        # Host and port go to the constructor, not to connect(): only the constructor
        # records the host name that TLS checks the certificate against. It closes the
        # socket itself when the greeting fails or is not 220 (SMTPConnectError).
        config = self._config
        if config.security == "tls":
            return smtplib.SMTP_SSL(
                config.host, config.port, timeout=self._timeout, context=self._context
            )
        return smtplib.SMTP(config.host, config.port, timeout=self._timeout)

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        config = self._config
        smtp.ehlo_or_helo_if_needed()
        if config.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise self._error(
                    f"{self.where} does not offer STARTTLS; refusing to send in clear text "
                    "(mail.smtp.security: starttls)",
                    transient=False,
                )
            smtp.starttls(context=self._context)
            smtp.ehlo()
        if config.username is not None:
            try:
                smtp.login(config.username, self._password)
            except UnicodeEncodeError:
                # smtplib encodes credentials as ASCII; its error would quote the password.
                raise self._error(
                    f"{self.where}: cannot log in: smtplib sends only an ASCII username and "
                    "password",
                    transient=False,
                ) from None

    def _close(self, smtp: smtplib.SMTP, *, polite: bool) -> None:
        if polite:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError) as exc:
                log.debug("%s: QUIT failed (%s), closing the connection", self.where, exc)
        smtp.close()

    def _failure(self, exc: smtplib.SMTPException | OSError, sender: str) -> DeliveryError:
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            return self._refused(exc.recipients)
        if isinstance(exc, smtplib.SMTPResponseException):
            return self._answer(exc, sender)
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            if isinstance(exc.__context__, TimeoutError):
                return self._timed_out()
            return self._error(f"{self.where} closed the connection unexpectedly", transient=True)
        if isinstance(exc, smtplib.SMTPException):
            # What smtplib raises without a reply: an extension the server lacks (AUTH,
            # SMTPUTF8) or no login method in common; retrying will not change it.
            return self._error(f"{self.where}: {exc}", transient=False)
        return self._network_failure(exc)

    def _answer(self, exc: smtplib.SMTPResponseException, sender: str) -> DeliveryError:
        reply = f"{exc.smtp_code} {_one_line(exc.smtp_error)}"
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            text = f"{self.where} refused the login of {self._config.username}: {reply}"
        elif isinstance(exc, smtplib.SMTPSenderRefused):
            text = f"{self.where} refused the sender {sender}: {reply}"
        else:
            text = f"{self.where} answered {reply}"
        # A refused greeting (busy, rate limit, a blocklist) is about this connection, not
        # this message, and is worth trying again whatever its code.
        transient = isinstance(exc, smtplib.SMTPConnectError) or not _permanent(exc.smtp_code)
        return self._error(text, transient=transient)

    def _refused(self, recipients: Mapping[str, tuple[int, bytes]]) -> DeliveryError:
        parts = [
            f"{address}: {code} {_one_line(reply)}" for address, (code, reply) in recipients.items()
        ]
        transient = not any(_permanent(code) for code, _ in recipients.values())
        return self._error(f"{self.where} refused {'; '.join(parts)}", transient=transient)

    def _network_failure(self, exc: OSError) -> DeliveryError:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return self._error(
                f"{self.where} has a TLS certificate this host does not trust: "
                f"{exc.verify_message}",
                transient=False,
            )
        if isinstance(exc, ssl.SSLError):
            return self._error(f"{self.where}: TLS failed: {exc.reason or exc}", transient=True)
        if isinstance(exc, TimeoutError):
            return self._timed_out()
        if isinstance(exc, ConnectionRefusedError):
            return self._error(f"{self.where} refused the connection", transient=True)
        if isinstance(exc, socket.gaierror):
            return self._error(
                f"cannot resolve {self._config.host}: {exc.strerror}", transient=True
            )
        return self._error(f"{self.where}: {exc.strerror or exc}", transient=True)

    def _timed_out(self) -> DeliveryError:
        return self._error(
            f"{self.where} did not answer within {self._timeout:g} s", transient=True
        )

    def _error(self, text: str, *, transient: bool) -> DeliveryError:
        # Servers do not echo passwords, but a message is shown and logged: make sure.
        if self._password:
            text = text.replace(self._password, "***")
        return DeliveryError(text, transient=transient)


def _wire_form(
    smtp: smtplib.SMTP, message: EmailMessage, sender: str, recipients: Sequence[str]
) -> tuple[bytes, list[str]]:
    """The message as SMTP carries it, and the MAIL options that requires.

    What `send_message` does, but without its flattening with the generator's default
    `mangle_from_=True`, which turns a body line "From ..." into ">From ..."
    (python/cpython#89462).
    """
    sent = copy.copy(message)  # deleting a header rebinds the copy's list, not the original's
    del sent["Bcc"]
    del sent["Resent-Bcc"]
    policy = message.policy.clone(linesep="\r\n", mangle_from_=False)
    if all(address.isascii() for address in (sender, *recipients)):
        return sent.as_bytes(policy=policy), []
    if not smtp.has_extn("smtputf8"):
        raise smtplib.SMTPNotSupportedError(
            "an address is not ASCII and the server does not offer SMTPUTF8"
        )
    if isinstance(policy, EmailPolicy):
        policy = policy.clone(utf8=True)
    return sent.as_bytes(policy=policy), ["SMTPUTF8", "BODY=8BITMIME"]


def _permanent(code: int) -> bool:
    return code in _PERMANENT


def _one_line(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())
