"""SmtpTransport against a real SMTP server (aiosmtpd) and raw sockets that misbehave."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from datetime import timedelta

import pytest
from digest.sample import SENDER, assert_same, sample_message
from digest.smtpd import PASSWORD, USER, Certificate, SmtpServer, one_account, raw_server

from watcher.config import SmtpConfig
from watcher.digest.smtp import SmtpTransport
from watcher.errors import DeliveryError

RECIPIENT = "desk@example.org"


def deliver(transport: SmtpTransport, recipients: tuple[str, ...] = (RECIPIENT,)) -> None:
    transport.deliver(sample_message(), sender=SENDER, recipients=recipients, key="digest-1")


def failure(transport: SmtpTransport, recipients: tuple[str, ...] = (RECIPIENT,)) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        deliver(transport, recipients)
    error = caught.value
    assert "\n" not in str(error)
    return error


@pytest.fixture
def servers() -> Iterator[list[SmtpServer]]:
    """Servers a test configures itself (TLS, AUTH); all stopped afterwards."""
    started: list[SmtpServer] = []
    yield started
    for server in started:
        server.stop()


def server(servers: list[SmtpServer], **options: object) -> SmtpServer:
    started = SmtpServer(**options)  # type: ignore[arg-type]
    started.start()
    servers.append(started)
    return started


def test_the_server_receives_the_message_as_sent(smtpd: SmtpServer) -> None:
    deliver(SmtpTransport(smtpd.config()))

    [accepted] = smtpd.accepted
    assert accepted.sender == SENDER
    assert accepted.recipients == (RECIPIENT,)
    assert_same(accepted.message(), sample_message(), linesep="\r\n")


@pytest.mark.parametrize(
    ("command", "reply", "transient", "says"),
    [
        pytest.param("MAIL", "451 4.3.2 try later", True, "refused the sender", id="mail-451"),
        pytest.param("MAIL", "553 5.7.1 not you", False, "refused the sender", id="mail-553"),
        pytest.param("RCPT", "451 4.3.0 try later", True, f"refused {RECIPIENT}", id="rcpt-451"),
        pytest.param("RCPT", "550 5.1.1 no such user", False, f"refused {RECIPIENT}", id="rcpt-5"),
        pytest.param("DATA", "451 4.3.0 try later", True, "answered", id="data-451"),
        pytest.param("DATA", "554 5.6.0 content refused", False, "answered", id="data-554"),
    ],
)
def test_a_refusal_is_transient_or_permanent_by_its_code(
    smtpd: SmtpServer, command: str, reply: str, transient: bool, says: str
) -> None:
    smtpd.handler.answer(command, reply)
    transport = SmtpTransport(smtpd.config())

    error = failure(transport)

    assert error.transient is transient
    assert str(error).startswith(f"127.0.0.1:{smtpd.port} {says}")
    assert str(error).endswith(reply)
    assert smtpd.accepted == []
    deliver(transport)  # the next attempt goes through: the session was closed cleanly
    assert len(smtpd.accepted) == 1


def test_some_recipients_refused_is_reported_by_the_code(smtpd: SmtpServer) -> None:
    smtpd.handler.answer("RCPT", "550 5.1.1 no such user")

    error = failure(SmtpTransport(smtpd.config()), ("gone@example.org", RECIPIENT))

    assert not error.transient
    assert str(error) == f"127.0.0.1:{smtpd.port} refused gone@example.org: 550 5.1.1 no such user"


def test_a_message_with_a_from_line_reaches_the_server_unquoted(smtpd: SmtpServer) -> None:
    deliver(SmtpTransport(smtpd.config()))

    [accepted] = smtpd.accepted
    assert b"\r\nFrom the desk: " in accepted.data
    assert b">From" not in accepted.data


def test_an_address_beyond_ascii_goes_with_smtputf8(smtpd: SmtpServer) -> None:
    deliver(SmtpTransport(smtpd.config()), ("dësk@exämple.org",))

    [accepted] = smtpd.accepted
    assert accepted.recipients == ("dësk@exämple.org",)
    assert_same(accepted.message(), sample_message(), linesep="\r\n")


def test_an_address_beyond_ascii_needs_a_server_with_smtputf8(servers: list[SmtpServer]) -> None:
    smtpd = server(servers, enable_SMTPUTF8=False)

    error = failure(SmtpTransport(smtpd.config()), ("dësk@exämple.org",))

    assert not error.transient
    assert "SMTPUTF8" in str(error)


def test_a_server_down_is_transient_and_delivery_resumes_when_it_is_up(smtpd: SmtpServer) -> None:
    transport = SmtpTransport(smtpd.config())
    smtpd.stop()

    error = failure(transport)

    assert error.transient
    assert str(error) == f"127.0.0.1:{smtpd.port} refused the connection"
    smtpd.start()
    deliver(transport)
    assert len(smtpd.accepted) == 1


@pytest.mark.parametrize(
    ("greeting", "says"),
    [
        pytest.param(None, "did not answer within 0.3 s", id="never-answers"),
        pytest.param(b"", "closed the connection unexpectedly", id="hangs-up"),
        pytest.param(b"421 4.3.2 busy, come back later\r\n", "answered 421 4.3.2 busy", id="busy"),
        pytest.param(b"554 5.7.1 not for you\r\n", "answered 554 5.7.1 not for", id="refuses"),
    ],
)
def test_a_server_that_will_not_talk_is_transient(greeting: bytes | None, says: str) -> None:
    with raw_server(greeting) as (host, port):
        config = SmtpConfig(host=host, port=port, security="none", timeout=timedelta(seconds=0.3))

        error = failure(SmtpTransport(config))

    assert error.transient
    assert str(error).startswith(f"{host}:{port} {says}")


def test_a_login_with_good_credentials_delivers(servers: list[SmtpServer]) -> None:
    smtpd = server(servers, authenticator=one_account, auth_require_tls=False)

    deliver(SmtpTransport(smtpd.config(username=USER), password=PASSWORD))

    [accepted] = smtpd.accepted
    assert accepted.login == USER


def test_a_wrong_password_is_permanent_and_never_shown(servers: list[SmtpServer]) -> None:
    smtpd = server(servers, authenticator=one_account, auth_require_tls=False)
    wrong = "hunter2-Wrong"
    transport = SmtpTransport(smtpd.config(username=USER), password=wrong)

    error = failure(transport)

    assert not error.transient
    assert str(error).startswith(f"127.0.0.1:{smtpd.port} refused the login of {USER}: 535")
    shown = "".join(traceback.format_exception(error)) + repr(transport)
    assert wrong not in shown
    assert smtpd.accepted == []


def test_a_password_smtplib_cannot_send_is_permanent_and_never_shown(
    servers: list[SmtpServer],
) -> None:
    smtpd = server(servers, authenticator=one_account, auth_require_tls=False)
    unsendable = "pässwörd"
    transport = SmtpTransport(smtpd.config(username=USER), password=unsendable)

    error = failure(transport)

    assert not error.transient
    assert "ASCII" in str(error)
    assert unsendable not in "".join(traceback.format_exception(error))


def test_a_username_for_a_server_without_auth_is_permanent(smtpd: SmtpServer) -> None:
    error = failure(SmtpTransport(smtpd.config(username=USER), password=PASSWORD))

    assert not error.transient
    assert "AUTH" in str(error)


def test_starttls_with_a_trusted_certificate_delivers_encrypted(
    servers: list[SmtpServer], certificate: Certificate
) -> None:
    smtpd = server(
        servers,
        tls_context=certificate.server_context(),
        require_starttls=True,
        authenticator=one_account,  # offered only once TLS is up (auth_require_tls)
    )
    config = smtpd.config(security="starttls", username=USER)

    deliver(SmtpTransport(config, password=PASSWORD, ssl_context=certificate.client_context()))

    [accepted] = smtpd.accepted
    assert accepted.tls
    assert accepted.login == USER
    assert_same(accepted.message(), sample_message(), linesep="\r\n")


def test_starttls_with_an_untrusted_certificate_is_permanent(
    servers: list[SmtpServer], certificate: Certificate
) -> None:
    smtpd = server(servers, tls_context=certificate.server_context())

    error = failure(SmtpTransport(smtpd.config(security="starttls")))  # the system's CAs

    assert not error.transient
    assert "TLS certificate this host does not trust" in str(error)
    assert smtpd.accepted == []


def test_starttls_refuses_a_server_that_does_not_offer_it(smtpd: SmtpServer) -> None:
    error = failure(SmtpTransport(smtpd.config(security="starttls")))

    assert not error.transient
    assert str(error).startswith(f"127.0.0.1:{smtpd.port} does not offer STARTTLS")
    assert smtpd.accepted == []


def test_implicit_tls_delivers_encrypted(
    servers: list[SmtpServer], certificate: Certificate
) -> None:
    smtpd = server(servers, ssl_context=certificate.server_context())
    config = smtpd.config(security="tls")

    deliver(SmtpTransport(config, ssl_context=certificate.client_context()))

    [accepted] = smtpd.accepted
    assert accepted.tls
    assert_same(accepted.message(), sample_message(), linesep="\r\n")


def test_a_username_needs_a_password(smtpd: SmtpServer) -> None:
    with pytest.raises(ValueError, match="needs a password"):
        SmtpTransport(smtpd.config(username=USER))
