"""End-to-end ingest: `watcher scan` of the corpus as seeds files, a rescan, and the floor.

The articles are written in the seeds `.txt` layout into a temporary folder, beside a
throw-away project (config/watcher.yaml with `settle: 0s`, config/rules.yaml, SQLite).
`watcher scan --format json` runs as its own process, exactly as a user runs it; its
`seconds` (the scan itself: discover, read, archive, match, record hits) is the figure,
the command's wall time (interpreter start, imports, rule loading, migrations) is kept
beside it. The floor does the least any ingest must: read the bytes, decode, split the
layout and insert rows with plain SQLAlchemy Core (executemany, batches of 500), in a
fresh process too (`bench/worker.py`).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.corpus import Doc, seeds_text
from bench.rulegen import GeneratedRule, rules_yaml

BATCH_SIZE = 500
_CLI = "from watcher.cli.main import main; main()"


class IngestCheckError(RuntimeError):
    """`watcher scan` failed, or did not archive what was written."""


@dataclass(frozen=True, slots=True)
class ScanRun:
    wall_s: float
    summary: dict[str, Any]


def write_seeds(docs: Sequence[Doc], folder: Path) -> int:
    """Every doc as one seeds-layout file, in a temporary folder; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for doc in docs:
        data = seeds_text(doc).encode("utf-8")
        (folder / f"reuters-{doc.id:05d}.txt").write_bytes(data)
        total += len(data)
    return total


def make_project(root: Path, seeds: Path, rules: Sequence[GeneratedRule], name: str) -> Path:
    """A project folder with its own database; returns its watcher.yaml."""
    config = root / name / "config"
    config.mkdir(parents=True)
    (config / "rules.yaml").write_text(rules_yaml(rules), encoding="utf-8")
    database = root / name / "var" / "watcher.db"
    settings = (
        f"seeds_dir: {json.dumps(str(seeds))}\n"
        f"database_url: {json.dumps(f'sqlite:///{database}')}\n"
        "timezone: UTC\n"
        "scan:\n  settle: 0s\n"
    )
    path = config / "watcher.yaml"
    path.write_text(settings, encoding="utf-8")
    return path


def scan_command(config: Path) -> ScanRun:
    """Run `watcher --config CONFIG scan --format json` in a fresh process."""
    command = [sys.executable, "-c", _CLI, "--config", str(config), "scan", "--format", "json"]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise IngestCheckError(
            f"`watcher scan` exited {done.returncode}:\n{done.stderr.strip() or done.stdout}"
        )
    return ScanRun(wall, json.loads(done.stdout))


def _check(run: ScanRun, files: int, *, first: bool) -> None:
    """The first scan reads every file without errors; the rescan finds them all unchanged.
    Either way every file is counted once (the corpus's repeated articles as duplicate)."""
    summary = run.summary
    kinds = ("new", "changed", "unchanged", "duplicate", "waiting", "errors")
    counted = sum(summary.get(k, 0) for k in kinds)
    if first:
        ok = summary.get("errors") == 0 and summary.get("new", 0) > 0 and counted == files
    else:
        ok = summary.get("errors") == 0 and summary.get("unchanged") == files and counted == files
    if not ok:
        what = "first scan" if first else "rescan"
        raise IngestCheckError(f"{what} of {files} files: unexpected summary {summary}")


def measure_ingest(
    files: int,
    rules: Sequence[GeneratedRule],
    seeds: Path,
    workdir: Path,
    repetitions: int,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ingest, rescan) figures: each repetition scans into a fresh database, then rescans;
    one more scan without rules shows what archiving alone costs."""
    scans: list[ScanRun] = []
    rescans: list[ScanRun] = []
    for rep in range(repetitions):
        config = make_project(workdir, seeds, rules, f"project-{rep}")
        scans.append(scan_command(config))
        _check(scans[-1], files, first=True)
        rescans.append(scan_command(config))
        _check(rescans[-1], files, first=False)
    bare = scan_command(make_project(workdir, seeds, [], "project-no-rules"))
    _check(bare, files, first=True)
    seconds = statistics.median(run.summary["seconds"] for run in scans)
    ingest = {
        "articles": files,
        "rules": len(rules),
        "seconds": seconds,
        "articles_per_s": files / seconds,
        "hits": scans[0].summary["hits"],
        "new": scans[0].summary["new"],
        "unchanged": scans[0].summary["unchanged"],
        "duplicate": scans[0].summary["duplicate"],
        "command_seconds": statistics.median(run.wall_s for run in scans),
        "no_rules_seconds": bare.summary["seconds"],
        "repetitions": repetitions,
        "scan_s": [run.summary["seconds"] for run in scans],
    }
    rescan = {
        "seconds": statistics.median(run.summary["seconds"] for run in rescans),
        "command_seconds": statistics.median(run.wall_s for run in rescans),
        "files": files,
        "scan_s": [run.summary["seconds"] for run in rescans],
    }
    return ingest, rescan


def _floor_engine(path: Path) -> sa.Engine:
    """Plain SQLite with the journal settings watcher uses (WAL, synchronous=NORMAL)."""
    engine = sa.create_engine(f"sqlite:///{path}")

    @sa.event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def _floor_table() -> sa.Table:
    return sa.Table(
        "articles",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("path", sa.String, nullable=False, unique=True),
        sa.Column("source", sa.String, nullable=False),
        sa.Column("title", sa.String, nullable=False),
        sa.Column("published", sa.String, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )


def _row(path: str, data: bytes) -> dict[str, str]:
    source, title, published, body = data.decode("utf-8").split("\n\n", 3)
    return {"path": path, "source": source, "title": title, "published": published, "body": body}


def floor_pass(seeds: Path, database: Path) -> tuple[float, int]:
    """Seconds to read, parse and insert every seeds file into a fresh table; rows inserted."""
    engine = _floor_engine(database)
    table = _floor_table()
    table.metadata.create_all(engine)
    started = time.perf_counter()
    paths = sorted(entry.path for entry in os.scandir(seeds) if entry.name.endswith(".txt"))
    for offset in range(0, len(paths), BATCH_SIZE):
        rows = [_row(p, Path(p).read_bytes()) for p in paths[offset : offset + BATCH_SIZE]]
        with engine.begin() as connection:
            connection.execute(table.insert(), rows)
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds, len(paths)


def measure_floor(seeds: str, workdir: str, repetitions: int) -> dict[str, Any]:
    passes = []
    rows = 0
    for rep in range(repetitions):
        seconds, rows = floor_pass(Path(seeds), Path(workdir) / f"floor-{rep}.db")
        passes.append(seconds)
    return {"seconds": statistics.median(passes), "rows": rows, "pass_s": passes}
