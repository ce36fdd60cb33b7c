"""Log lines for people or for machines: one line per event, human or JSON.

Expected errors (a WatcherError: a bad file, a typo in a rule, a mail server saying no)
are logged as their one-line message; only the unexpected carry a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Literal

from watcher.terminal import visible

LogFormat = Literal["human", "json"]
HUMAN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and the
    traceback as `exception` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class HumanFormatter(logging.Formatter):
    """`time LEVEL logger: message`, control characters of the message spelled out (a path
    or an article's text in a log line must not drive the terminal or the journal viewer)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return visible(super().formatMessage(record))


def configure_logging(
    log_format: LogFormat = "human", *, debug: bool = False, stream: IO[str] | None = None
) -> None:
    """Route every logger of this process to `stream` (stderr) in `log_format`."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(HumanFormatter(HUMAN, datefmt="%Y-%m-%d %H:%M:%S"))
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO, handlers=[handler], force=True
    )
    # Libraries that log every step at INFO would drown our one line per event.
    noisy_loggers = ("apscheduler", "watchdog", "uvicorn.access", "uvicorn.error", "alembic")
    for noisy in noisy_loggers:
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
