"""Log lines: one a line, human or JSON; a traceback only with an exception."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from watcher.logs import configure_logging


@pytest.fixture(autouse=True)
def restored_logging() -> Iterator[None]:
    """configure_logging rewires the root logger: put pytest's back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in ("apscheduler", "alembic")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in levels.items():
        logging.getLogger(name).setLevel(saved)


def test_json_lines() -> None:
    stream = io.StringIO()
    configure_logging("json", stream=stream)
    logging.getLogger("watcher.test").info("scan: %d new", 3)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("watcher.test").exception("unexpected")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {k: first[k] for k in ("level", "logger", "message")} == {
        "level": "info",
        "logger": "watcher.test",
        "message": "scan: 3 new",
    }
    assert first["time"].endswith("+00:00")
    assert second["message"] == "unexpected"
    assert "ValueError: boom" in second["exception"]


def test_human_lines_and_quiet_libraries() -> None:
    stream = io.StringIO()
    configure_logging("human", stream=stream)
    logging.getLogger("watcher.test").warning("reload failed: x")
    logging.getLogger("apscheduler.scheduler").info("Added job")
    [line] = stream.getvalue().splitlines()
    assert line.endswith(" WARNING watcher.test: reload failed: x")


def test_human_lines_spell_out_control_characters() -> None:
    stream = io.StringIO()
    configure_logging("human", stream=stream)
    logging.getLogger("watcher.scan").warning("%s: empty file", "seeds/\x1b]0;PWNED\x07.txt")
    assert (
        stream.getvalue()
        .rstrip()
        .endswith("watcher.scan: seeds/\\x1b]0;PWNED\\x07.txt: empty file")
    )
