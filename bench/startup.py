"""Start-up: whole `watcher` processes timed beside `python -c pass`, pair by pair.

Each round runs the baseline and then every command, so that a machine slowing down or
speeding up during the run moves both; the ratio of each pair is kept, and the medians are
reported (and, under fixed keys, the best of the rounds). Commands: `--version`, `--help`,
`status` on a project never scanned, and `scan` of a project whose one article was
scanned already (nothing to read); and, as the floor of `status`, a Python that only
imports the libraries `status` cannot do without.
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import watcher as watcher_package

# What `watcher status` cannot start without (the database, config models, YAML, the CLI):
# importing them alone is its floor.
STATUS_LIBRARIES = ("sqlalchemy.orm", "pydantic", "ruamel.yaml", "click")
LIBRARIES = "python: import of the libraries status needs"
ROUNDS = {"full": 15, "quick": 7, "smoke": 1}  # smoke: the harness, not the figures


def _watcher() -> str:
    found = shutil.which("watcher", path=str(Path(sys.executable).parent))
    if found is None:
        raise RuntimeError("the watcher console script is not installed next to this Python")
    return found


def _timed(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one process, from the kernel's accounting."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - our own commands
            command, cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL, stderr=errors
        )
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            reason = errors.read().decode(errors="replace").strip()
            raise RuntimeError(f"{' '.join(command)} failed: {reason}")
    return wall, usage.ru_utime + usage.ru_stime


def _byte_compiled() -> None:
    """Timed as installed: pip byte-compiles a package it installs, but an editable install
    does not, and under PYTHONDONTWRITEBYTECODE every process would compile it again."""
    compileall.compile_dir(Path(watcher_package.__file__).parent, quiet=1)


def _run(command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> None:
    subprocess.run(command, cwd=cwd, env=dict(env), check=True, capture_output=True)  # noqa: S603


def _projects(workdir: Path, watcher: str, env: Mapping[str, str]) -> tuple[Path, Path]:
    """An empty project (for status) and a scanned one (for an unchanged scan)."""
    empty, scanned = workdir / "startup-empty", workdir / "startup-scanned"
    for project in (empty, scanned):
        _run([watcher, "init", str(project)], workdir, env)
    for article in (scanned / "seeds").iterdir():
        os.utime(article, (1_600_000_000, 1_600_000_000))  # settled long ago
    _run([watcher, "scan"], scanned, env)
    return empty, scanned


def _median_ratio(
    timed: Sequence[tuple[float, float]], base: Sequence[tuple[float, float]]
) -> float:
    """The median of the wall-time ratios of the runs of one round each."""
    pairs = zip(timed, base, strict=True)
    return statistics.median(wall / base_wall for (wall, _), (base_wall, _) in pairs)


def measure_startup(workdir: Path, mode: str) -> dict[str, Any]:
    """Median wall and CPU seconds of each command and of the baseline, and the median of
    the pairwise wall ratios command / baseline."""
    watcher = _watcher()
    _byte_compiled()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    empty, scanned = _projects(workdir, watcher, env)
    commands = {
        "watcher --version": ([watcher, "--version"], empty),
        "watcher --help": ([watcher, "--help"], empty),
        "watcher status (empty project)": ([watcher, "status"], empty),
        "watcher scan (unchanged project)": ([watcher, "scan"], scanned),
        LIBRARIES: ([sys.executable, "-c", f"import {', '.join(STATUS_LIBRARIES)}"], empty),
    }
    baseline: list[tuple[float, float]] = []
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(ROUNDS[mode] + 1):  # the first round warms the caches and is dropped
        baseline.append(_timed([sys.executable, "-c", "pass"], empty, env))
        for name, (command, cwd) in commands.items():
            runs[name].append(_timed(command, cwd, env))
    base = baseline[1:]
    best = {name: min(wall for wall, _ in timed[1:]) for name, timed in runs.items()}
    return {
        # The fixed keys other tools read: the best wall time of the rounds (at least 5
        # in a full or quick run), in seconds.
        "python_s": min(wall for wall, _ in base),
        "version_s": best["watcher --version"],
        "status_s": best["watcher status (empty project)"],
        "rescan_command_s": best["watcher scan (unchanged project)"],
        "libraries_s": best[LIBRARIES],
        "rounds": ROUNDS[mode],
        "baseline": "python -c pass",
        "baseline_wall_s": statistics.median(wall for wall, _ in base),
        "baseline_cpu_s": statistics.median(cpu for _, cpu in base),
        "commands": [
            {
                "command": name,
                "wall_s": statistics.median(wall for wall, _ in timed[1:]),
                "cpu_s": statistics.median(cpu for _, cpu in timed[1:]),
                "ratio_vs_baseline": _median_ratio(timed[1:], base),
            }
            for name, timed in runs.items()
        ],
    }
