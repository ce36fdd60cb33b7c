"""`watcher scan` while another program holds the SQLite database's write lock: it waits and
then archives every file; held longer than it waits, it fails in one line, and the next scan
archives every file, none twice."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from running import added_up, ended, eventually, finished, listed_errors, start_watcher
from support import run_cli, write

from watcher.scan import BATCH_SIZE
from watcher.store.db import make_engine, upgrade

HELD_S = 2  # how long the other program keeps the lock once the scan is under way


def sqlite_database(project: Path) -> Path:
    return project / "var" / "watcher.db"


@contextlib.contextmanager
def write_lock(database: Path, begin: str = "BEGIN IMMEDIATE") -> Iterator[None]:
    """Another program's connection holding the database's write lock (waiting for it first,
    if a transaction of watcher's is under way)."""
    other = sqlite3.connect(database, timeout=60, isolation_level=None)
    try:
        other.execute(begin)
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


def created(database_url: str) -> None:
    """The database with watcher's tables, ready for another program to lock."""
    engine = make_engine(database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def articles_in(project: Path, count: int) -> None:
    """`count` articles beside the example, every file settled: the example, copied just
    now, would otherwise be `waiting` in a scan that starts within scan.settle of it."""
    for index in range(count):
        write(project / "seeds" / f"a{index:04d}.txt", f"Story {index}\n\nBody of {index}.\n")
    past = time.time() - 60
    for path in (project / "seeds").iterdir():
        os.utime(path, (past, past))


def status(project: Path, database_url: str) -> dict[str, object]:
    result = run_cli(project, "status", "--format", "json", database_url=database_url)
    assert result.exit_code == 0, result.output
    counts: dict[str, object] = json.loads(result.stdout)
    return counts


def test_a_scan_waits_for_another_writer_then_archives_every_file(project: Path) -> None:
    database = sqlite_database(project)
    database_url = f"sqlite:///{database}"
    articles_in(project, 40)  # and the example article
    created(database_url)
    with write_lock(database, "BEGIN EXCLUSIVE"):
        scanning = start_watcher(project, database_url, "scan", "--format", "json")
        # The scan's own lock file: the scan is under way, its first write (the rules) next.
        scan_lock = database.with_name(database.name + ".scan.lock")
        eventually(scan_lock.exists, scanning, "the scan under way")
        with pytest.raises(subprocess.TimeoutExpired):  # it waits, neither failing nor done
            scanning.wait(timeout=HELD_S)
    summary = finished(scanning)
    assert (summary["new"], summary["errors"], added_up(summary)) == (41, 0, 41)
    assert listed_errors(project, database_url) == {}
    counts = status(project, database_url)
    assert (counts["articles"], counts["files"], counts["errors"]) == (41, 41, 0)


def test_a_lock_held_longer_than_the_scan_waits_fails_in_one_line_and_loses_nothing(
    project: Path,
) -> None:
    database = sqlite_database(project)
    database_url = f"sqlite:///{database}?timeout=1"  # watcher waits 1 s, not 30
    total = 2 * BATCH_SIZE + 200 + 1  # three batches, and the example article
    articles_in(project, total - 1)
    created(database_url)
    scanning = start_watcher(project, database_url, "scan")
    eventually(lambda: files_seen(database) >= BATCH_SIZE, scanning, "the first batch archived")
    with write_lock(database):  # from between two batches until the scan has given up
        code, stdout, stderr = ended(scanning)
    assert (code, stdout) == (1, "")
    assert stderr.splitlines() == [
        f"error: {database}: locked by another program for longer than watcher waits — let "
        "that program finish and run again (to wait longer, add ?timeout=SECONDS to "
        "database_url); what was committed is kept, and the next run goes on from there"
    ]
    kept = files_seen(database)
    assert BATCH_SIZE <= kept < total
    again = run_cli(project, "scan", "--format", "json", database_url=database_url)
    summary = json.loads(again.stdout)
    assert (summary["new"], summary["unchanged"], summary["errors"]) == (total - kept, kept, 0)
    counts = status(project, database_url)
    assert (counts["articles"], counts["files"], counts["errors"]) == (total, total, 0)


def files_seen(database: Path) -> int:
    """The files the scans have recorded, as committed (read without taking any lock)."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        (count,) = connection.execute("SELECT count(*) FROM seen_files").fetchone()
    return int(count)
