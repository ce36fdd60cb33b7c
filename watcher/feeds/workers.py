"""Highlight and render feeds on every core: a big build hands its batches to worker processes.

Highlighting and rendering are pure (entries in, bytes out) and most of a big build's time:
after the first scan of a big folder every feed is rebuilt. The calling process keeps what
touches the database and the files: it reads the next batches of entries while the workers
render the earlier ones, then writes the results in the order the batches were read, so a
build writes the same files in the same order on one core or many.

Workers are spawned and exit with the building process (`watcher.processes`). A pool that
cannot start, or a worker that dies (killed, out of memory), only costs speed: what it did
not render is rendered here.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from watcher.feeds.plan import FeedSpec, Site
from watcher.feeds.render import render_feed
from watcher.processes import Fallible, start_workers
from watcher.store.feeds import FeedEntry, highlighted

log = logging.getLogger(__name__)

Feed = tuple[FeedSpec, list[FeedEntry]]
Batch = Sequence[Feed]
Rendered = list[tuple[FeedSpec, dict[str, bytes]]]  # each feed of a batch, as its files
RenderBatch = Callable[[Batch, Site], Rendered]

# Feed entries highlighted together in the building process (an article in several feeds of
# a batch is analyzed once), and the memory a batch holds.
ENTRIES_PER_BATCH = 5_000
# The same when workers render: smaller batches keep every core busy to the end.
ENTRIES_PER_WORKER_BATCH = 1_000

# Workers start once a build has read this many entries, about a second and a half of
# rendering on one core: starting one costs a Python start-up and its imports (half a
# second), more than a daemon's usual build after a scan takes.
PARALLEL_MIN_ENTRIES = 5_000
# Batches sent ahead of the one being written, per worker: enough to keep every worker busy
# while the first result is written, few enough to bound the entries held in memory.
AHEAD_PER_WORKER = 2


def render_batch(batch: Batch, site: Site) -> Rendered:
    """Each feed of the batch as its RSS and Atom bytes, the batch highlighted together (an
    article is in the feeds of its rules, its tags and `all`)."""
    items = highlighted([entries for _, entries in batch])
    return [
        (spec, render_feed(spec, feed, site)) for (spec, _), feed in zip(batch, items, strict=True)
    ]


def rendered(
    feeds: Iterable[Feed], site: Site, workers: int, render: RenderBatch = render_batch
) -> Generator[tuple[FeedSpec, dict[str, bytes]], None, None]:
    """Each feed's files, in order, rendered a batch at a time: by up to `workers` processes
    once PARALLEL_MIN_ENTRIES entries are read, `feeds` read on as they render; else here.
    Close it when done early: that stops the workers."""
    feeds = iter(feeds)
    head = next(_batched(feeds, PARALLEL_MIN_ENTRIES), [])  # read ahead: is the build big?
    pool = _start(workers) if workers > 1 and _entries(head) >= PARALLEL_MIN_ENTRIES else None
    if pool is None:
        for batch in _batched(itertools.chain(head, feeds), ENTRIES_PER_BATCH):
            yield from render(batch, site)
        return
    helpers = _Helpers(pool, site, render)
    pending: deque[tuple[Batch, Future[Rendered]]] = deque()
    try:
        for batch in _batched(itertools.chain(head, feeds), ENTRIES_PER_WORKER_BATCH):
            pending.append((batch, helpers.submit(batch)))
            if len(pending) >= AHEAD_PER_WORKER * workers:
                yield from helpers.result(*pending.popleft())
        while pending:
            yield from helpers.result(*pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _entries(batch: Batch) -> int:
    return sum(len(entries) for _, entries in batch)


def _batched(feeds: Iterator[Feed], entries: int) -> Iterator[list[Feed]]:
    """The feeds in batches of `entries` entries or just over (the last one: what is left),
    each read from `feeds` only when asked for."""
    batch: list[Feed] = []
    held = 0
    for feed in feeds:
        batch.append(feed)
        held += len(feed[1])
        if held >= entries:
            yield batch
            batch, held = [], 0
    if batch:
        yield batch


def _start(workers: int) -> ProcessPoolExecutor | None:
    try:
        return start_workers(workers)
    except (OSError, ImportError, NotImplementedError) as exc:  # no semaphores, no processes
        log.info("feeds: rendering on one core: cannot start worker processes (%s)", exc)
        return None


class _Helpers:
    """The pool of one build; once a worker has died or could not be started, every batch
    not rendered yet is rendered here (the pool refuses new work, and its pending work is
    lost)."""

    def __init__(self, pool: ProcessPoolExecutor, site: Site, render: RenderBatch) -> None:
        self.site, self.render = site, render
        self.pool = Fallible(
            pool,
            lambda why: log.warning("feeds: %s; rendering the rest on one core", why),
            died="a rendering worker died",
            cannot_start="cannot start a rendering worker",
        )

    def submit(self, batch: Batch) -> Future[Rendered]:
        future = self.pool.submit(self.render, batch, self.site)
        if future is None:
            future = Future()
            future.set_result(self.render(batch, self.site))
        return future

    def result(self, batch: Batch, future: Future[Rendered]) -> Rendered:
        return self.render(batch, self.site) if self.pool.lost(future) else future.result()
