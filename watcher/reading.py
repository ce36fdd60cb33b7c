"""A scan's files read into batches: the part of a scan that needs no database.

A file in; its articles, what had to be guessed (warnings) or why it failed out. Pure, so
that a worker process can read a big scan's next batches while the scan stores the one
before (`watcher.readahead`); given a percolator, each article is matched as it is read.
Nothing here logs: the scan logs what a batch says went wrong (`Batch.problems`), wherever
it was read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from watcher.articles import ReadContext, read_article
from watcher.articles.discover import FileChangedError, FoundFile
from watcher.errors import IngestError
from watcher.model import Fingerprint, Reading
from watcher.store.articles import Located

if TYPE_CHECKING:
    from watcher.percolator import Percolator

# Warnings of one file shown in full; beyond them, only how many more there are.
SHOWN_WARNINGS = 3

ReadBytes = Callable[[FoundFile, int], bytes]  # a found file, the size limit


@dataclass(frozen=True, slots=True)
class ScanSettings:
    seeds_dir: Path
    settle: timedelta
    max_file_size: int
    timezone: tzinfo
    default_source: str


@dataclass(slots=True)
class Batch:
    """What reading a batch of files produced, before it is stored."""

    articles: list[Located] = field(default_factory=list)
    good: list[tuple[str, Fingerprint]] = field(default_factory=list)
    bad: list[tuple[str, Fingerprint, str]] = field(default_factory=list)
    warned: dict[str, str] = field(default_factory=dict)  # good files read with a guess
    problems: list[tuple[str, str]] = field(default_factory=list)  # (path, what): to log


def read_batch(
    files: Sequence[FoundFile],
    settings: ScanSettings,
    read_bytes: ReadBytes,
    *,
    percolator: Percolator | None = None,
    on_file: Callable[[], None] | None = None,
) -> Batch:
    """Read `files` into a batch, matching each article with `percolator` if given;
    `on_file()` after each file (a progress bar)."""
    batch = Batch()
    for found in files:
        _read_into(batch, found, settings, read_bytes, percolator)
        if on_file is not None:
            on_file()
    return batch


def _read_into(
    batch: Batch,
    found: FoundFile,
    settings: ScanSettings,
    read_bytes: ReadBytes,
    percolator: Percolator | None,
) -> None:
    """Read one file into the batch: its articles and warnings, or why it failed."""
    try:
        reading = _read_file(found, settings, read_bytes)
    except IngestError as exc:
        batch.problems.append((found.os_path, exc.message))
        batch.bad.append((found.key, found.fingerprint, exc.message))
        return
    batch.problems.extend((found.os_path, warning) for warning in reading.warnings)
    if reading.warnings:
        batch.warned[found.key] = _warning_reason(reading.warnings)
    batch.good.append((found.key, found.fingerprint))
    for item, article in enumerate(reading.articles):
        matched = None if percolator is None else tuple(percolator.matching(article))
        batch.articles.append(Located(found.key, item, article, matched=matched))


def _warning_reason(warnings: Sequence[str]) -> str:
    """One line for a file's warnings, however many items of it had one."""
    shown = "; ".join(warnings[:SHOWN_WARNINGS])
    more = len(warnings) - SHOWN_WARNINGS
    return f"{shown} (and {more} more)" if more > 0 else shown


def _read_file(found: FoundFile, settings: ScanSettings, read_bytes: ReadBytes) -> Reading:
    size = found.fingerprint.size
    if size > settings.max_file_size:
        raise IngestError(
            f"file too big ({size:,} bytes, limit {settings.max_file_size:,}) — "
            "raise scan.max_file_size or split the file"
        )
    try:
        data = read_bytes(found, settings.max_file_size)
    except FileChangedError as exc:
        raise IngestError(str(exc)) from exc
    except OSError as exc:
        raise IngestError(f"cannot read the file: {exc.strerror or exc}") from exc
    mtime = datetime.fromtimestamp(found.fingerprint.mtime_ns / 1e9, settings.timezone)
    context = ReadContext(settings.timezone, settings.default_source, mtime)
    return read_article(found.os_path, data, context)
