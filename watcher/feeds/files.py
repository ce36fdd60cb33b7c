"""Feed files on disk: atomic writes that skip unchanged content, removal of stale feeds, and
the record of what the feeds hold (`Published`, the watermark)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from watcher.feeds.plan import SUFFIXES

FILE_MODE = 0o644  # readable by a web server running as another user
FEED_FOLDERS = ("rules", "tags")
# Not a feed: the server serves only .xml, .atom and .opml files.
WATERMARK_NAME = ".published-through"


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


@dataclass(frozen=True, slots=True)
class Published:
    """What the feeds under a folder hold: every hit recorded before `through`, and of those
    recorded since, `seen[rule]` per rule (counted before the build that wrote them read any).

    A build after it need not read a rule again whose count since `through` is the same: the
    margin before `through` covers commits that land late; the counts spare the feeds of a
    big scan from being rebuilt by the next one."""

    through: datetime
    seen: Mapping[str, int]


def read_published(root: Path) -> Published | None:
    """What the feeds under `root` hold; None if unknown (a new folder, an unreadable file).
    A watermark alone (watcher 0.x wrote only the time) counts no hit as seen."""
    try:
        text = (root / WATERMARK_NAME).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    try:
        state = json.loads(text)
        through, seen = datetime.fromisoformat(state["through"]), dict(state["seen"])
    except (ValueError, TypeError, KeyError):
        try:
            through, seen = datetime.fromisoformat(text), {}
        except ValueError:
            return None
    return Published(through, seen) if through.tzinfo is not None else None


def write_published(root: Path, published: Published) -> None:
    """Record what the feeds under `root` hold (unchanged: the file is not rewritten)."""
    state = {"through": published.through.isoformat(), "seen": dict(sorted(published.seen.items()))}
    write_if_changed(root / WATERMARK_NAME, json.dumps(state).encode("ascii"))
