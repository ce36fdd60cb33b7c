"""Digests into a Maildir, the way a mail server delivers: written and synced in `tmp/`, then
linked into `new/`, so a mail client never sees half a message. The name in `new/` derives
from the message's key, so a retry after a crash finds the first copy instead of adding one.

A delivery killed half way (-9, a power cut) leaves its file in `tmp/`. Each delivery first
removes such files: at once when the name shows this host and a pid that no longer runs (the
writer is gone for sure), else once untouched for 36 hours, the age after which the Maildir
specification lets anyone remove them (another host's writer may still be at work before).

Not `mailbox.Maildir.add`: it names files at random and does not sync them, and both
promises above rest on those two points.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import secrets
import socket
import string
import time
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path

from watcher.errors import DeliveryError
from watcher.processes import pid_alive

log = logging.getLogger(__name__)

_KEPT = frozenset(string.ascii_letters + string.digits + "-")
_MAX_UNIQUE = 120  # an escaped key longer than this is hashed: names stay far below 255 bytes
# link(2) errors that mean "this filesystem has no hard links" (some FUSE, SMB and FAT
# mounts), not "this delivery failed".
_NO_HARD_LINKS = frozenset({errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS})
STALE_TMP_S = 36 * 3600
# What `_write` names a file in tmp/: KEY.HOST.P<pid>R<random> (a host name may hold dots).
_TMP_NAME = re.compile(r"[A-Za-z0-9_-]+\.(?P<host>.+)\.P(?P<pid>[0-9]+)R[0-9a-f]+")


class MaildirTransport:
    """Delivers every message into one Maildir, whoever it is addressed to."""

    name = "maildir"

    def __init__(self, path: Path, *, hostname: str | None = None) -> None:
        self.path = path
        host = socket.gethostname() if hostname is None else hostname
        self._host = "".join(c if c in _KEPT or c == "." else "_" for c in host) or "localhost"

    def __repr__(self) -> str:
        return f"MaildirTransport({str(self.path)!r})"

    def deliver(
        self, message: EmailMessage, *, sender: str, recipients: Sequence[str], key: str
    ) -> None:
        """Returns once the message is in `new/`, or was already there or in `cur/`."""
        unique = unique_name(key)
        # Serialised before any file exists, so a message that cannot be written leaves none;
        # LF line ends as in any Maildir file, and no ">From " quoting, which is mbox's.
        data = message.as_bytes(policy=message.policy.clone(linesep="\n", mangle_from_=False))
        try:
            self._create()
            self._sweep_tmp()
            if self._holds(unique):
                log.info("%s already holds %s, not delivered again", self.path, key)
                return
            self._write(data, f"{unique}.{self._host}")
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise DeliveryError(
                f"cannot deliver into the Maildir {self.path}: {reason}", transient=True
            ) from exc
        log.debug("delivered %s into %s", key, self.path)

    def _create(self) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(mode=0o700, exist_ok=True)

    def _sweep_tmp(self) -> None:
        now = time.time()
        with os.scandir(self.path / "tmp") as entries:
            for entry in entries:
                why = self._left_behind(entry, now)
                if why is not None:
                    Path(entry.path).unlink(missing_ok=True)
                    log.info("removed %s from %s/tmp: %s", entry.name, self.path, why)

    def _left_behind(self, entry: os.DirEntry[str], now: float) -> str | None:
        """Why a file in tmp/ is a delivery's that will never finish, or None if it may be."""
        if entry.is_dir(follow_symlinks=False):
            return None
        named = _TMP_NAME.fullmatch(entry.name)
        if named and named["host"] == self._host and not pid_alive(int(named["pid"])):
            return f"process {named['pid']} that was writing it is gone"
        try:
            stat = entry.stat(follow_symlinks=False)
        except FileNotFoundError:
            return None  # another process removed it meanwhile
        if now - max(stat.st_mtime, stat.st_atime) > STALE_TMP_S:
            return "untouched for 36 hours"
        return None

    def _holds(self, unique: str) -> bool:
        # A client moves what it has seen to cur/ and appends flags (`:2,S`), or renames it
        # in its own way, but keeps the part before the first dot, which is the key's.
        prefix = unique + "."
        for sub in ("new", "cur"):
            with os.scandir(self.path / sub) as entries:
                if any(entry.name.startswith(prefix) for entry in entries):
                    return True
        return False

    def _write(self, data: bytes, name: str) -> None:
        tmp = self.path / "tmp" / f"{name}.P{os.getpid()}R{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            self._publish(tmp, self.path / "new" / name)
        finally:
            tmp.unlink(missing_ok=True)

    def _publish(self, tmp: Path, target: Path) -> None:
        # link(2), not rename(2): link fails if the name exists, so a concurrent delivery of
        # the same key cannot replace a copy a client may be reading; rename would, silently.
        try:
            os.link(tmp, target)
        except FileExistsError:
            log.info("%s appeared in %s meanwhile, not delivered again", target.name, self.path)
            return
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            if target.exists():
                return
            os.rename(tmp, target)  # the check above and this rename are not atomic
        _sync_folder(target.parent)


def unique_name(key: str) -> str:
    """The first part of a Maildir file name for `key`: one to one, only `[A-Za-z0-9_-]`.

    Every other character (the dot and the escape character `_` included) becomes `_XX`
    per UTF-8 byte, so no dot is left: in `KEY.HOST:2,FLAGS` the key ends at the first dot.
    """
    if not key:
        raise ValueError("a message key may not be empty")
    escaped = "".join(
        c if c in _KEPT else "".join(f"_{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
        for c in key
    )
    if len(escaped) <= _MAX_UNIQUE:
        return escaped
    # `_h` never comes out of the escaping above (`_` is always followed by two hex digits).
    return "_h" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _sync_folder(folder: Path) -> None:
    """Make the new directory entry durable before the outbox marks the digest sent."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # some filesystems cannot sync a directory
            raise
    finally:
        os.close(fd)
