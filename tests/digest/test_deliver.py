"""transport_for: the config and the environment pick the transport and its credentials."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from digest.sample import SENDER, sample_message
from digest.smtpd import PASSWORD, USER, Certificate, SmtpServer, one_account

from watcher.config import MailConfig
from watcher.digest.deliver import MaildirTransport, SmtpTransport, Transport, transport_for
from watcher.errors import ConfigError


def deliver(transport: Transport) -> None:
    transport.deliver(sample_message(), sender=SENDER, recipients=["desk@example.org"], key="d-1")


def test_without_smtp_digests_go_to_the_maildir(tmp_path: Path) -> None:
    transport = transport_for(MailConfig(maildir=tmp_path / "mail"), {})

    assert isinstance(transport, MaildirTransport)
    assert transport.name == "maildir"
    deliver(transport)
    assert len(list((tmp_path / "mail" / "new").iterdir())) == 1


def test_with_smtp_digests_go_to_the_server(smtpd: SmtpServer) -> None:
    transport = transport_for(MailConfig(smtp=smtpd.config()), {})

    assert isinstance(transport, SmtpTransport)
    assert transport.name == "smtp"
    deliver(transport)
    [accepted] = smtpd.accepted
    assert accepted.login is None


def test_the_password_comes_from_the_environment() -> None:
    server = SmtpServer(authenticator=one_account, auth_require_tls=False)
    server.start()
    try:
        config = MailConfig(smtp=server.config(username=USER))
        deliver(transport_for(config, {"WATCHER_SMTP_PASSWORD": PASSWORD}))
    finally:
        server.stop()

    [accepted] = server.accepted
    assert accepted.login == USER


def test_the_ssl_context_reaches_the_transport(certificate: Certificate) -> None:
    server = SmtpServer(tls_context=certificate.server_context(), require_starttls=True)
    server.start()
    try:
        config = MailConfig(smtp=server.config(security="starttls"))
        deliver(transport_for(config, {}, ssl_context=certificate.client_context()))
    finally:
        server.stop()

    [accepted] = server.accepted
    assert accepted.tls


@pytest.mark.parametrize(
    "environ",
    [
        pytest.param({}, id="unset"),
        pytest.param({"WATCHER_SMTP_PASSWORD": ""}, id="empty"),
    ],
)
def test_a_username_without_a_password_is_a_config_error(
    smtpd: SmtpServer, environ: dict[str, str]
) -> None:
    config = MailConfig(smtp=smtpd.config(username=USER))

    with pytest.raises(ConfigError) as caught:
        transport_for(config, environ)

    assert str(caught.value) == (
        f'mail.smtp.username is "{USER}" but WATCHER_SMTP_PASSWORD is not set: '
        "put the password in the environment (never in a file)"
    )


def test_a_password_smtplib_cannot_send_is_a_config_error(smtpd: SmtpServer) -> None:
    config = MailConfig(smtp=smtpd.config(username=USER))

    with pytest.raises(ConfigError, match="not ASCII") as caught:
        transport_for(config, {"WATCHER_SMTP_PASSWORD": "pässwörd"})

    assert "pässwörd" not in str(caught.value)


def test_a_password_without_a_username_is_not_used(
    smtpd: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = MailConfig(smtp=smtpd.config())

    with caplog.at_level(logging.WARNING, logger="watcher.digest.deliver"):
        transport = transport_for(config, {"WATCHER_SMTP_PASSWORD": PASSWORD})

    assert caplog.messages == [
        "WATCHER_SMTP_PASSWORD is set but mail.smtp.username is not: no login"
    ]
    deliver(transport)
    assert len(smtpd.accepted) == 1
