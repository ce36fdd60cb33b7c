"""Walk seeds_dir: whether it can be walked, which files are articles, their fingerprints."""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from watcher.model import Fingerprint

TEMP_PATTERNS = ("*.part", "*.tmp", "*~", ".#*")
_ELSEWHERE = "point seeds_dir in the config at your articles folder"


@dataclass(frozen=True, slots=True)
class FoundFile:
    os_path: str  # absolute path as found (may be a symlink inside seeds_dir)
    key: str  # path relative to seeds_dir, POSIX style: the file's name in the archive
    fingerprint: Fingerprint

    @property
    def path(self) -> Path:
        return Path(self.os_path)


_TEMP_NAME = re.compile("|".join(fnmatch.translate(pattern) for pattern in TEMP_PATTERNS))


def is_skipped_name(name: str) -> bool:
    """Hidden files and the temp names editors and downloaders write while working."""
    return name.startswith(".") or _TEMP_NAME.match(name) is not None


def check_folder(folder: str | Path) -> None:
    """Raise the OSError that keeps `folder` from being walked; return if it can be."""
    with os.scandir(folder):
        pass
    # Names can be listed with read permission alone, but not looked at without search (x).
    if not os.access(folder, os.R_OK | os.X_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder))


def seeds_dir_problem(seeds_dir: Path) -> str | None:
    """What keeps seeds_dir from being walked, and what to do; None when it can be walked."""
    try:
        check_folder(seeds_dir)
    except OSError as exc:
        return describe_problem(seeds_dir, exc)
    return None


def describe_problem(seeds_dir: Path, error: OSError) -> str:
    """`missing: /srv/seeds — create the folder, or ...`: the problem, the path, the remedy."""
    if isinstance(error, FileNotFoundError):
        return f"missing: {seeds_dir} — create the folder, or {_ELSEWHERE}"
    if isinstance(error, NotADirectoryError):
        return f"not a folder: {seeds_dir} — {_ELSEWHERE}"
    if isinstance(error, PermissionError):
        return (
            f"unreadable: {seeds_dir} (Permission denied) — let the user running watcher "
            f"read it, or {_ELSEWHERE}"
        )
    return f"unreadable: {seeds_dir} ({error.strerror or error}) — fix it, or {_ELSEWHERE}"


OnUnreadable = Callable[[str, OSError], None]  # a subfolder's key (`a/b/`), why


def discover(
    seeds_dir: Path, suffixes: frozenset[str], on_unreadable: OnUnreadable | None = None
) -> Iterator[FoundFile]:
    """Every regular article file under seeds_dir, recursively, in a stable order.

    A symlink is followed only when its target lies inside seeds_dir; a directory reached
    twice (through links) is walked once. OSError when seeds_dir itself cannot be walked:
    a folder that is gone is not an empty folder. A subfolder that cannot be listed is
    passed to `on_unreadable` and walked around.
    """
    check_folder(seeds_dir)
    root = seeds_dir.resolve()
    walk = _Walk(root, suffixes, {str(root)}, on_unreadable or _ignore)
    yield from _walk(walk, str(root), "")


def _ignore(key: str, error: OSError) -> None:
    """A subfolder no one asked about."""


@dataclass(frozen=True, slots=True)
class _Walk:
    root: Path  # resolved
    suffixes: frozenset[str]
    seen: set[str]  # the real paths of the folders walked
    unreadable: OnUnreadable


# The walk works on strings (os.scandir's, and keys joined as it descends): a Path per file
# was most of the time of a scan that finds nothing new.
def _walk(walk: _Walk, folder: str, prefix: str) -> Iterator[FoundFile]:
    """The files under `folder`, whose key (its path relative to `root`) starts `prefix`."""
    try:
        check_folder(folder)
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError as exc:
        if not prefix:  # root, gone since check_folder(): still not an empty folder
            raise
        walk.unreadable(archive_name(prefix), exc)
        return
    for entry in entries:
        name = entry.name
        if is_skipped_name(name):
            continue
        if entry.is_symlink() and not _inside(walk.root, Path(entry.path)):
            continue
        if entry.is_dir():
            real = os.path.realpath(entry.path)
            if real not in walk.seen:
                walk.seen.add(real)
                yield from _walk(walk, entry.path, f"{prefix}{name}/")
        elif entry.is_file() and os.path.splitext(name)[1].lower() in walk.suffixes:
            found = _found(entry, prefix + name)
            if found is not None:
                yield found


def _inside(root: Path, path: Path) -> bool:
    try:
        return path.resolve(strict=True).is_relative_to(root)
    except (OSError, RuntimeError):  # a dangling or looping link leads nowhere to follow
        return False


def _found(entry: os.DirEntry[str], key: str) -> FoundFile | None:
    try:
        stat = entry.stat()  # of the target, for a link
    except OSError:
        return None
    fingerprint = Fingerprint(stat.st_size, stat.st_mtime_ns, stat.st_ino)
    return FoundFile(entry.path, archive_name(key), fingerprint)


def archive_name(relative: str) -> str:
    """A file's name as the archive keeps it: bytes that are not UTF-8 (a name written in
    another encoding) spelled as `\\xff`, since no database text column takes them raw."""
    if relative.isascii():
        return relative
    return os.fsencode(relative).decode("utf-8", errors="backslashreplace")


def read_found(found: FoundFile, limit: int) -> bytes:
    """The bytes of a file found by `discover`, checking that what was read is the file as it
    was found: a file swapped for a link to somewhere else since (or for a FIFO), or written
    to since it was found or while it was read (half an edit is not an article), is refused,
    and read again at the next scan."""
    with open(found.os_path, "rb") as handle:
        opened = os.fstat(handle.fileno())
        if not stat.S_ISREG(opened.st_mode) or opened.st_ino != found.fingerprint.inode:
            raise FileChangedError(
                "the file was replaced while being read; it is read again at the next scan"
            )
        # The size it has, and a byte more to see it grow; never more than limit + 1 (it may
        # be growing without end). Not read(limit + 1): that allocates the whole limit first.
        data = handle.read(min(opened.st_size, limit) + 1)
        read = os.fstat(handle.fileno())
    if not (_as_found(found, opened) and _as_found(found, read) and len(data) == read.st_size):
        raise FileChangedError(
            "the file changed while being read (is it still being written?); it is read "
            "again at the next scan"
        )
    return data


def _as_found(found: FoundFile, now: os.stat_result) -> bool:
    """Whether a file's size and modification time are still those it was found with."""
    return (now.st_size, now.st_mtime_ns) == (found.fingerprint.size, found.fingerprint.mtime_ns)


def read_named_file(path: Path, limit: int) -> bytes:
    """The bytes of a file a user named (`rules test FILE`): a regular file of at most
    `limit` bytes. A FIFO or device is refused without blocking on it, and never more than
    `limit + 1` bytes are read (`/dev/zero` would never end)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise FileRefusedError("not a regular file; give an article file")
        os.set_blocking(descriptor, True)
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise FileRefusedError(
            f"larger than scan.max_file_size ({limit:,} bytes); raise it or split the file"
        )
    return data


class FileRefusedError(OSError):
    """A named file that is not an article file to read (a FIFO, a device, too large)."""


class FileChangedError(OSError):
    """What was opened is not the file that was found (or no longer fits the limit)."""
