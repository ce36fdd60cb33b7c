"""A big scan's next batches read, and matched, by a worker process while the scan stores
the batch before: the first scan of a big folder on two cores.

Reading a file and matching its articles need no database (`watcher.reading`); storing a
batch and its hits is the database's. A worker (one process, spawned: `watcher.processes`)
compiles the scan's rules once, then reads and matches the batches it is handed, up to
AHEAD of the one being stored; the scan records the rules each new version matched as the
worker found them. The scan reads the batches itself until the worker is ready (its start,
imports and rules take about a second, more with many rules) and after it died or could
not start: a worker only ever costs speed, never a file. Batches come back in order, so a
scan stores the same files in the same order either way.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from watcher.articles.discover import FoundFile
from watcher.percolator import Percolator
from watcher.processes import Fallible, start_workers
from watcher.query.compile import CompiledQuery
from watcher.reading import Batch, ReadBytes, ScanSettings, read_batch

log = logging.getLogger(__name__)


# A worker is worth starting from this many files (about a second of reading and matching):
# it takes about as long to start.
READAHEAD_MIN_FILES = 4_000
# Batches handed to the worker beyond the one the scan waits for: it reads on while the
# scan stores, and the articles held in memory stay bounded.
AHEAD = 2

_worker_percolator: Percolator | None = None  # in a worker: the scan's rules, compiled once


@dataclass(frozen=True, slots=True)
class Reader:
    """How a scan reads its files: its settings, the read function (picklable, for the
    worker) and the rules a worker matches with (None: hits are matched when stored)."""

    settings: ScanSettings
    read_bytes: ReadBytes
    rules: Mapping[str, CompiledQuery] | None = None

    @property
    def reading(self) -> tuple[ScanSettings, ReadBytes]:
        """What the worker needs with each batch (the rules it has already)."""
        return self.settings, self.read_bytes

    def here(self, files: Sequence[FoundFile], on_file: Callable[[], None] | None = None) -> Batch:
        """`files` read in this process (matched when stored)."""
        return read_batch(files, self.settings, self.read_bytes, on_file=on_file)


def worth_reading_ahead(files: int, reader: Reader, workers: int) -> bool:
    """Whether a worker would pay for itself: a second core, a big scan, and more files
    than rules (the worker compiles every rule before its first batch; with more rules it
    could still be compiling when the scan is done)."""
    rules = 0 if reader.rules is None else len(reader.rules)
    return workers > 1 and files >= max(READAHEAD_MIN_FILES, rules)


def read_ahead(
    chunks: Sequence[Sequence[FoundFile]], reader: Reader
) -> Generator[Batch, None, None]:
    """Each chunk read into a batch, in order: by the worker once it is ready, else here.
    Close it when done early (a scan told to stop): that stops the worker."""
    pool = _start()
    if pool is None:
        yield from map(reader.here, chunks)
        return
    worker = _Worker(pool, reader)
    try:
        for index, chunk in enumerate(chunks):
            worker.take(chunks, index)
            batch = worker.batch(index)
            yield reader.here(chunk) if batch is None else batch
    finally:
        # Not waited for: the worker ends after the batch it is reading, if any, while the
        # scan goes on to its summary and the feeds.
        pool.shutdown(wait=False, cancel_futures=True)


def _start() -> ProcessPoolExecutor | None:
    try:
        return start_workers(1)
    except (OSError, ImportError, NotImplementedError) as exc:  # no semaphores, no processes
        log.info("scan: reading on one core: cannot start a worker process (%s)", exc)
        return None


class _Worker:
    """The worker of one scan and the chunks handed to it (index -> its pickled batch). Once
    ready, it is handed the chunks after the one the scan reads then, up to AHEAD beyond the
    one the scan waits for; once it could not start or died, nothing more, and what it held
    is read here."""

    def __init__(self, pool: ProcessPoolExecutor, reader: Reader) -> None:
        self.reader = reader
        self.pool = Fallible(
            pool,
            lambda why: log.warning("scan: %s; reading the rest on one core", why),
            died="the worker process died",
            cannot_start="cannot start a worker process",
        )
        self.handed: dict[int, Future[bytes]] = {}
        self.next: int | None = None  # the next chunk to hand it; None: not ready yet
        # The rules go as the first job, not as the pool's initializer arguments: those are
        # written to the new process as it starts, and the scan would wait for its imports.
        self.ready = self.pool.submit(_compile_rules, self.reader.rules)

    def take(self, chunks: Sequence[Sequence[FoundFile]], index: int) -> None:
        """Hand the worker what it may read ahead of chunk `index`, once it is ready."""
        if self.pool.broken or self.ready is None or not self.ready.done():
            return
        if self.next is None:
            if self.pool.lost(self.ready):
                return
            self.next = index + 1  # the scan reads this one meanwhile
            log.info("scan: a worker process reads ahead from batch %d on", self.next + 1)
        while len(self.handed) <= AHEAD and self.next < len(chunks):
            future = self.pool.submit(_read_there, chunks[self.next], *self.reader.reading)
            if future is None:
                return
            self.handed[self.next] = future
            self.next += 1

    def batch(self, index: int) -> Batch | None:
        """The worker's batch of chunk `index`; None if it was not handed that chunk or died
        before it sent the batch."""
        future = self.handed.pop(index, None)
        if future is None or self.pool.lost(future):
            return None
        batch: Batch = pickle.loads(future.result())  # noqa: S301 - our own worker's bytes
        return batch


def _compile_rules(rules: Mapping[str, CompiledQuery] | None) -> None:
    """In the worker, its first job: build the percolator once, before any batch."""
    global _worker_percolator  # noqa: PLW0603 - one per worker process, set once
    _worker_percolator = None if rules is None else Percolator(rules)


def _read_there(files: Sequence[FoundFile], settings: ScanSettings, read_bytes: ReadBytes) -> bytes:
    """In the worker: read and match `files`; the batch pickled here, so that the scan's
    pool thread only passes bytes on, and the scan unpickles it when it needs it."""
    batch = read_batch(files, settings, read_bytes, percolator=_worker_percolator)
    return pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
