"""`watcher run` end to end: events, reloads, signals, the lock, `watcher scan` beside it."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.daemon import Daemon, configure, run_command
from support import EXAMPLE, write

ARTICLE = """\
Desk Wire

{title}

3/2/1987, 9:00:00 AM

{body}
"""


@pytest.fixture
def daemon(project: Path, database_url: str) -> Iterator[Daemon]:
    configure(project, settle="1s")
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    running = Daemon(project, database_url).start().healthy()
    yield running
    running.kill()


def in_feed(daemon: Daemon, feed: str, text: str) -> bool:
    reply = daemon.get(f"/feeds/{feed}")
    return reply.status == 200 and text in reply.text


def test_the_first_scan_happens_at_start(daemon: Daemon) -> None:
    daemon.eventually(
        lambda: in_feed(daemon, "rules/raids.xml", "Haftar announces raids"),
        within=10,
        what="the example's hit in the raids feed",
    )


def test_a_dropped_article_is_in_its_feed_within_settle_plus_5_s(daemon: Daemon) -> None:
    daemon.eventually(lambda: "scan:" in daemon.log, within=10, what="the first scan")
    dropped = time.monotonic()
    (daemon.project / "seeds" / "benghazi.txt").write_text(
        ARTICLE.format(title="Benghazi port reopens", body="The port in Libya reopened."),
        encoding="utf-8",
    )
    daemon.eventually(
        lambda: in_feed(daemon, "rules/libya.xml", "Benghazi port reopens"),
        within=1 + 5,
        what="the dropped article in the libya feed",
    )
    assert time.monotonic() - dropped < 6


def test_rules_reload_on_change_keep_the_old_on_error_and_on_sighup(daemon: Daemon) -> None:
    rules_d = daemon.project / "config" / "rules.d"
    rules_d.mkdir()
    (rules_d / "port.yaml").write_text("rules:\n  - name: port\n    query: port\n", "utf-8")
    daemon.eventually(
        lambda: daemon.get("/feeds/rules/port.xml").status == 200,
        within=10,
        what="the new rule's feed",
    )
    write(daemon.project / "seeds" / "a.txt", ARTICLE.format(title="A port", body="Harbour."))
    daemon.eventually(
        lambda: in_feed(daemon, "rules/port.xml", "A port"), within=10, what="a match of it"
    )

    (rules_d / "port.yaml").write_text("rules:\n  - name: port\n    query: 'port)'\n", "utf-8")
    daemon.eventually(
        lambda: "reload failed, the previous rules stay in force" in daemon.log,
        within=10,
        what="the reload error in the log",
    )
    assert 'config/rules.d/port.yaml:3:17: rule "port": query: unexpected' in daemon.log
    health = json.loads(daemon.get("/healthz").text)
    assert health["status"] == "degraded"
    assert "port.yaml:3:17" in health["reload"]
    write(daemon.project / "seeds" / "b.txt", ARTICLE.format(title="B port", body="Quay."))
    daemon.eventually(
        lambda: in_feed(daemon, "rules/port.xml", "B port"), within=10, what="old rules matching"
    )

    # Fixed while the file watcher is told nothing (as on a filesystem without events):
    # SIGHUP makes the daemon read the files again.
    (rules_d / "port.yaml").write_text("rules:\n  - name: port\n    query: port\n", "utf-8")
    daemon.signal(signal.SIGHUP)
    daemon.eventually(
        lambda: json.loads(daemon.get("/healthz").text)["status"] == "ok",
        within=10,
        what="reload ok",
    )


def test_sigterm_exits_0_within_10_s_and_one_daemon_per_sqlite_database(
    project: Path, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path / 'one.db'}"
    configure(project)
    first = Daemon(project, database).start().healthy()
    second = Daemon(project, database).start()
    assert second.wait(timeout=60) == 2
    assert "error: another watcher run (pid " in second.log
    assert "one.db.lock — stop it first" in second.log
    started = time.monotonic()
    assert first.stop() == 0
    assert time.monotonic() - started < 10
    assert "stopped" in first.log


def test_watcher_scan_beside_the_daemon_is_safe(daemon: Daemon, database_url: str) -> None:
    daemon.eventually(lambda: "scan:" in daemon.log, within=10, what="the first scan")
    for index in range(20):
        write(
            daemon.project / "seeds" / f"n{index}.txt",
            ARTICLE.format(title=f"N{index}", body="Libya"),
        )
    scan = run_command(daemon.project, database_url, "scan", "--format", "json")
    assert scan.returncode == 0, scan.stderr
    status = run_command(daemon.project, database_url, "status", "--format", "json")
    assert status.returncode == 0, status.stderr
    daemon.eventually(
        lambda: (
            '"articles": 21'
            in run_command(daemon.project, database_url, "status", "--format", "json").stdout
        ),
        within=10,
        what="21 articles, each once",
    )
    hits = run_command(daemon.project, database_url, "hits", "--rule", "libya", "--format", "json")
    assert hits.stdout.count('"rule": "libya"') == 21
