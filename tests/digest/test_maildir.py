"""MaildirTransport on a real Maildir in tmp_path, read back with the standard library."""

from __future__ import annotations

import json
import mailbox
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Sequence
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from digest.sample import SENDER, assert_same, sample_message
from support import REPO, write

from watcher.digest.maildir import MaildirTransport, unique_name

RECIPIENTS = ("desk@example.org",)


def deliver(transport: MaildirTransport, key: str, message: EmailMessage | None = None) -> None:
    message = message or sample_message(key=key)
    transport.deliver(message, sender=SENDER, recipients=RECIPIENTS, key=key)


def files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


def read_back(path: Path) -> list[EmailMessage]:
    """Every message in the Maildir, as a mail client using Python's `mailbox` sees it."""
    box = mailbox.Maildir(path, factory=None, create=False)
    messages = []
    for key in box.iterkeys():
        parsed = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append(parsed)
    return sorted(messages, key=lambda message: str(message["Message-ID"]))


def test_delivered_messages_read_back_as_sent(tmp_path: Path) -> None:
    maildir = tmp_path / "var" / "mail"
    transport = MaildirTransport(maildir, hostname="box")

    deliver(transport, "digest-1")
    deliver(transport, "digest-2")

    got = read_back(maildir)
    assert len(got) == 2
    assert_same(got[0], sample_message(key="digest-1"))
    assert_same(got[1], sample_message(key="digest-2"))
    assert files(maildir / "new") == ["digest-1.box", "digest-2.box"]
    assert files(maildir / "tmp") == []
    assert files(maildir / "cur") == []
    for sub in ("", "tmp", "new", "cur"):
        assert stat.S_IMODE((maildir / sub).stat().st_mode) == 0o700
    assert stat.S_IMODE((maildir / "new" / "digest-1.box").stat().st_mode) == 0o600


def test_the_same_key_twice_is_one_message(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path, hostname="box")

    deliver(transport, "digest-1")
    deliver(transport, "digest-1")

    assert files(tmp_path / "new") == ["digest-1.box"]
    assert files(tmp_path / "tmp") == []


def test_a_key_already_read_and_flagged_is_not_delivered_again(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path, hostname="box")
    deliver(transport, "digest-1")
    # What a mail client does once the message has been seen.
    os.rename(tmp_path / "new" / "digest-1.box", tmp_path / "cur" / "digest-1.box:2,S")

    deliver(transport, "digest-1")
    MaildirTransport(tmp_path, hostname="other-host").deliver(
        sample_message(), sender=SENDER, recipients=RECIPIENTS, key="digest-1"
    )

    assert files(tmp_path / "new") == []
    assert files(tmp_path / "cur") == ["digest-1.box:2,S"]
    assert files(tmp_path / "tmp") == []


def test_a_key_that_starts_another_is_a_different_message(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path, hostname="box")

    deliver(transport, "digest-1")
    deliver(transport, "digest-10")
    deliver(transport, "digest-1.0")

    assert len(read_back(tmp_path)) == 3


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        pytest.param("digest-42", "digest-42", id="plain"),
        pytest.param("a.b", "a_2Eb", id="dot"),
        pytest.param("a_2Eb", "a_5F2Eb", id="escape-character"),
        pytest.param(".hidden", "_2Ehidden", id="leading-dot"),
        pytest.param("<42@watcher>:2,S", "_3C42_40watcher_3E_3A2_2CS", id="message-id"),
        pytest.param("../../etc", "_2E_2E_2F_2E_2E_2Fetc", id="path"),
        pytest.param("città", "citt_C3_A0", id="utf-8"),
    ],
)
def test_names_keep_only_safe_characters(key: str, expected: str) -> None:
    assert unique_name(key) == expected


def test_names_are_one_to_one_and_short() -> None:
    keys = ["a.b", "a_2Eb", "a/b", "a_2Fb", "x" * 120, "x" * 121, "x" * 500, "x" * 501]
    names = [unique_name(key) for key in keys]

    assert len(set(names)) == len(keys)
    assert all(len(name) <= 120 for name in names)
    assert all(
        set(name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
        for name in names
    )


def test_odd_keys_and_host_names_make_valid_maildir_names(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path, hostname="box/1:2")

    deliver(transport, "<digest/7:2,S@watcher>", sample_message())

    [name] = files(tmp_path / "new")
    assert name == "_3Cdigest_2F7_3A2_2CS_40watcher_3E.box_1_2"
    assert len(read_back(tmp_path)) == 1


# Deliveries that fail run in a child process: one whose file size limit makes the write
# fail half way, as a full disk would (the limit binds root too), or one that may lack the
# capability by which root writes into a read-only folder.
CHILD = """
import json, resource, signal, sys
from pathlib import Path
from digest.sample import SENDER, sample_message
from watcher.digest.maildir import MaildirTransport
from watcher.errors import DeliveryError

folder, size_limit = Path(sys.argv[1]), int(sys.argv[2])
if size_limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # then a write past the limit fails: EFBIG
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, (size_limit, hard))
try:
    MaildirTransport(folder, hostname="box").deliver(
        sample_message(), sender=SENDER, recipients=[], key="digest-2"
    )
except DeliveryError as exc:
    sys.stdout.write(json.dumps({"transient": exc.transient, "message": str(exc)}))
"""


def deliver_in_child(folder: Path, *, size_limit: int = 0, prefix: Sequence[str] = ()) -> Any:
    path = os.pathsep.join([str(REPO), str(REPO / "tests")])
    child = subprocess.run(
        [*prefix, sys.executable, "-c", CHILD, str(folder), str(size_limit)],
        env=os.environ | {"PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(child.stdout)


def without_root_powers() -> list[str]:
    """A command prefix under which a 0500 folder stops this process from writing into it."""
    if os.geteuid() != 0:
        return []
    # Root writes anywhere by CAP_DAC_OVERRIDE; a child without it obeys the folder's mode.
    setpriv = shutil.which("setpriv")
    drop = [setpriv, "--bounding-set=-dac_override,-dac_read_search"] if setpriv else []
    if not drop or subprocess.run([*drop, "true"], check=False).returncode != 0:
        pytest.skip("as root, a read-only folder needs `setpriv` to drop CAP_DAC_OVERRIDE")
    return drop


def test_a_read_only_maildir_is_transient_and_leaves_nothing(tmp_path: Path) -> None:
    deliver(MaildirTransport(tmp_path, hostname="box"), "digest-1")
    new = tmp_path / "new"
    prefix = without_root_powers()
    new.chmod(0o500)
    try:
        outcome = deliver_in_child(tmp_path, prefix=prefix)
    finally:
        new.chmod(0o700)

    assert outcome == {
        "transient": True,
        "message": f"cannot deliver into the Maildir {tmp_path}: Permission denied",
    }
    assert files(tmp_path / "tmp") == []
    assert files(new) == ["digest-1.box"]


def test_a_write_that_fails_half_way_is_transient_and_leaves_nothing(tmp_path: Path) -> None:
    deliver(MaildirTransport(tmp_path, hostname="box"), "digest-1")
    assert len((tmp_path / "new" / "digest-1.box").read_bytes()) > 512  # so the write fails

    outcome = deliver_in_child(tmp_path, size_limit=512)

    assert outcome == {
        "transient": True,
        "message": f"cannot deliver into the Maildir {tmp_path}: File too large",
    }
    assert files(tmp_path / "tmp") == []
    assert files(tmp_path / "new") == ["digest-1.box"]


def gone_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return int(child.stdout)


def left_in_tmp(maildir: Path, name: str, *, age_s: float = 0) -> str:
    """A file as a delivery killed half way leaves it in tmp/."""
    write(maildir / "tmp" / name, b"Subject: half a messa", age_s=age_s)
    return name


def test_a_delivery_removes_what_a_dead_delivery_of_this_host_left_in_tmp(tmp_path: Path) -> None:
    transport = MaildirTransport(tmp_path, hostname="box.example")
    deliver(transport, "digest-1")
    # Killed after its link into new/, before removing its file from tmp/ (or before the
    # link): a retry finds the message delivered, or delivers it, and clears what is left.
    dead = left_in_tmp(tmp_path, f"digest-1.box.example.P{gone_pid()}R0123456789abcdef")
    running = left_in_tmp(tmp_path, f"digest-2.box.example.P{os.getpid()}R0123456789abcdef")
    elsewhere = left_in_tmp(tmp_path, f"digest-3.other.example.P{gone_pid()}R0123456789abcdef")
    unnamed = left_in_tmp(tmp_path, "whatever")

    deliver(transport, "digest-1")

    assert dead not in files(tmp_path / "tmp")
    assert files(tmp_path / "tmp") == sorted([running, elsewhere, unnamed])
    assert files(tmp_path / "new") == ["digest-1.box.example"]


def test_a_delivery_removes_what_lay_in_tmp_untouched_for_36_hours(tmp_path: Path) -> None:
    hour = 3600
    old = left_in_tmp(tmp_path, f"digest-3.other.P{os.getpid()}R0123456789abcdef", age_s=37 * hour)
    recent = left_in_tmp(tmp_path, "recent", age_s=35 * hour)
    (tmp_path / "tmp" / "folder").mkdir()

    deliver(MaildirTransport(tmp_path, hostname="box"), "digest-1")

    assert old not in files(tmp_path / "tmp")
    assert files(tmp_path / "tmp") == ["folder", recent]
