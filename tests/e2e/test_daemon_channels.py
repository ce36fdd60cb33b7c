"""`watcher run` with a push channel: an article dropped in the folder reaches the channel
within seconds of the scan that recorded its hit, once; a restart sends nothing again."""

from __future__ import annotations

import re
import time
from pathlib import Path

from e2e.daemon import Daemon, configure
from notify.receiver import Receiver, receiver
from support import write

__all__ = ["receiver"]  # a fixture, imported for pytest

RULES = """\
rules:
  - name: libya
    query: Libya
channels:
  - name: desk
    url: {url}
    rules: [libya]
"""
ARTICLE = "Desk Wire\n\n{title}\n\n3/2/1987, 9:00:00 AM\n\nThe port in Libya reopened.\n"


def test_an_alert_within_5_s_of_its_scan_and_never_twice(
    project: Path, database_url: str, receiver: Receiver
) -> None:
    configure(project, settle="1s")
    (project / "config" / "rules.yaml").write_text(
        RULES.format(url=receiver.json_url), encoding="utf-8"
    )
    daemon = Daemon(project, database_url).start().healthy()
    try:
        daemon.eventually(lambda: "scan:" in daemon.log, within=10, what="the first scan")
        [example] = receiver.wait_for(1, within=5)  # the shipped example mentions Libya
        assert example.payload["title"].startswith("Haftar announces raids")
        dropped = time.monotonic()
        (project / "seeds" / "benghazi.txt").write_text(
            ARTICLE.format(title="Benghazi port reopens"), encoding="utf-8"
        )
        # settle (1 s), the debounce, the scan, then at most 5 s to the channel
        [_, arrival] = receiver.wait_for(2, within=1 + 0.5 + 5)
        assert time.monotonic() - dropped < 1 + 0.5 + 5
        assert arrival.payload["title"] == "Benghazi port reopens"
        assert arrival.alert_id
        # Both alerts recorded as sent (the example's and this one's) before the kill: a kill
        # between hand-over and record would re-send, with the same id (see the crash test).
        daemon.eventually(
            lambda: len(re.findall(r"channel desk: alert \d+ \(\d+ hits\): sent", daemon.log)) == 2,
            within=5,
            what="both alerts recorded as sent",
        )
    finally:
        daemon.kill()
    again = Daemon(project, database_url, port=daemon.port).start().healthy()
    try:
        write(project / "seeds" / "later.txt", ARTICLE.format(title="Later"))
        arrivals = receiver.wait_for(3, within=15)
        assert [a.payload["title"] for a in arrivals][1:] == ["Benghazi port reopens", "Later"]
        assert len(set(receiver.ids())) == len(receiver.arrivals)
    finally:
        again.kill()
