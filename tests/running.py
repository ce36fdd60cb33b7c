"""A `watcher` command running as its own process (the installed console script), while a test
acts on its folder or database; and what a user reads once it is done."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from e2e.daemon import WATCHER
from support import run_cli

FINISH_DEADLINE_S = 300.0  # a bound for a hung process, not a speed requirement
COUNTS = ("new", "changed", "unchanged", "duplicate", "waiting", "errors")


def start_watcher(project: Path, database_url: str, *args: str) -> subprocess.Popen[str]:
    """`watcher ARGS...` started in `project` on `database_url`; it runs while the test acts."""
    assert WATCHER is not None, "the watcher console script is not installed next to this Python"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    return subprocess.Popen(
        [WATCHER, *args],
        cwd=project,
        env={**env, "WATCHER_DATABASE_URL": database_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def eventually(check: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    """Poll `check` until it holds, waiting on `process` between polls: it must not exit
    first."""
    deadline = time.monotonic() + FINISH_DEADLINE_S
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {FINISH_DEADLINE_S:g} s"
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.01)
            _, stderr = process.communicate()
            raise AssertionError(f"watcher exited ({process.returncode}) before {what}:\n{stderr}")


def ended(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of a process left to finish."""
    stdout, stderr = process.communicate(timeout=FINISH_DEADLINE_S)
    return process.returncode, stdout, stderr


def finished(process: subprocess.Popen[str]) -> Any:
    """The JSON a `--format json` command printed, once it has succeeded (warnings, one line
    each, may go to stderr; a traceback never)."""
    code, stdout, stderr = ended(process)
    assert code == 0, stderr
    assert "Traceback" not in stderr, stderr
    return json.loads(stdout)


def added_up(summary: Any) -> int:
    """A scan summary (or its JSON): every file of a scan falls in exactly one of its counts."""
    counts: Mapping[str, int] = summary if isinstance(summary, Mapping) else summary.as_dict()
    return sum(counts[key] for key in COUNTS)


def listed_errors(project: Path, database_url: str) -> dict[str, str]:
    """What `watcher errors` lists: file -> reason."""
    result = run_cli(project, "errors", "--format", "json", database_url=database_url)
    assert result.exit_code == 0, result.output
    return {entry["path"]: entry["reason"] for entry in json.loads(result.stdout)}


def time_passes(folder: Path, *, seconds: float = 60) -> None:
    """Every file under `folder` as if last written `seconds` ago: settled."""
    past = time.time() - seconds
    for path in folder.rglob("*"):
        if path.is_file():
            os.utime(path, (past, past))
