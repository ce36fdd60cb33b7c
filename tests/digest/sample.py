"""A digest-like message to deliver, and the check that one read back is the same."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

SENDER = "watcher@localhost"


def sample_message(recipient: str = "desk@example.org", *, key: str = "digest-1") -> EmailMessage:
    """Multipart text + HTML with what trips transports: non-ASCII in a header and the body,
    a line starting with a dot (SMTP dot-stuffing), one starting with `From ` (mbox quoting),
    and a line longer than SMTP allows."""
    message = EmailMessage()
    message["From"] = f"watcher <{SENDER}>"
    message["To"] = f"Desk <{recipient}>"
    message["Subject"] = "[watcher] 2 new: libya (1), città-é (1)"
    message["Date"] = format_datetime(datetime(2026, 1, 5, 7, 0, tzinfo=UTC))
    message["Message-ID"] = f"<{key}@watcher.test>"
    text = (
        "libya (1)\n\n"
        "Haftar's forces near Tripoli — Città vecchia\n"
        ".a line that starts with a dot\n"
        "From the desk: a line that mbox would quote\n" + "x" * 1200 + "\n"
    )
    message.set_content(text)
    message.add_alternative(
        "<p><mark>Haftar</mark>\u2019s forces near Tripoli — Città vecchia</p>\n<p>.dot</p>\n",
        subtype="html",
    )
    message.set_boundary("==watcher-test-boundary==")  # else set while serialising, on a copy
    return message


def assert_same(got: EmailMessage, sent: EmailMessage, *, linesep: str = "\n") -> None:
    """Equal headers (names, order, decoded values) and equal text and HTML bodies, where
    every line of `got` ends with `linesep` (CRLF on the wire, LF in a Maildir file)."""
    assert [(name, str(value)) for name, value in got.items()] == [
        (name, str(value)) for name, value in sent.items()
    ]
    for kind in ("plain", "html"):
        got_part, sent_part = got.get_body((kind,)), sent.get_body((kind,))
        assert got_part is not None
        assert sent_part is not None
        assert got_part.get_content() == sent_part.get_content().replace("\n", linesep)
