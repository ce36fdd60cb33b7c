"""How a rendered digest leaves watcher: the `Transport` interface the outbox talks to, and
`transport_for`, which picks SMTP or the Maildir from the config."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from typing import Protocol

from watcher.config import MailConfig
from watcher.digest.maildir import MaildirTransport
from watcher.digest.smtp import SmtpTransport
from watcher.errors import ConfigError

__all__ = ["PASSWORD_ENV", "MaildirTransport", "SmtpTransport", "Transport", "transport_for"]

PASSWORD_ENV = "WATCHER_SMTP_PASSWORD"  # noqa: S105 - the variable's name, not a password

log = logging.getLogger(__name__)


class Transport(Protocol):
    """Hands one message over to whatever carries it on."""

    name: str  # "smtp" or "maildir", shown in logs and `digest list`

    def deliver(
        self, message: EmailMessage, *, sender: str, recipients: Sequence[str], key: str
    ) -> None:
        """Return when the receiving side has accepted the message.

        `key` identifies the message, the same on every retry, so that a transport can make
        a retry idempotent. Raise DeliveryError(transient=True) for what may succeed later
        (refused connection, timeout, 4xx reply, disconnect) and DeliveryError(
        transient=False) for a permanent refusal (5xx reply, bad credentials), its message
        saying why in one line.
        """
        ...


def transport_for(
    mail: MailConfig, environ: Mapping[str, str], *, ssl_context: ssl.SSLContext | None = None
) -> Transport:
    """SMTP when `mail.smtp` is set (the password from WATCHER_SMTP_PASSWORD), else the Maildir.

    A username without a password, or credentials smtplib cannot send, are ConfigErrors:
    found when the daemon or the command starts, not at the first digest, hours later.
    """
    if mail.smtp is None:
        return MaildirTransport(mail.maildir)
    username, password = mail.smtp.username, environ.get(PASSWORD_ENV) or None
    if username is None:
        if password is not None:
            log.warning("%s is set but mail.smtp.username is not: no login", PASSWORD_ENV)
        return SmtpTransport(mail.smtp, ssl_context=ssl_context)
    if password is None:
        raise ConfigError(
            f'mail.smtp.username is "{username}" but {PASSWORD_ENV} is not set: '
            "put the password in the environment (never in a file)"
        )
    if not (username + password).isascii():
        raise ConfigError(
            f"mail.smtp.username or {PASSWORD_ENV} holds a character that is not ASCII, "
            "which smtplib cannot log in with"
        )
    return SmtpTransport(mail.smtp, password=password, ssl_context=ssl_context)
