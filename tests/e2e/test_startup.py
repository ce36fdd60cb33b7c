"""Start-up: each command imports only what it uses (timings are the bench's business; here
the modules a command loads are checked, which is what keeps it fast)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import run_cli

HEAVY = (
    "sqlalchemy",
    "pydantic",
    "alembic",
    "trafilatura",
    "rich",
    "luqum",
    "jinja2",
    "feedgen",
    "lxml",
    "uvicorn",
    "starlette",
    "email_validator",
    "apscheduler",
    "ruamel",
    "httpx",
    "feedparser",
)
PROBE = """
import json, os, sys
sys.argv = ["watcher", *sys.argv[1:]]
from watcher.cli.main import main
try:
    main()
except SystemExit:
    pass
heavy = {name.split(".")[0] for name in sys.modules} & set(json.loads(os.environ["HEAVY"]))
print(json.dumps(sorted(heavy)), file=sys.stderr)
"""


def loaded(cwd: Path, *args: str) -> set[str]:
    """The heavy packages `watcher ARGS` imports, run in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        cwd=cwd,
        env={**os.environ, "HEAVY": json.dumps(HEAVY)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_import_nothing_heavy(tmp_path: Path, args: list[str]) -> None:
    assert loaded(tmp_path, *args) == set()


def test_status_imports_only_the_database_config_and_rules(project: Path) -> None:
    run_cli(project, "scan")
    assert loaded(project, "status") == {"sqlalchemy", "pydantic", "ruamel", "luqum"}


def test_scan_imports_no_http_client(project: Path) -> None:
    """Feed sources are polled by the daemon and `watcher sources fetch`: a scan of the folder
    does not pay for httpx and feedparser."""
    assert not loaded(project, "scan") & {"httpx", "feedparser"}


FROZEN_PROBE = """
import gc, sys
sys.argv = ["watcher", "--version"]
from watcher.cli.main import main
try:
    main()
except SystemExit:
    pass
print(gc.get_freeze_count())
"""


def test_the_entry_point_leaves_its_objects_to_the_end_of_the_process(tmp_path: Path) -> None:
    """Interpreter shutdown would otherwise walk every object the imports made, looking for
    garbage: a fifth of a `watcher status` on an idle machine."""
    result = subprocess.run(
        [sys.executable, "-c", FROZEN_PROBE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert int(result.stdout.splitlines()[-1]) > 1000
