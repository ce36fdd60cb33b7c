"""`watcher init`, `scan`, `status`, `errors`, `db upgrade` through click's runner."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from support import EXAMPLE, REPO, run_cli, write

from watcher.cli.main import cli

run = run_cli
BAD_TIME = "Reuters\n\nCOCOA REVIEW\n\n32/13/1987\n\nLead.\n"
BAD_TIME_WARNING = (
    "line 5: cannot parse publication time '32/13/1987'; using the file's modification time"
)


@pytest.fixture
def settled_project(project: Path) -> Path:
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    return project


def test_scan_json_is_exactly_the_summary_object(settled_project: Path, database_url: str) -> None:
    result = run(settled_project, "scan", "--format", "json", database_url=database_url)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    seconds = summary.pop("seconds")
    assert isinstance(seconds, float)
    assert summary == {
        "new": 1,
        "changed": 0,
        "unchanged": 0,
        "duplicate": 0,
        "waiting": 0,
        "errors": 0,
        "warnings": 0,
        "hits": 4,
    }


def test_scan_text_prints_one_summary_line(settled_project: Path) -> None:
    result = run(settled_project, "scan")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [result.stdout.strip()]
    assert result.stdout.startswith(
        "scan: 1 new, 0 changed, 0 unchanged, 0 duplicate, 0 waiting, 0 errors, 0 warnings, "
        "4 hits in "
    )


def test_status_json_counts_and_last_scan(settled_project: Path, database_url: str) -> None:
    before = json.loads(
        run(settled_project, "status", "--format", "json", database_url=database_url).stdout
    )
    assert before == {
        "articles": 0,
        "files": 0,
        "errors": 0,
        "warnings": 0,
        "hits": 0,
        "rules": 4,
        "digests": {"pending": 0, "sent": 0, "failed": 0},
        "failed_digests": [],
        "daemons": [],
        "channels": [],
        "sources": [],
        "last_scan": None,
    }
    write(settled_project / "seeds" / "empty.txt", b"")
    write(settled_project / "seeds" / "wire.txt", BAD_TIME)
    run(settled_project, "scan", database_url=database_url)
    after = json.loads(
        run(settled_project, "status", "--format", "json", database_url=database_url).stdout
    )
    assert {k: after[k] for k in ("articles", "files", "errors", "warnings")} == {
        "articles": 2,
        "files": 3,
        "errors": 1,
        "warnings": 1,
    }
    last = after["last_scan"]
    assert (last["new"], last["duplicate"], last["waiting"]) == (2, 0, 0)
    assert (last["errors"], last["warnings"]) == (1, 1)
    assert last["finished_at"].endswith("+00:00")


def test_status_table_is_readable(settled_project: Path) -> None:
    run(settled_project, "scan")
    result = run(settled_project, "status")
    assert result.exit_code == 0
    assert "articles" in result.stdout
    assert "scan: 1 new" in result.stdout


def test_errors_lists_bad_files_then_warnings_with_reasons(
    settled_project: Path, database_url: str
) -> None:
    write(settled_project / "seeds" / "a-wire.txt", BAD_TIME)
    write(settled_project / "seeds" / "binary.txt", b"\x00\x01\x02")
    run(settled_project, "scan", database_url=database_url)
    listed = json.loads(
        run(settled_project, "errors", "--format", "json", database_url=database_url).stdout
    )
    assert [(e["path"], e["level"], e["reason"]) for e in listed] == [
        ("binary.txt", "error", "binary file (NUL bytes)"),
        ("a-wire.txt", "warning", BAD_TIME_WARNING),
    ]
    assert listed[0]["seen_at"].endswith("+00:00")
    table = run(settled_project, "errors", database_url=database_url).stdout
    [binary] = [line for line in table.splitlines() if "binary.txt" in line]
    assert "error" in binary
    assert "NUL bytes" in binary
    [wire] = [line for line in table.splitlines() if "a-wire.txt" in line]
    assert "warning" in wire
    assert "32/13/1987" in wire


def test_a_file_read_with_a_warning_is_archived_and_matched(
    settled_project: Path, database_url: str
) -> None:
    wire = "Reuters\n\nLIBYA TALKS RESUME\n\n32/13/1987\n\nTalks on Libya resumed.\n"
    write(settled_project / "seeds" / "wire.txt", wire)
    scan = run(settled_project, "scan", "--format", "json", database_url=database_url)
    summary = json.loads(scan.stdout)
    assert (summary["new"], summary["errors"], summary["warnings"]) == (2, 0, 1)
    hits = run(
        settled_project, "hits", "--rule", "libya", "--format", "json", database_url=database_url
    )
    titles = {hit["title"] for hit in json.loads(hits.stdout)}
    assert "LIBYA TALKS RESUME" in titles


def test_errors_says_when_there_are_none(settled_project: Path) -> None:
    assert run(settled_project, "errors").stdout.strip() == "no ingestion errors or warnings"


def test_status_table_counts_errors_and_warnings_apart(settled_project: Path) -> None:
    write(settled_project / "seeds" / "wire.txt", BAD_TIME)
    run(settled_project, "scan")
    rows = run(settled_project, "status").stdout.splitlines()
    assert any(line.split() == ["errors", "0"] for line in rows), rows
    assert any(line.split() == ["warnings", "1"] for line in rows), rows


def test_db_upgrade_creates_the_schema(project: Path, database_url: str) -> None:
    result = run(project, "db", "upgrade", database_url=database_url)
    assert result.exit_code == 0
    assert "up to date" in result.stdout


def test_config_error_is_one_line_and_exit_2(project: Path) -> None:
    config = project / "config" / "watcher.yaml"
    config.write_text("seeds_dir: seeds\nscan:\n  settle: fast\n", encoding="utf-8")
    result = run(project, "scan")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f'error: {config}:3:3: scan.settle: expected a duration like "2s", got "fast"'
    ]
    assert result.stdout == ""


def test_unreachable_database_is_a_runtime_error(project: Path) -> None:
    result = run(project, "scan", database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: cannot open the database")
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(project: Path) -> None:
    config = str(project / "config" / "watcher.yaml")
    (project / "config" / "watcher.yaml").write_text("scan: {settle: fast}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--debug", "--config", config, "scan"])
    assert result.exit_code != 0
    assert result.exception is not None


def test_init_writes_a_working_project(tmp_path: Path) -> None:
    target = tmp_path / "newsroom"
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert (target / "config" / "watcher.yaml").read_text() == (
        REPO / "config" / "watcher.yaml"
    ).read_text()
    assert (target / "config" / "rules.yaml").is_file()
    assert (target / "seeds" / EXAMPLE.name).read_bytes() == EXAMPLE.read_bytes()
    assert (target / "var").is_dir()


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "newsroom"
    (target / "config").mkdir(parents=True)
    (target / "config" / "watcher.yaml").write_text("mine: true\n")
    result = CliRunner().invoke(cli, ["init", str(target)])
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert (target / "config" / "watcher.yaml").read_text() == "mine: true\n"
    assert not (target / "seeds").exists()


def test_shipped_project_files_match_the_init_skeleton() -> None:
    skeleton = REPO / "watcher" / "skeleton"
    for name in ("config/watcher.yaml", "config/rules.yaml", f"seeds/{EXAMPLE.name}"):
        assert (skeleton / name).read_bytes() == (REPO / name).read_bytes(), name


def test_postgres_url_in_the_form_hosts_give_works(
    settled_project: Path, postgres_url: str
) -> None:
    hosted = "postgres://" + postgres_url.split("://", 1)[1]
    scan = run(settled_project, "scan", "--format", "json", database_url=hosted)
    assert scan.exit_code == 0, scan.output
    assert json.loads(scan.stdout)["new"] == 1
    config = settled_project / "config" / "watcher.yaml"
    config.write_text(
        config.read_text().replace("sqlite:///var/watcher.db", f'"{hosted}"'), encoding="utf-8"
    )
    status = run(settled_project, "status", "--format", "json")
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout)["articles"] == 1
    assert not (settled_project / "var" / "watcher.db").exists()


@pytest.mark.parametrize("scheme", ["mysql", "postgresql+asyncpg"])
def test_unusable_database_url_is_one_line_and_exit_2(project: Path, scheme: str) -> None:
    result = run(project, "scan", database_url=f"{scheme}://u@h/db")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f'error: WATCHER_DATABASE_URL: "{scheme}://" ')
    assert "postgresql+psycopg://" in line


def test_missing_seeds_dir_is_one_line_and_exit_1(project: Path) -> None:
    seeds = project / "seeds"
    shutil.rmtree(seeds)
    result = run(project, "scan")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: seeds_dir: missing: {seeds} — create the folder, or point seeds_dir in the "
        "config at your articles folder"
    ]
    assert result.stdout == ""


def test_a_database_that_fails_is_one_line_without_statements(project: Path) -> None:
    (project / "var" / "watcher.db").write_bytes(b"this is not a database at all" * 100)
    result = run_cli(project, "status")
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("error: cannot open the database ")
    assert "file is not a database" in line


def test_init_into_a_folder_it_cannot_write_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a folder", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(blocker / "desk")])
    assert result.exit_code == 1
    [line] = result.stderr.splitlines()
    assert line.startswith(f"error: cannot write into {blocker / 'desk'}: ")
    assert line.endswith("— choose a folder you can write to")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["hits", "--since", "99999999999999d"], id="since"),
        pytest.param(["hits", "--limit", "99999999999999999999"], id="limit"),
        pytest.param(["rules", "backfill", "libya", "--since", "99999999999d"], id="backfill"),
    ],
)
def test_absurd_options_are_usage_errors(project: Path, args: list[str]) -> None:
    result = run_cli(project, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Error: Invalid value for" in result.stderr
