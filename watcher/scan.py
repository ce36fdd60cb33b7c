"""One scan: discover -> read -> archive -> match -> record; a bad file never stops it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from watcher.articles import ARTICLE_SUFFIXES
from watcher.articles.discover import FoundFile, describe_problem, discover, read_found
from watcher.errors import SeedsDirError
from watcher.ingest import RecordHits, archive
from watcher.model import Fingerprint, Progress, no_progress
from watcher.processes import worker_count
from watcher.query.compile import CompiledQuery
from watcher.readahead import Reader, read_ahead, worth_reading_ahead
from watcher.reading import Batch, ReadBytes, ScanSettings
from watcher.store.articles import StoreOutcome
from watcher.store.files import forget_files, load_fingerprints, record_files
from watcher.store.ingest_errors import (
    clear_errors,
    count_errors,
    count_warnings,
    failing_paths,
    record_errors,
    record_warnings,
)
from watcher.store.scans import ScanRecord, ScanSummary, record_scan

log = logging.getLogger(__name__)

BATCH_SIZE = 500

Clock = Callable[[], datetime]


@dataclass(slots=True)
class _Totals:
    """The counts of a scan in progress."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    duplicate: int = 0
    waiting: int = 0
    hits: int = 0

    def add(self, outcome: StoreOutcome, hits: int) -> None:
        self.new += outcome.new
        self.changed += outcome.changed
        self.unchanged += outcome.unchanged
        self.duplicate += outcome.duplicate
        self.hits += hits

    def summary(self, errors: int, warnings: int, seconds: float) -> ScanSummary:
        return ScanSummary(
            new=self.new,
            changed=self.changed,
            unchanged=self.unchanged,
            duplicate=self.duplicate,
            waiting=self.waiting,
            errors=errors,
            warnings=warnings,
            hits=self.hits,
            seconds=round(seconds, 3),
        )


def run_scan(
    sessions: sessionmaker[Session],
    settings: ScanSettings,
    *,
    clock: Clock,
    read_bytes: ReadBytes = read_found,
    record_hits: RecordHits | None = None,
    rules: Mapping[str, CompiledQuery] | None = None,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = None,
) -> ScanSummary:
    """Archive every new or changed settled file under seeds_dir; return the summary.

    Files that failed are read again at every scan, changed or not (they are few): a fix
    that leaves the file as it was, a `chmod` or a higher `scan.max_file_size`, takes effect.
    `stop`, asked before each batch, ends the scan early; the files left are counted as
    waiting (the next scan reads them). A big scan reads ahead in a worker process
    (`watcher.readahead`; `workers`: 1 for none, by default one per core), which matches
    what it reads with `rules`, those `record_hits` records the hits of."""
    started_at, started = clock(), time.perf_counter()
    with sessions() as session:
        known = load_fingerprints(session)
        failing = failing_paths(session)
    found, unreadable = _discover(settings.seeds_dir)
    altered = [f for f in found if known.get(f.key) != f.fingerprint]
    todo = [f for f in altered if _settled(f, settings, started_at)]
    # A failing file still being written stays counted with the errors (`watcher errors`
    # lists it until it reads cleanly), not as waiting too.
    waiting = len({f.key for f in altered} - {f.key for f in todo} - failing)
    todo += [f for f in found if f.key in failing and known.get(f.key) == f.fingerprint]
    # A failing file left as it was is counted with the errors, not as unchanged.
    unchanged = sum(known.get(f.key) == f.fingerprint and f.key not in failing for f in found)
    totals = _Totals(unchanged=unchanged, waiting=waiting)
    _forget_vanished(sessions, _vanished(known, found, unreadable))
    _record_folders(sessions, unreadable, failing, started_at)
    reader = Reader(settings, read_bytes, rules)
    chunks = [todo[offset : offset + batch_size] for offset in range(0, len(todo), batch_size)]
    progress = progress or no_progress
    progress(0, len(todo))
    with closing(_batches(chunks, reader, worker_count(workers), progress)) as batches:
        stored = 0
        for chunk in chunks:
            if stop is not None and stop():
                totals.waiting += len(todo) - stored
                log.info("scan: stopping; %d files left for the next scan", len(todo) - stored)
                break
            batch = next(batches)
            _log_problems(batch)
            _store_batch(sessions, batch, clock(), record_hits, totals)
            stored += len(chunk)
    with sessions.begin() as session:
        seconds = time.perf_counter() - started
        summary = totals.summary(count_errors(session), count_warnings(session), seconds)
        record_scan(session, ScanRecord(summary, started_at, clock()))
    return summary


def _batches(
    chunks: list[list[FoundFile]], reader: Reader, workers: int, progress: Progress
) -> Generator[Batch, None, None]:
    """The chunks read, the files counted as they are: ahead by a worker process when it
    pays (a batch at a time), else here, file by file so that a progress bar moves (and can
    tell the time left) smoothly."""
    counted = _Counted(progress, sum(map(len, chunks)))
    if worth_reading_ahead(counted.total, reader, workers):
        with closing(read_ahead(chunks, reader)) as batches:
            for chunk, batch in zip(chunks, batches, strict=True):
                counted.add(len(chunk))
                yield batch
        return
    for chunk in chunks:
        yield reader.here(chunk, on_file=counted.add)


@dataclass(slots=True)
class _Counted:
    """The files read so far, reported to `progress` as they grow."""

    progress: Progress
    total: int
    done: int = 0

    def add(self, files: int = 1) -> None:
        self.done += files
        self.progress(self.done, self.total)


def _log_problems(batch: Batch) -> None:
    for path, problem in batch.problems:
        log.warning("%s: %s", path, problem)


def _discover(seeds_dir: Path) -> tuple[list[FoundFile], dict[str, str]]:
    """The article files, and the subfolders that could not be listed with why; SeedsDirError,
    before any file is forgotten, if seeds_dir itself cannot be listed."""
    unreadable: dict[str, str] = {}

    def note(key: str, error: OSError) -> None:
        log.warning("%s: unreadable folder: %s", key, error.strerror or error)
        unreadable[key] = (
            f"unreadable folder ({error.strerror or error}); the files in it are left as they "
            "were — let the user running watcher read it"
        )

    try:
        return list(discover(seeds_dir, ARTICLE_SUFFIXES, note)), unreadable
    except OSError as exc:
        raise SeedsDirError(f"seeds_dir: {describe_problem(seeds_dir, exc)}") from exc


def _vanished(
    known: dict[str, Fingerprint], found: list[FoundFile], unreadable: dict[str, str]
) -> set[str]:
    """Known files no longer found, except those inside a folder that could not be listed:
    a folder unreadable for a while is not a folder emptied."""
    missing = set(known) - {f.key for f in found}
    return {key for key in missing if not any(key.startswith(f) for f in unreadable)}


def _record_folders(
    sessions: sessionmaker[Session], unreadable: dict[str, str], failing: set[str], now: datetime
) -> None:
    """Record the folders that could not be listed; clear those that can be again."""
    readable_again = {key for key in failing if key.endswith("/") and key not in unreadable}
    if unreadable or readable_again:
        with sessions.begin() as session:
            clear_errors(session, readable_again)
            record_errors(session, list(unreadable.items()), now)


def _settled(found: FoundFile, settings: ScanSettings, now: datetime) -> bool:
    """Files younger than `settle` may still be being written: leave them for the next scan."""
    age_s = now.timestamp() - found.fingerprint.mtime_ns / 1e9
    if age_s >= settings.settle.total_seconds():
        return True
    log.debug("%s: not settled yet (%.1fs old); will read it next scan", found.key, age_s)
    return False


def _forget_vanished(sessions: sessionmaker[Session], gone: set[str]) -> None:
    if gone:
        with sessions.begin() as session:
            forget_files(session, gone)
            clear_errors(session, gone)


def _store_batch(
    sessions: sessionmaker[Session],
    batch: Batch,
    now: datetime,
    record_hits: RecordHits | None,
    totals: _Totals,
) -> None:
    """One transaction per batch: a crash redoes at most this batch, and redoing is harmless."""
    with sessions.begin() as session:
        archived = archive(session, batch.articles, now, record_hits)
        record_files(session, [*batch.good, *((key, fp) for key, fp, _ in batch.bad)], now)
        clear_errors(session, [key for key, _ in batch.good if key not in batch.warned])
        record_warnings(session, list(batch.warned.items()), now)
        record_errors(session, [(key, reason) for key, _, reason in batch.bad], now)
    totals.add(archived.outcome, archived.hits)
