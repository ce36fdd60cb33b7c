"""Processes: whether one of this host still runs, and the worker processes that put a
second core to work (a big scan's reading, a big feed build's rendering).

`pid_alive` tells what a process killed with -9 left behind (a digest's claim, a
half-delivered file in a Maildir's `tmp/`), named by its pid, from the work of one still
running. Workers are spawned, never forked: the daemon runs threads, and a fork would copy
their locks mid-use. A worker whose parent dies (`kill -9`, which leaves it no time to stop
its pool) exits too, instead of waiting forever for work.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

T = TypeVar("T")

MAX_WORKERS = 4
# multiprocessing is imported where a pool is used: the commands that only ask `pid_alive`
# need not load it.


def pid_alive(pid: int) -> bool:
    """Whether process `pid` of this host exists, under any user (0 or less: assume so)."""
    if pid <= 0:
        return True  # os.kill would signal a process group, not ask about one process
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def worker_count(requested: int | None = None) -> int:
    """How many worker processes may help: `requested` if given (1: none, all is done in
    this process), else one per core (at most MAX_WORKERS)."""
    return max(1, requested) if requested is not None else min(MAX_WORKERS, usable_cores())


def usable_cores() -> int:
    """The cores this process may run on (its affinity, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def start_workers(workers: int) -> ProcessPoolExecutor:
    """A pool of up to `workers` spawned processes that exit with this one; OSError,
    ImportError or NotImplementedError where processes cannot start."""
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_exit_with_parent)


def _exit_with_parent() -> None:
    """In a worker: exit as soon as the parent process is gone."""
    import multiprocessing  # noqa: PLC0415
    import threading  # noqa: PLC0415

    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_when_ready, args=(parent.sentinel,), daemon=True).start()


def _exit_when_ready(sentinel: int) -> None:
    from multiprocessing.connection import wait  # noqa: PLC0415

    wait([sentinel])  # ready when the parent process has ended, however it ended
    os._exit(1)


class Fallible:
    """Work handed to a pool whose failure costs only speed. Once a worker could not start
    or died, the pool takes nothing more (`submit` returns None) and the work it held never
    comes back (`lost` says so): the caller does that work itself. `tell(why)` is called
    once, at the first failure, with `died` or `cannot_start` (and the error)."""

    def __init__(
        self,
        pool: ProcessPoolExecutor,
        tell: Callable[[str], None],
        *,
        died: str,
        cannot_start: str,
    ) -> None:
        self.pool, self.tell = pool, tell
        self.died, self.cannot_start = died, cannot_start
        self.broken = False

    def submit(self, job: Callable[..., T], *args: object) -> Future[T] | None:
        from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415 - see the top

        if self.broken:
            return None
        try:
            return self.pool.submit(job, *args)
        except BrokenProcessPool:
            self._fail(self.died)
        except OSError as exc:  # a worker is started with the first work it gets
            self._fail(f"{self.cannot_start} ({exc})")
        return None

    def lost(self, future: Future[Any]) -> bool:
        """Whether the worker died before `future` was done (waiting for it if need be)."""
        from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415 - see the top

        try:
            future.result()
        except BrokenProcessPool:
            self._fail(self.died)
            return True
        return False

    def _fail(self, why: str) -> None:
        if not self.broken:
            self.tell(why)
        self.broken = True
