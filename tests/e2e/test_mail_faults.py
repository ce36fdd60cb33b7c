"""Mail faults end to end: an SMTP connection dropped before or after the final `.`, and a
`watcher digest send` into the Maildir killed with SIGKILL at each step of a delivery. Each
time the next run delivers what is missing and nothing twice: one Message-ID for all copies,
one message per subscriber in the Maildir, an empty `tmp/`, every digest marked sent."""

from __future__ import annotations

import json
import mailbox
import signal
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from cli.deskcli import Desk, desk, rules_yaml, run
from digest.smtpd import HangUp, SmtpServer, smtpd
from e2e.daemon import configure, environ, run_command
from support import write

__all__ = ["desk", "smtpd"]  # fixtures, imported for pytest

RULES = """\
rules:
  - name: libya
    query: Libya
  - name: oil
    query: oil
subscribers:
  - email: desk@example.org
    rules: [libya, oil]
  - email: oil@example.org
    rules: [oil]
"""
# Besides the example article (Libya): the titles each subscriber's digest must list.
ARTICLES = {
    "oil-ports.txt": "Oil ports reopen\n\nLibya's oil ports reopen after the blockade.\n",
    "oil-output.txt": "Oil output falls\n\nOil production fell again in March.\n",
}
TITLES = {
    "desk@example.org": [
        "Haftar announces raids on Tripoli",
        "Oil ports reopen",
        "Oil output falls",
    ],
    "oil@example.org": ["Oil ports reopen", "Oil output falls"],
}


def scanned(desk: Desk, *, mail: str = "") -> None:
    """The project with RULES, ARTICLES and `mail` settings, scanned: hits wait."""
    configure(desk[0], mail=mail)
    rules_yaml(desk, RULES)
    for name, text in ARTICLES.items():
        write(desk[0] / "seeds" / name, text)
    scan = run(desk, "scan")
    assert scan.exit_code == 0, scan.output


def digests(desk: Desk) -> list[dict[str, Any]]:
    """`watcher digest list --format json`: what the outbox shows, oldest first."""
    listed: list[dict[str, Any]] = json.loads(
        run(desk, "digest", "list", "--format", "json").stdout
    )
    return listed[::-1]


@pytest.mark.parametrize(
    ("when", "arrived_first"),
    [
        pytest.param("after-message", 1, id="after-the-final-dot"),
        pytest.param("mid-message", 0, id="before-the-final-dot"),
    ],
)
def test_a_dropped_connection_is_retried_with_the_same_message(
    desk: Desk, smtpd: SmtpServer, when: HangUp, arrived_first: int
) -> None:
    scanned(desk, mail=smtpd.settings(timeout="5s"))
    smtpd.handler.hang_up(when)
    dropped = run(desk, "digest", "send", "--subscriber", "desk@example.org")
    assert dropped.exit_code == 1
    closed = f"{smtpd.host}:{smtpd.port} closed the connection unexpectedly"
    [line] = dropped.stdout.splitlines()
    assert line.startswith("desk@example.org: 4 hits, <")
    assert f", retry: {closed} (next try " in line
    [warning] = dropped.stderr.splitlines()
    assert warning.startswith(f"warning: digest 1 to desk@example.org: {closed}; retry at ")
    [pending] = digests(desk)
    assert (pending["state"], pending["attempts"], pending["last_error"]) == ("pending", 1, closed)
    assert len(smtpd.accepted) == arrived_first

    again = run(desk, "digest", "send", "--subscriber", "desk@example.org")
    assert again.exit_code == 0, again.output
    assert again.stdout == f"desk@example.org: 4 hits, {pending['message_id']}, sent\n"
    arrivals = smtpd.accepted
    assert len(arrivals) == arrived_first + 1
    assert {a.message()["Message-ID"] for a in arrivals} == {pending["message_id"]}
    assert len({a.data for a in arrivals}) == 1  # the same message, byte for byte

    assert run(desk, "digest", "send", "--subscriber", "desk@example.org").stdout == (
        "nothing to send\n"
    )
    assert len(smtpd.accepted) == arrived_first + 1
    [sent] = digests(desk)
    assert (sent["id"], sent["state"], sent["attempts"]) == (pending["id"], "sent", 2)


# `watcher digest send` in a child that kills itself with SIGKILL at one step of the first
# Maildir delivery: the steps are the real ones (os.open, os.fsync, os.link, the outbox's
# deliver), each wrapped to die just before or just after it.
KILLED_AT = """
import os, signal, sys
from pathlib import Path

import watcher.digest.send

step = sys.argv[1]


def die(owner, name, *, after=False, only=lambda *args: True):
    original = getattr(owner, name)

    def hooked(*args, **kwargs):
        if not after and only(*args):
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if after and only(*args):
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, hooked)


if step == "nothing-written":
    die(os, "open", only=lambda path, *rest: Path(path).parts[-3:-1] == ("mail", "tmp"))
elif step == "written-not-synced":
    die(os, "fsync")
elif step == "linked-not-marked":
    die(os, "link", after=True)
elif step == "marked":
    die(watcher.digest.send, "deliver", after=True)

sys.argv = ["watcher", *sys.argv[2:]]
from watcher.cli.main import main

main()
"""


def killed_send(desk: Desk, step: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", KILLED_AT, step, "digest", "send"],
        cwd=desk[0],
        env=environ(desk[1]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("step", "in_tmp", "in_new", "first_digest"),
    [
        pytest.param("nothing-written", 0, 0, "pending", id="before-the-tmp-file"),
        pytest.param("written-not-synced", 1, 0, "pending", id="after-the-tmp-write"),
        pytest.param("linked-not-marked", 1, 1, "pending", id="after-the-link-into-new"),
        pytest.param("marked", 0, 1, "sent", id="after-the-mark"),
    ],
)
def test_a_maildir_delivery_killed_at_each_step_delivers_each_hit_once(
    desk: Desk, step: str, in_tmp: int, in_new: int, first_digest: str
) -> None:
    scanned(desk)
    maildir = desk[0] / "var" / "mail"
    killed = killed_send(desk, step)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # Where it died: proof that the hook stopped it at the step it names.
    assert (len(names(maildir / "tmp")), len(names(maildir / "new"))) == (in_tmp, in_new)
    assert [(d["recipient"], d["state"]) for d in digests(desk)] == [
        ("desk@example.org", first_digest)
    ]

    again = run_command(desk[0], desk[1], "digest", "send")
    assert again.returncode == 0, again.stderr

    assert names(maildir / "tmp") == []
    box = mailbox.Maildir(maildir, factory=None, create=False)
    messages = [
        message_from_bytes(box.get_bytes(key), policy=policy.default) for key in box.iterkeys()
    ]
    for address, titles in TITLES.items():
        [message] = [m for m in messages if m["To"] == address]
        text = message.get_body(("plain",))
        assert text is not None
        assert [title for title in titles if title in text.get_content()] == titles
    assert len(messages) == len(TITLES)
    assert [(d["recipient"], d["state"], d["hits"]) for d in digests(desk)] == [
        ("desk@example.org", "sent", 4),
        ("oil@example.org", "sent", 2),
    ]
    assert run(desk, "digest", "send").stdout == "nothing to send\n"
