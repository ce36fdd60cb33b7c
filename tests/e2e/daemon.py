"""`watcher run` as a user runs it: a real process in a project, on a free port, its log in
a file; helpers to poll it with deadlines (never a bare sleep before an assertion)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from web.live import Reply, free_port, request

WATCHER = shutil.which("watcher", path=str(Path(sys.executable).parent))
START_DEADLINE_S = 60.0

T = TypeVar("T")


def environ(database_url: str) -> dict[str, str]:
    """This environment without the caller's WATCHER_ settings, on `database_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    return {**env, "WATCHER_DATABASE_URL": database_url}


def configure(project: Path, *, settle: str = "1s", interval: str = "60s", mail: str = "") -> None:
    """The shipped config with a short settle (tests write files and wait for them)."""
    config = project / "config" / "watcher.yaml"
    text = config.read_text(encoding="utf-8")
    text = text.replace("settle: 2s", f"settle: {settle}").replace(
        "interval: 60s", f"interval: {interval}"
    )
    if mail:
        text = text.replace("mail:\n", f"mail:\n{mail}")
    config.write_text(text, encoding="utf-8")


class Daemon:
    """One `watcher run` process; `log` is what it wrote on stderr."""

    def __init__(self, project: Path, database_url: str, *, port: int | None = None) -> None:
        assert WATCHER is not None, "the watcher console script is not installed here"
        self.project = project
        self.port = port or free_port()
        self.log_path = project / f"daemon-{self.port}-{time.monotonic_ns()}.log"
        self.env = environ(database_url)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *options: str) -> Daemon:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [WATCHER, "run", "--port", str(self.port), *options],
                cwd=self.project,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        return self

    def eventually(self, check: Callable[[], T | None], *, within: float, what: str) -> T:
        """The first truthy result of `check`, polled until `within` seconds have passed;
        between polls, waits on the daemon itself (it must not exit meanwhile)."""
        assert self.process is not None
        deadline = time.monotonic() + within
        while True:
            found = check()
            if found:
                return found
            assert time.monotonic() < deadline, f"{what}: not within {within:g} s\n{self.log}"
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=0.05)
                raise AssertionError(f"watcher run exited ({self.process.returncode}):\n{self.log}")

    def healthy(self) -> Daemon:
        def answers() -> bool:
            try:
                return request(self.port, "/healthz").status in (200, 503)
            except OSError:
                return False

        self.eventually(answers, within=START_DEADLINE_S, what="watcher run answering /healthz")
        return self

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def get(self, path: str) -> Reply:
        return request(self.port, path)

    def signal(self, number: signal.Signals) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def kill(self) -> None:
        """`kill -9`: no cleanup of any kind."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM and the exit code (the process must be gone within 10 s)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.signal(signal.SIGTERM)
        return self.wait(timeout=10)


def run_command(project: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Another `watcher` command on the same project and database."""
    assert WATCHER is not None
    return subprocess.run(
        [WATCHER, *args],
        cwd=project,
        env=environ(database_url),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
