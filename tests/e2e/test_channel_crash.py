"""A `watcher channels send` killed (-9) after the receiver got its alert and before it could
mark it sent: the next run sends that one alert again, with the same X-Watcher-Alert id, so
the receiver can tell; nothing else is sent twice."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from e2e.test_digest_crash import command, environ, watcher
from notify.receiver import Receiver, receiver
from support import EXAMPLE, write

__all__ = ["receiver"]  # a fixture, imported for pytest

RULES = """\
rules:
  - name: libya
    query: Libya
  - name: raids
    query: raid*
channels:
  - name: desk
    url: {url}/${{DESK_TOKEN}}
    rules: [libya, raids]
"""


def test_a_kill_between_delivery_and_mark_resends_only_that_alert_with_its_id(
    project: Path, database_url: str, receiver: Receiver
) -> None:
    (project / "config" / "rules.yaml").write_text(
        RULES.format(url=receiver.json_url), encoding="utf-8"
    )
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    write(project / "seeds" / "second.txt", "Tripoli port\n\nLibya's main port reopened.\n")
    env = {**environ(database_url), "DESK_TOKEN": "t0ken"}
    scan = watcher(project, env, "scan")
    assert scan.returncode == 0, scan.stderr

    sender = subprocess.Popen(
        command(project, "channels", "send"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    receiver.on_arrival = lambda: os.kill(sender.pid, signal.SIGKILL)
    sender.communicate(timeout=120)
    assert sender.returncode == -signal.SIGKILL
    receiver.on_arrival = None
    [first] = receiver.arrivals
    assert first.path == "/hook/t0ken"

    again = watcher(project, env, "channels", "send")
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.endswith(", sent") for line in lines)
    assert "t0ken" not in again.stdout + again.stderr
    repeated, other = receiver.arrivals[1:]
    assert repeated.alert_id == first.alert_id  # the receiver can tell it is the same alert
    assert repeated.body == first.body
    assert other.alert_id != first.alert_id

    third = watcher(project, env, "channels", "send")
    assert (third.returncode, third.stdout) == (0, "nothing to send\n")
    assert len(receiver.arrivals) == 3
