"""Feed files on disk: atomic writes that skip unchanged content, removal of stale feeds."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Collection
from datetime import datetime, timedelta
from pathlib import Path

from watcher.feeds.plan import SUFFIXES

FILE_MODE = 0o644  # readable by a web server running as another user
FEED_FOLDERS = ("rules", "tags")
# Not a feed: the server serves only .xml, .atom and .opml files.
WATERMARK_NAME = ".published-through"
WATERMARK_STEP = timedelta(minutes=10)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` to `path` atomically unless it already holds exactly that; True if written.

    A temp file in the same folder, then os.replace: a reader sees the old file or the new one,
    never half of one. No fsync: a feed lost in a crash is rebuilt from the database.
    """
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp, FILE_MODE)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
        raise
    return True


def remove_stale(root: Path, expected: Collection[str]) -> list[str]:
    """Delete feed files under rules/ and tags/ whose stem (`rules/old`) is not expected."""
    removed = []
    for folder in FEED_FOLDERS:
        directory = root / folder
        if not directory.is_dir():
            continue
        for path in sorted(directory.iterdir()):
            stem = f"{folder}/{path.stem}"
            if path.suffix in SUFFIXES and path.is_file() and stem not in expected:
                path.unlink()
                removed.append(f"{stem}{path.suffix}")
    return removed


def missing(root: Path, stem: str) -> bool:
    return not all((root / f"{stem}{suffix}").is_file() for suffix in SUFFIXES)


def read_watermark(root: Path) -> datetime | None:
    """Until when every hit is in the feeds under `root`; None if unknown (a new folder)."""
    try:
        text = (root / WATERMARK_NAME).read_text(encoding="utf-8").strip()
        moment = datetime.fromisoformat(text)
    except (OSError, ValueError):
        return None
    return moment if moment.tzinfo is not None else None


def write_watermark(root: Path, moment: datetime) -> None:
    """Record that every hit recorded before `moment` is in the feeds. Moved forward only in
    steps of WATERMARK_STEP, so that builds with nothing new rewrite no file at all (an older
    watermark is always safe: a build then merely looks at a few more minutes of hits)."""
    known = read_watermark(root)
    if known is None or moment - known >= WATERMARK_STEP:
        write_if_changed(root / WATERMARK_NAME, moment.isoformat().encode("ascii"))
