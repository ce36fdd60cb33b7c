"""`watcher serve` run as a user runs it: where it listens, what it says when it cannot."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

WATCHER = shutil.which("watcher", path=str(Path(sys.executable).parent))


def watcher_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}


def test_a_port_in_use_is_one_line_and_exit_1(project: Path) -> None:
    assert WATCHER is not None, "the watcher console script is not installed next to this Python"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [WATCHER, "serve", "--port", str(port)],
            cwd=project,
            env=watcher_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: the address is already in use"
        " — stop the program that holds it or pass another --port"
    ]
    assert not (project / "var" / "feeds").exists()  # nothing was built for a server not run
