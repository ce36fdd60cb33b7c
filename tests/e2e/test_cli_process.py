"""The installed `watcher` console script, run as a user runs it, in a fresh folder."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from pathlib import Path

from support import EXAMPLE

WATCHER = shutil.which("watcher", path=str(Path(sys.executable).parent))


def watcher(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    assert WATCHER is not None, "the watcher console script is not installed next to this Python"
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    full_env.update(env or {})
    return subprocess.run(
        [WATCHER, *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_init_then_scan_then_status_in_a_fresh_folder(tmp_path: Path) -> None:
    assert watcher(tmp_path, "init", "desk").returncode == 0
    project = tmp_path / "desk"
    # The example article was just written: make it older than scan.settle.
    os.utime(project / "seeds" / EXAMPLE.name, (0, 1_600_000_000))
    scan = watcher(project, "scan", "--format", "json")
    assert scan.returncode == 0, scan.stderr
    assert json.loads(scan.stdout)["new"] == 1
    assert (project / "var" / "watcher.db").is_file()
    status = json.loads(watcher(project, "status", "--format", "json").stdout)
    assert (status["articles"], status["files"], status["errors"]) == (1, 1, 0)
    again = json.loads(watcher(project, "scan", "--format", "json").stdout)
    assert (again["new"], again["unchanged"]) == (0, 1)


def test_init_says_how_to_run_the_installed_command(tmp_path: Path) -> None:
    assert WATCHER is not None
    bin_dir = str(Path(WATCHER).parent)
    hidden = watcher(tmp_path, "init", "a", env={"PATH": "/usr/bin:/bin"})
    assert hidden.stdout.strip().endswith(f"next: cd a && {WATCHER} scan")
    found = watcher(tmp_path, "init", "b", env={"PATH": f"{bin_dir}:/usr/bin:/bin"})
    assert found.stdout.strip().endswith("next: cd b && watcher scan")


def test_watcher_config_variable_is_used_outside_the_project(tmp_path: Path) -> None:
    watcher(tmp_path, "init", "desk")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    config = str(tmp_path / "desk" / "config" / "watcher.yaml")
    result = watcher(elsewhere, "status", "--format", "json", env={"WATCHER_CONFIG": config})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "desk" / "var" / "watcher.db").is_file()


def test_no_config_is_exit_2_with_advice(tmp_path: Path) -> None:
    result = watcher(tmp_path, "scan")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: no config found: pass --config PATH, create config/watcher.yaml (watcher init), "
        "or set WATCHER_CONFIG"
    ]


def test_bad_config_is_one_line_exit_2_and_debug_adds_a_traceback(tmp_path: Path) -> None:
    watcher(tmp_path, "init", "desk")
    project = tmp_path / "desk"
    config = project / "config" / "watcher.yaml"
    config.write_text(config.read_text().replace("settle: 2s", "settle: fast"))
    result = watcher(project, "scan")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        'error: config/watcher.yaml:11:3: scan.settle: expected a duration like "2s", got "fast"'
    ]
    debug = watcher(project, "--debug", "scan")
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr


def test_unknown_command_is_usage_error(tmp_path: Path) -> None:
    result = watcher(tmp_path, "frobnicate")
    assert result.returncode == 2
    assert "No such command" in result.stderr


def test_moving_to_postgresql_is_one_url(tmp_path: Path, postgres_url: str) -> None:
    watcher(tmp_path, "init", "desk")
    project = tmp_path / "desk"
    os.utime(project / "seeds" / EXAMPLE.name, (0, 1_600_000_000))
    env = {"WATCHER_DATABASE_URL": postgres_url}
    assert json.loads(watcher(project, "scan", "--format", "json", env=env).stdout)["new"] == 1
    assert not (project / "var" / "watcher.db").exists()


def test_scan_on_a_terminal_shows_progress_then_the_summary(tmp_path: Path) -> None:
    watcher(tmp_path, "init", "desk")
    project = tmp_path / "desk"
    os.utime(project / "seeds" / EXAMPLE.name, (0, 1_600_000_000))
    controller, terminal = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    with subprocess.Popen(
        [str(WATCHER), "scan"],
        cwd=project,
        env={**env, "TERM": "xterm", "COLUMNS": "100"},
        stdout=terminal,
        stderr=terminal,
    ) as process:
        os.close(terminal)
        assert process.wait(timeout=120) == 0
        output = _read_all(controller)
    assert "1/1 files" in output  # the bar, drawn before the summary replaces it
    assert re.search(r"writing feeds.*(?<!\d)(\d+)/\1 feeds", output)  # then the feeds' line
    assert (
        "scan: 1 new, 0 changed, 0 unchanged, 0 duplicate, 0 waiting, 0 errors, 0 warnings, "
        "4 hits in "
    ) in output


def _read_all(fd: int) -> str:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the terminal's other end closed: everything has been read
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_big_first_scan_reads_ahead_in_a_worker_and_stores_every_hit(tmp_path: Path) -> None:
    """12,000 files: the console script's scan hands batches to a spawned worker process (it
    says so with --debug), and every article and hit is stored as a scan on one core would."""
    assert watcher(tmp_path, "init", "desk").returncode == 0
    project = tmp_path / "desk"
    seeds = project / "seeds"
    (seeds / EXAMPLE.name).unlink()
    for index in range(12_000):
        title = "Libya talks resume" if index % 4 == 0 else "Cocoa prices fall"
        path = seeds / f"{index:05}.txt"
        path.write_text(f"{title} {index}\n\nBody of article {index}.\n", encoding="utf-8")
        os.utime(path, (0, 1_600_000_000))

    scan = watcher(project, "--debug", "scan", "--format", "json")

    assert scan.returncode == 0, scan.stderr
    assert "scan: a worker process reads ahead from batch" in scan.stderr
    summary = json.loads(scan.stdout)
    assert (summary["new"], summary["errors"], summary["hits"]) == (12_000, 0, 3_000)
    listed = json.loads(watcher(project, "hits", "--format", "json", "--limit", "0").stdout)
    assert {hit["path"] for hit in listed} == {f"{i:05}.txt" for i in range(0, 12_000, 4)}
