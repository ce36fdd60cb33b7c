"""watcher.readahead: a big scan's next batches are read and matched by a worker process.

The worker is a real spawned process. A scan read ahead stores the same articles, hits,
errors and warnings as one read here; a worker that dies or cannot start costs only speed;
a scan told to stop leaves the rest waiting, and its worker ends. Here the scan reads its
own files slowly (a stand-in for a big folder), so that the worker, which takes about a
second to start, gets batches to read before the scan is done.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker
from support import write

from watcher.articles.discover import FoundFile, read_found
from watcher.matching import prepare
from watcher.readahead import Reader, worth_reading_ahead
from watcher.reading import ScanSettings
from watcher.rules import load_rules
from watcher.scan import run_scan
from watcher.services import utc_now
from watcher.store.hits import list_hits
from watcher.store.ingest_errors import list_errors
from watcher.store.scans import ScanSummary

FILES = 60
BATCH = 4
RULES = """\
rules:
  - name: libya
    query: Libya
  - name: wagner
    query: '"Wagner Group" AND (Libya OR Mali)'
"""
BAD_TIME = "Reuters\n\nWagner Group in Mali\n\n32/13/1987\n\nLead.\n\nBody.\n"
TOO_BIG = "x" * 20_000


def _title(index: int) -> str:
    return ("Libya talks", "Wagner Group in Libya", "Cocoa prices")[index % 3] + f" {index}"


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """FILES articles, one file read with a guessed time, one too big to read."""
    folder = tmp_path / "seeds"
    for index in range(FILES):
        write(folder / f"a{index:02}.txt", f"{_title(index)}\n\nSome body text.\n")
    write(folder / "b-guessed.txt", BAD_TIME)
    write(folder / "c-too-big.txt", TOO_BIG)
    return folder


class SlowHere:
    """Reads a file, slowly in the scanning process and at full speed in the worker; a
    worker reading `dies_on` is killed (no result, no exception to pickle)."""

    def __init__(self, dies_on: str | None = None) -> None:
        self.dies_on = dies_on

    def __call__(self, found: FoundFile, limit: int) -> bytes:
        if multiprocessing.parent_process() is None:
            time.sleep(0.1)
        elif found.key == self.dies_on:
            os._exit(1)
        return read_found(found, limit)


Scan = Callable[..., ScanSummary]


@pytest.fixture
def scan(
    sessions: sessionmaker[Session],
    seeds: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> Scan:
    """`run_scan` of the folder with the rules, any scan big enough for a worker, its log
    captured from INFO on."""
    monkeypatch.setattr("watcher.readahead.READAHEAD_MIN_FILES", 1)
    caplog.set_level(logging.INFO)
    rules_file = write(tmp_path / "rules.yaml", RULES)
    settings = ScanSettings(seeds, timedelta(seconds=2), 10_000, ZoneInfo("UTC"), "Desk")

    def run(**options: object) -> ScanSummary:
        recorder = prepare(sessions, load_rules([rules_file]), utc_now())
        return run_scan(
            sessions,
            settings,
            clock=utc_now,
            record_hits=recorder,
            rules=recorder.rules,
            batch_size=BATCH,
            **options,  # type: ignore[arg-type]
        )

    return run


def _hits(sessions: sessionmaker[Session]) -> set[tuple[str, str]]:
    with sessions() as session:
        return {(hit.rule, hit.path) for hit in list_hits(session)}


def _expected_hits() -> set[tuple[str, str]]:
    """What the rules find in the files, from their titles."""
    hits = {("wagner", "b-guessed.txt")}
    for index in range(FILES):
        path = f"a{index:02}.txt"
        if "Libya" in _title(index):
            hits.add(("libya", path))
        if "Wagner Group in Libya" in _title(index):
            hits.add(("wagner", path))
    return hits


def _problems(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        return [(failure.path, failure.level) for failure in list_errors(session)]


def _everything_stored(sessions: sessionmaker[Session], summary: ScanSummary) -> bool:
    """Every file counted once, read or failed as it should be, and every hit recorded."""
    counted = (summary.new, summary.errors, summary.warnings) == (FILES + 1, 1, 1)
    return counted and _hits(sessions) == _expected_hits()


def _read_ahead_from(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "reads ahead" in r.getMessage()]


def _worker_ended() -> bool:
    deadline = time.monotonic() + 30
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.1)
    return not multiprocessing.active_children()


def test_a_scan_read_ahead_stores_what_a_scan_read_here_does(
    scan: Scan, sessions: sessionmaker[Session], seeds: Path, caplog: pytest.LogCaptureFixture
) -> None:
    reported: list[tuple[int, int]] = []

    summary = scan(
        read_bytes=SlowHere(),
        workers=2,
        progress=lambda done, total: reported.append((done, total)),
    )

    assert _read_ahead_from(caplog), "the worker never read a batch: the test proves nothing"
    assert _everything_stored(sessions, summary)
    assert summary.hits == len(_expected_hits())
    assert _problems(sessions) == [("c-too-big.txt", "error"), ("b-guessed.txt", "warning")]
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith(f"{seeds / 'c-too-big.txt'}: file too big") for m in logged)
    assert any(m.startswith(f"{seeds / 'b-guessed.txt'}: line 5:") for m in logged)
    assert reported[0] == (0, FILES + 2)
    assert reported[-1] == (FILES + 2, FILES + 2)
    assert reported == sorted(reported)
    assert _worker_ended()


def test_a_worker_that_dies_costs_only_speed(
    scan: Scan, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    summary = scan(read_bytes=SlowHere(dies_on=f"a{FILES - 6:02}.txt"), workers=2)

    assert _read_ahead_from(caplog), "the worker never read a batch: the test proves nothing"
    assert "scan: the worker process died; reading the rest on one core" in caplog.messages
    assert _everything_stored(sessions, summary)


def test_a_worker_that_cannot_start_costs_only_speed(
    scan: Scan,
    sessions: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", no_processes)

    summary = scan(workers=2)

    assert (
        "scan: reading on one core: cannot start a worker process"
        " ([Errno 38] Function not implemented)"
    ) in caplog.messages
    assert _everything_stored(sessions, summary)


def test_a_scan_told_to_stop_leaves_the_rest_waiting_and_its_worker_ends(
    scan: Scan, sessions: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    stored_batches = 0

    def stop() -> bool:
        nonlocal stored_batches
        # Stop once the worker has read ahead and a batch more has been stored.
        if _read_ahead_from(caplog):
            stored_batches += 1
        return stored_batches > 1

    summary = scan(read_bytes=SlowHere(), workers=2, stop=stop)

    assert 0 < summary.waiting < FILES
    assert summary.new + summary.errors + summary.waiting == FILES + 2
    assert _worker_ended()
    rest = scan(workers=1)
    assert rest.waiting == 0
    assert _hits(sessions) == _expected_hits()


def test_a_worker_reads_ahead_only_where_it_pays() -> None:
    settings = ScanSettings(Path("."), timedelta(0), 10_000, ZoneInfo("UTC"), "Desk")
    rules = dict.fromkeys(("a", "b", "c"))
    reader = Reader(settings, read_found, rules)  # type: ignore[arg-type]
    assert worth_reading_ahead(10_000, reader, workers=2)
    assert not worth_reading_ahead(10_000, reader, workers=1)  # one core
    assert not worth_reading_ahead(100, reader, workers=2)  # a small scan
    many = Reader(settings, read_found, dict.fromkeys(map(str, range(20_000))))  # type: ignore[arg-type]
    assert not worth_reading_ahead(10_000, many, workers=2)  # more rules than files
