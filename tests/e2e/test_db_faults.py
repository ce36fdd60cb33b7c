"""PostgreSQL faults under a running `watcher run`: its connections terminated by an operator
(`pg_terminate_backend`) in the middle of a scan and of a digest send, and the database
unreachable for a while. The daemon keeps running and says so in one log line per failure;
`/healthz` and `/metrics` report the outage and the recovery; the work resumes, and every
article is stored once, every hit recorded once and mailed in exactly one message."""

from __future__ import annotations

import contextlib
import json
import re
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from digest.smtpd import SmtpServer, smtpd
from e2e.daemon import Daemon, configure, run_command
from sqlalchemy.engine import make_url
from support import EXAMPLE, write

__all__ = ["smtpd"]  # a fixture, imported for pytest

RULES = """\
rules:
  - name: libya
    query: Libya
subscribers:
  - email: desk@example.org
    rules: [libya]
    deliver: immediate
"""
EXAMPLE_TITLE = "Haftar announces raids on Tripoli, Putin sends reinforcements"
# In every article's body, never in a title: a log line showing it dumped article text.
BODY_MARKER = "quayside-witness-statement"
# What the daemon logs when a job's database connection went away (one line each).
FAILED = "ERROR watcher.daemon.scheduler: {job}: the database did not answer ("
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (DEBUG|INFO|WARNING|ERROR) [\w.]+: \S")
BURST = 20
PHASE_S = 45.0  # the deadline of each step (never reached when all is well)


def with_query(url: str, **query: str) -> str:
    return make_url(url).update_query_dict(query).render_as_string(hide_password=False)


def article(title: str) -> str:
    return f"{title}\n\nIn Libya, the port of Benghazi reopened; {BODY_MARKER} {uuid.uuid4()}.\n"


def drop(project: Path, prefix: str, count: int) -> list[str]:
    """`count` new articles, already settled; their titles."""
    titles = [f"{prefix} story {index:03d} ends" for index in range(count)]
    for title in titles:
        write(project / "seeds" / f"{title.replace(' ', '-')}.txt", article(title))
    return titles


class Terminator:
    """An operator's connection that ends the daemon's backends (those whose
    application_name is `app`) with `pg_terminate_backend`."""

    def __init__(self, url: str, app: str) -> None:
        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        self.app = app
        self.ended: list[str] = []  # the statement each ended backend had last run

    def terminate(self, *, busy_only: bool, like: str = "%") -> int:
        """End the daemon's backends (only those inside a transaction whose last statement
        is `like`, when `busy_only`); how many."""
        with self.engine.connect() as connection:
            # In the select list, not the WHERE clause: only the rows chosen are ended.
            found = connection.execute(
                sa.text(
                    "SELECT query, pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :app AND pid <> pg_backend_pid() "
                    "AND query LIKE :like "
                    "AND (NOT :busy_only OR state IN ('active', 'idle in transaction'))"
                ),
                {"app": self.app, "like": like, "busy_only": busy_only},
            ).all()
        self.ended.extend(query for query, _ in found)
        return len(found)

    @contextlib.contextmanager
    def busy_ones(self, like: str = "%") -> Iterator[None]:
        """While the block runs, every backend of the daemon caught inside a transaction
        (whose last statement is `like`) is ended."""
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.005):
                self.terminate(busy_only=True, like=like)

        thread = threading.Thread(target=watch, name="terminator", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join(timeout=10)

    def close(self) -> None:
        self.engine.dispose()


class Proxy:
    """A TCP relay on a free loopback port in front of the database server, which a test cuts
    (every connection closed, each new one hung up on at once) and restores."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.1)
        self.port: int = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="proxy", daemon=True)
        self._thread.start()

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self._open.clear()

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed.set()
        self._thread.join(timeout=10)
        self.cut()
        self.listener.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                if self._cut:
                    client.close()
                    continue
            try:
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open.update((client, server))
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    for sock in (source, sink):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


def metric(daemon: Daemon, name: str) -> float | None:
    """A gauge's value in /metrics; None when the scrape does not list it."""
    reply = daemon.get("/metrics")
    assert reply.status == 200
    found = re.search(rf"^{name} (\S+)$", reply.text, re.MULTILINE)
    return None if found is None else float(found.group(1))


def health(daemon: Daemon) -> int:
    return daemon.get("/healthz").status


def subjects(smtpd: SmtpServer) -> dict[str, set[str]]:
    """Each received message's subject, with the Message-IDs it came with."""
    found: dict[str, set[str]] = {}
    for accepted in smtpd.accepted:
        message = accepted.message()
        found.setdefault(str(message["Subject"]), set()).add(str(message["Message-ID"]))
    return found


def mailed(smtpd: SmtpServer, titles: list[str]) -> dict[str, set[str]]:
    """For each title, the Message-IDs of the received messages about it."""
    received = subjects(smtpd)
    return {
        title: {mid for subject, ids in received.items() if title in subject for mid in ids}
        for title in titles
    }


def assert_one_line_errors(daemon: Daemon) -> None:
    log = daemon.log
    assert "Traceback" not in log, log
    assert "[SQL:" not in log, log
    assert "[parameters:" not in log, log
    assert BODY_MARKER not in log, log
    for line in log.splitlines():
        assert LOG_LINE.match(line), f"not a log line of its own: {line!r}\n{log}"


@pytest.fixture
def app_name() -> str:
    return f"watcher-under-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def terminator(postgres_url: str, app_name: str) -> Iterator[Terminator]:
    ending = Terminator(postgres_url, app_name)
    yield ending
    ending.close()


@pytest.mark.slow
def test_connections_terminated_in_a_scan_and_a_digest_send_lose_and_repeat_nothing(
    project: Path, postgres_url: str, app_name: str, terminator: Terminator, smtpd: SmtpServer
) -> None:
    configure(
        project,
        settle="1s",
        interval="2s",
        mail=f"  smtp:\n    host: {smtpd.host}\n    port: {smtpd.port}\n"
        "    security: none\n    timeout: 10s\n",
    )
    (project / "config" / "rules.yaml").write_text(RULES, encoding="utf-8")
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    daemon = Daemon(project, with_query(postgres_url, application_name=app_name))
    daemon.start().healthy()
    try:
        daemon.eventually(
            lambda: mailed(smtpd, [EXAMPLE_TITLE])[EXAMPLE_TITLE],
            within=PHASE_S,
            what="the example's alert",
        )

        # A burst of articles, scanned while every transaction of the daemon is cut short.
        with terminator.busy_ones():
            titles = [EXAMPLE_TITLE, *drop(project, "Burst", BURST)]
            daemon.eventually(
                lambda: daemon.log.count(FAILED.format(job="scan")) >= 2,
                within=PHASE_S,
                what="two scans cut short",
            )
        daemon.eventually(
            lambda: metric(daemon, "watcher_archive_articles") == len(titles),
            within=PHASE_S,
            what="every article of the burst stored",
        )

        # Alerts (each scan with a hit sends them at once) cut short in a transaction of the
        # outbox...
        with terminator.busy_ones(like="%digest%"):
            seen = len(daemon.log)
            titles += drop(project, "Cut", 1)
            daemon.eventually(
                lambda: FAILED.format(job="alerts") in daemon.log[seen:],
                within=PHASE_S,
                what="a digest send cut short",
            )
        # ... and every connection ended while the mail server takes a message (the job's
        # lock among them): the alerts go on.
        ended: list[int] = []
        next_one = len(smtpd.accepted) + 1

        def end_all() -> None:
            if len(smtpd.accepted) == next_one:
                ended.append(terminator.terminate(busy_only=False))

        smtpd.handler.on_accept = end_all
        titles += drop(project, "Late", 1)  # a scan with a hit: the alerts run again
        daemon.eventually(
            lambda: all(mailed(smtpd, titles).values()),
            within=PHASE_S,
            what="an alert for every article",
        )
        smtpd.handler.on_accept = None
        assert ended[0] > 0
        assert metric(daemon, "watcher_archive_articles") == len(titles)
        assert metric(daemon, "watcher_archive_ingest_errors") == 0
    finally:
        daemon.kill()

    assert all(query.strip() for query in terminator.ended)
    assert any("digest" in query for query in terminator.ended)
    # Each article was mailed once: a message sent again after its mark was lost keeps
    # its Message-ID, which mail clients de-duplicate on.
    assert {title: len(ids) for title, ids in mailed(smtpd, titles).items()} == dict.fromkeys(
        titles, 1
    )
    assert len(set().union(*mailed(smtpd, titles).values())) == len(titles)

    listed = run_command(project, postgres_url, "hits", "--format", "json", "--limit", "0")
    assert listed.returncode == 0, listed.stderr
    hits = json.loads(listed.stdout)
    assert sorted(hit["title"] for hit in hits) == sorted(titles)
    new = sum(int(n) for n in re.findall(r"scan: (\d+) new,", daemon.log))
    assert new == len(titles)  # no article counted new twice
    assert_one_line_errors(daemon)


@pytest.mark.slow
def test_an_unreachable_database_turns_healthz_503_and_the_scan_catches_up_after(
    project: Path, postgres_url: str
) -> None:
    url = make_url(postgres_url)
    proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
    configure(project, settle="1s", interval="2s")
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    daemon = Daemon(project, through)
    daemon.start().healthy()
    try:
        daemon.eventually(
            lambda: health(daemon) == 200 and metric(daemon, "watcher_archive_articles") == 1,
            within=PHASE_S,
            what="the example stored",
        )
        assert metric(daemon, "watcher_database_up") == 1

        proxy.cut()
        daemon.eventually(lambda: health(daemon) == 503, within=PHASE_S, what="/healthz 503")
        assert json.loads(daemon.get("/healthz").text)["database"] == "unavailable"
        assert metric(daemon, "watcher_database_up") == 0
        assert daemon.get("/").status == 503  # the index page says so too
        failed = daemon.log.count(FAILED.format(job="scan"))
        titles = drop(project, "Outage", 3)
        daemon.eventually(
            lambda: daemon.log.count(FAILED.format(job="scan")) > failed,
            within=PHASE_S,
            what="a scan failing while the database is away",
        )
        assert health(daemon) == 503

        proxy.restore()
        daemon.eventually(lambda: health(daemon) == 200, within=PHASE_S, what="/healthz 200")
        assert json.loads(daemon.get("/healthz").text)["database"] == "ok"
        daemon.eventually(
            lambda: metric(daemon, "watcher_archive_articles") == 1 + len(titles),
            within=PHASE_S,
            what="the articles dropped in the outage stored",
        )
        assert metric(daemon, "watcher_database_up") == 1
    finally:
        daemon.kill()
        proxy.close()
    listed = run_command(project, postgres_url, "hits", "--format", "json", "--limit", "0")
    assert listed.returncode == 0, listed.stderr
    hits = json.loads(listed.stdout)
    assert {hit["title"] for hit in hits} == {EXAMPLE_TITLE, *titles}
    assert len({(hit["rule"], hit["title"]) for hit in hits}) == len(hits)
    assert_one_line_errors(daemon)
