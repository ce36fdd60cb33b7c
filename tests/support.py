"""Helpers shared by the test modules (importable: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner, Result

from watcher.cli.main import cli

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpora" / "reuters-21578.jsonl.gz"
EXAMPLE = REPO / "seeds" / "000_69f9a19d25085135.txt"
POSTGRES_ENV = "WATCHER_TEST_POSTGRES_URL"


def write(path: Path, content: str | bytes, *, age_s: float = 60) -> Path:
    """Write a file that has already settled (its mtime `age_s` seconds in the past)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    past = time.time() - age_s
    os.utime(path, (past, past))
    return path


class FixedClock:
    """An injected clock that tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def run_cli(project: Path, *args: str, database_url: str | None = None) -> Result:
    """`watcher --config PROJECT/config/watcher.yaml ARGS...` through click's runner."""
    env = {"WATCHER_DATABASE_URL": database_url} if database_url else {}
    config = str(project / "config" / "watcher.yaml")
    return CliRunner().invoke(cli, ["--config", config, *args], env=env, catch_exceptions=False)
