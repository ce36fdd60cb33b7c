"""watcher.feeds.workers: a big build renders in worker processes, and writes the same files.

The workers are real spawned processes. A worker that dies, one that cannot be started and
a pool that cannot start cost only speed: every batch is rendered, in order, by the building
process instead. A worker whose building process is killed exits too.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from test_feeds_build import EXPECTED_FILES, age_all, files
from web.desk import T0, Desk

from watcher.feeds import build_all, build_since, workers
from watcher.feeds.build import FeedsWriteError
from watcher.feeds.workers import rendered
from watcher.processes import worker_count

# Five feeds of 3 entries each (stand-ins: the renderers below read names).
FEEDS = [(name, [1, 2, 3]) for name in "abcde"]
IN_ORDER = ["a@site", "b@site", "c@site", "d@site", "e@site"]


def _rendered_where(batch: list[tuple[str, list[int]]], site: str) -> list[tuple[str, int]]:
    """A stand-in renderer that says which process rendered each batch."""
    return [(f"{name}@{site}", os.getpid()) for name, _ in batch]


def _dies_in_a_worker(batch: list[tuple[str, list[int]]], site: str) -> list[tuple[str, int]]:
    if multiprocessing.parent_process() is not None:
        os._exit(1)  # killed mid-batch: no result, no exception to pickle
    return _rendered_where(batch, site)


def _stuck(batch: list[tuple[str, list[int]]], site: str) -> list[tuple[str, int]]:
    """A renderer that never finishes, after leaving its pid in WATCHER_TEST_PIDS."""
    (Path(os.environ["WATCHER_TEST_PIDS"]) / str(os.getpid())).touch()
    time.sleep(600)
    return []


def _running(pid: int) -> bool:
    """Whether process `pid` is alive (a zombie has ended: only its exit status is left)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.fixture(autouse=True)
def small_builds_use_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers start for builds of 5 entries or more here (their feeds are small), and are
    sent a batch of about 3 entries at a time (one of FEEDS)."""
    monkeypatch.setattr("watcher.feeds.workers.PARALLEL_MIN_ENTRIES", 5)
    monkeypatch.setattr("watcher.feeds.workers.ENTRIES_PER_WORKER_BATCH", 3)


@pytest.fixture
def desk(ingested_desk: Desk) -> Desk:
    return ingested_desk


@pytest.fixture
def pools(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every pool of workers started (the pools are real)."""
    started: list[int] = []
    start = workers._start

    def counted(size: int) -> ProcessPoolExecutor | None:
        started.append(size)
        return start(size)

    monkeypatch.setattr(workers, "_start", counted)
    return started


def _render_all(
    render: Callable[..., list[tuple[str, int]]], caplog: pytest.LogCaptureFixture
) -> tuple[set[int], list[str]]:
    """Render FEEDS with two workers: which processes rendered them, and what was logged.
    Whatever happens to the workers, every feed comes back, in order."""
    with caplog.at_level(logging.INFO, logger="watcher.feeds.workers"):
        results = list(rendered(FEEDS, "site", 2, render=render))
    assert [name for name, _ in results] == IN_ORDER
    return {pid for _, pid in results}, [r.getMessage() for r in caplog.records]


def test_workers_render_every_batch_in_order_in_other_processes(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pids, logged = _render_all(_rendered_where, caplog)
    assert os.getpid() not in pids
    assert logged == []


def test_one_worker_means_rendering_here() -> None:
    results = list(rendered(FEEDS, "site", 1, render=_rendered_where))
    assert {pid for _, pid in results} == {os.getpid()}


def test_a_build_with_few_entries_starts_no_worker(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("watcher.feeds.workers.PARALLEL_MIN_ENTRIES", 16)  # FEEDS hold 15
    pids, logged = _render_all(_rendered_where, caplog)
    assert pids == {os.getpid()}
    assert logged == []
    assert multiprocessing.active_children() == []


def test_a_worker_that_dies_costs_only_speed(caplog: pytest.LogCaptureFixture) -> None:
    pids, logged = _render_all(_dies_in_a_worker, caplog)
    assert pids == {os.getpid()}
    assert logged == ["feeds: a rendering worker died; rendering the rest on one core"]


def test_a_pool_that_cannot_start_renders_here(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_processes(*args: object, **kwargs: object) -> None:
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", no_processes)
    pids, logged = _render_all(_rendered_where, caplog)
    assert pids == {os.getpid()}
    assert logged == [
        "feeds: rendering on one core: cannot start worker processes"
        " ([Errno 38] Function not implemented)"
    ]


def test_workers_are_one_per_core_unless_told() -> None:
    assert worker_count() == min(4, len(os.sched_getaffinity(0)))
    assert worker_count(2) == 2
    assert worker_count(0) == 1


def test_feeds_rendered_by_workers_are_the_same_files(
    desk: Desk, pools: list[int], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, workers=1)
    assert pools == []
    whole = {name: (desk.feeds_dir / name).read_bytes() for name in files(desk)}
    age_all(desk)
    monkeypatch.setattr("watcher.feeds.workers.ENTRIES_PER_WORKER_BATCH", 1)  # a batch a feed
    with caplog.at_level(logging.INFO, logger="watcher.feeds.workers"):
        report = build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, workers=2)
    assert pools == [2]
    assert caplog.records == []  # none died
    assert (report.written, report.unchanged) == ([], len(EXPECTED_FILES))
    assert {name: (desk.feeds_dir / name).read_bytes() for name in files(desk)} == whole


def test_an_incremental_build_by_workers_writes_every_feed_of_a_new_folder(
    desk: Desk, pools: list[int]
) -> None:
    told: list[tuple[int, int]] = []
    report = build_since(
        desk.services.sessions,
        desk.config.feeds,
        desk.ruleset,
        T0 + timedelta(days=30),
        workers=2,
        progress=lambda done, total: told.append((done, total)),
    )
    assert pools == [2]
    assert set(report.written) == EXPECTED_FILES
    assert files(desk) == EXPECTED_FILES
    feeds = len(EXPECTED_FILES) // 2  # each in two formats; the OPML is not a feed
    assert told == [(n, feeds) for n in range(1, feeds + 1)]


def test_a_feed_that_cannot_be_written_stops_the_workers_and_is_one_error(
    desk: Desk, pools: list[int]
) -> None:
    blocked = desk.feeds_dir / "rules" / "libya.atom"
    blocked.mkdir(parents=True)  # a folder where the feed goes: it cannot be written
    with pytest.raises(FeedsWriteError, match="cannot write the feeds under"):
        build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, workers=2)
    assert pools == [2]
    assert multiprocessing.active_children() == []
    blocked.rmdir()
    report = build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, workers=2)
    assert "rules/libya.atom" in report.written
    assert multiprocessing.active_children() == []


DRIVER = """
from test_feeds_workers import FEEDS, _stuck
from watcher.feeds import workers
workers.PARALLEL_MIN_ENTRIES = workers.ENTRIES_PER_WORKER_BATCH = 1
list(workers.rendered(FEEDS, "site", 2, render=_stuck))
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_workers_exit_when_the_building_process_is_killed(tmp_path: Path) -> None:
    """`kill -9` leaves a build no time to stop its pool: the workers must not wait forever."""
    tests = str(Path(__file__).parent)
    env = {**os.environ, "WATCHER_TEST_PIDS": str(tmp_path), "PYTHONPATH": tests}
    driver = subprocess.Popen([sys.executable, "-c", DRIVER], env=env)
    try:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        workers = [int(p.name) for p in tmp_path.iterdir()]
        assert len(workers) == 2, "the workers never started"
        assert all(_running(pid) for pid in workers)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    deadline = time.monotonic() + 30
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(pid) for pid in workers)


def test_a_worker_that_cannot_be_started_costs_only_speed(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_more_processes(self: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(multiprocessing.get_context("spawn").Process, "start", no_more_processes)
    pids, logged = _render_all(_rendered_where, caplog)
    assert pids == {os.getpid()}
    assert logged == [
        "feeds: cannot start a rendering worker ([Errno 11] Resource temporarily unavailable);"
        " rendering the rest on one core"
    ]
