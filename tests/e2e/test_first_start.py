"""Several commands starting at once on a new database: the migrations take turns, all succeed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

WATCHER = shutil.which("watcher", path=str(Path(sys.executable).parent))


def test_four_first_starts_at_once_all_succeed(project: Path, database_url: str) -> None:
    assert WATCHER is not None
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    env["WATCHER_DATABASE_URL"] = database_url
    starts = [
        subprocess.Popen(
            [WATCHER, "db", "upgrade"],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [(process.wait(timeout=120), process.communicate()[1]) for process in starts]
    assert outcomes == [(0, "")] * 4
    status = subprocess.run(
        [WATCHER, "status", "--format", "json"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert status.returncode == 0, status.stderr
