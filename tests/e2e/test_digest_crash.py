"""A `watcher digest send` killed after the mail server accepted its message and before it
could mark the digest sent: the next run sends the same message, same Message-ID, once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from digest.smtpd import SmtpServer, smtpd
from e2e.daemon import configure, environ
from support import EXAMPLE, write

__all__ = ["smtpd"]  # a fixture, imported for pytest

WATCHER = shutil.which("watcher", path=str(Path(sys.executable).parent))
RULES = """\
rules:
  - name: libya
    query: Libya
subscribers:
  - email: desk@example.org
    rules: [libya]
"""


def command(project: Path, *args: str) -> list[str]:
    assert WATCHER is not None, "the watcher console script is not installed next to this Python"
    return [WATCHER, "--config", str(project / "config" / "watcher.yaml"), *args]


def watcher(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(project, *args), env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_a_crash_between_accept_and_mark_resends_the_same_message(
    project: Path, database_url: str, smtpd: SmtpServer
) -> None:
    configure(project, mail=smtpd.settings())
    (project / "config" / "rules.yaml").write_text(RULES, encoding="utf-8")
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    env = environ(database_url)
    scan = watcher(project, env, "scan")
    assert scan.returncode == 0, scan.stderr

    sender = subprocess.Popen(
        command(project, "digest", "send"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    smtpd.handler.on_accept = lambda: os.kill(sender.pid, signal.SIGKILL)
    sender.communicate(timeout=120)
    assert sender.returncode == -signal.SIGKILL
    smtpd.handler.on_accept = None
    [first] = smtpd.accepted

    again = watcher(project, env, "digest", "send")
    assert again.returncode == 0, again.stderr
    assert again.stdout.endswith(", sent\n")
    [_, second] = smtpd.accepted
    assert second.message()["Message-ID"] == first.message()["Message-ID"]
    assert second.data == first.data

    third = watcher(project, env, "digest", "send")
    assert third.stdout == "nothing to send\n"
    assert len(smtpd.accepted) == 2
