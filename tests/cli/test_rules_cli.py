"""`watcher rules check|test|backfill`, `hits`, and hits recorded by `scan`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import Result
from support import EXAMPLE, run_cli, write

SHIPPED_HITS = {"libya", "wagner-libya", "raids", "pantsir"}


@pytest.fixture
def desk(project: Path, database_url: str) -> tuple[Path, str]:
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    return project, database_url


def run(desk: tuple[Path, str], *args: str) -> Result:
    return run_cli(desk[0], *args, database_url=desk[1])


def rules_yaml(desk: tuple[Path, str], text: str) -> None:
    (desk[0] / "config" / "rules.yaml").write_text(text, encoding="utf-8")


def hits_json(desk: tuple[Path, str], *args: str) -> list[dict[str, object]]:
    result = run(desk, "hits", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_scan_records_the_hits_of_the_shipped_rules(desk) -> None:
    summary = json.loads(run(desk, "scan", "--format", "json").stdout)
    assert summary["hits"] == 4
    found = hits_json(desk)
    assert {hit["rule"] for hit in found} == SHIPPED_HITS
    raids = next(hit for hit in found if hit["rule"] == "raids")
    assert raids["title"] == "Haftar announces raids on Tripoli, Putin sends reinforcements"
    assert raids["source"] == "The Limited Times"
    assert raids["path"] == EXAMPLE.name
    assert raids["backfill"] is False
    assert {"field": "title", "start": 0, "end": 6, "text": "Haftar"} in raids["matches"]
    status = json.loads(run(desk, "status", "--format", "json").stdout)
    assert (status["hits"], status["rules"]) == (4, 4)


def test_a_new_version_of_a_hit_article_adds_no_second_hit(desk) -> None:
    run(desk, "scan")
    path = desk[0] / "seeds" / EXAMPLE.name
    write(path, path.read_text() + "\nUpdate: Libya talks resume.\n", age_s=30)
    summary = json.loads(run(desk, "scan", "--format", "json").stdout)
    assert (summary["changed"], summary["hits"]) == (1, 0)
    assert len(hits_json(desk)) == 4


def test_editing_a_rule_keeps_its_old_hits(desk) -> None:
    run(desk, "scan")
    rules_yaml(desk, "rules:\n  - name: libya\n    query: Benghazi\n")
    run(desk, "scan")
    assert [hit["rule"] for hit in hits_json(desk, "--rule", "libya")] == ["libya"]


def test_hits_filters_by_rule_tag_and_format(desk) -> None:
    run(desk, "scan")
    assert {h["rule"] for h in hits_json(desk, "--tag", "russia")} == {"wagner-libya", "pantsir"}
    assert {h["rule"] for h in hits_json(desk, "--tag", "russia", "--rule", "pantsir")} == {
        "pantsir"
    }
    assert len(hits_json(desk, "--limit", "2")) == 2
    assert len(hits_json(desk, "--since", "1h")) == 4
    rows = list(csv.DictReader(io.StringIO(run(desk, "hits", "--format", "csv").stdout)))
    assert {row["rule"] for row in rows} == SHIPPED_HITS
    assert json.loads(rows[0]["matches"])[0]["field"] in {"title", "lead", "body"}
    table = run(desk, "hits").stdout
    assert "wagner-libya" in table


def test_rules_check_lists_rules_with_parsed_queries(desk) -> None:
    result = run(desk, "rules", "check")
    assert result.exit_code == 0
    for name in SHIPPED_HITS:
        assert name in result.stdout
    assert "4 rules OK" in result.stdout


def test_rules_check_reports_every_error_and_exits_2(desk) -> None:
    rules_yaml(
        desk,
        "rules:\n  - name: a\n    query: 'x)'\n  - name: b\n    query: y\n"
        "  - name: b\n    query: z\n",
    )
    result = run(desk, "rules", "check")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("error: ")
    assert ':3:14: rule "a": query: ' in lines[0]
    assert ':6:5: rule "b": name: already used at ' in lines[1]


def test_rules_check_warns_about_negation_only(desk) -> None:
    rules_yaml(desk, "rules:\n  - name: quiet\n    query: NOT football\n")
    result = run(desk, "rules", "check")
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: ")


def test_rules_test_over_the_archive(desk) -> None:
    run(desk, "scan")
    result = run(desk, "rules", "test", "raids", "--format", "json")
    assert result.exit_code == 0
    [found] = json.loads(result.stdout)
    assert set(found) == {"path", "article_id", "title", "matches"}
    assert found["path"] == EXAMPLE.name
    assert isinstance(found["article_id"], int)
    text = run(desk, "rules", "test", "--query", "Pantsir", "--since", "36500d")
    assert "Pantsir" in text.stdout
    assert "1 matching articles" in text.stdout
    assert (
        json.loads(
            run(
                desk, "rules", "test", "--query", "Pantsir", "--since", "1d", "--format", "json"
            ).stdout
        )
        == []
    )


def test_rules_test_over_files_not_stored(desk, tmp_path: Path) -> None:
    draft = write(tmp_path / "draft.txt", "Wagner in Libya\n\nMercenaries of the Wagner group.\n")
    other = write(tmp_path / "other.txt", "Football\n\nNothing here.\n")
    result = run(
        desk, "rules", "test", "--query", "Wagner", str(draft), str(other), "--format", "json"
    )
    assert result.exit_code == 0, result.output
    [found] = json.loads(result.stdout)
    assert (found["path"], found["article_id"], found["title"]) == (
        str(draft),
        None,
        "Wagner in Libya",
    )
    assert {(m["field"], m["start"], m["text"]) for m in found["matches"]} == {
        ("title", 0, "Wagner"),
        ("body", 19, "Wagner"),
    }
    case = run(
        desk,
        "rules",
        "test",
        "--query",
        "wagner",
        "--case-sensitive",
        str(draft),
        "--format",
        "json",
    )
    assert json.loads(case.stdout) == []
    status = json.loads(run(desk, "status", "--format", "json").stdout)
    assert status["articles"] == 0


def test_rules_test_reports_negation_only_matches(desk, tmp_path: Path) -> None:
    draft = write(tmp_path / "draft.txt", "Elections\n\nNothing about sport.\n")
    result = run(desk, "rules", "test", "--query", "NOT football", str(draft), "--format", "json")
    assert [(f["title"], f["matches"]) for f in json.loads(result.stdout)] == [("Elections", [])]
    text = run(desk, "rules", "test", "--query", "NOT football", str(draft))
    assert "matched by negation alone" in text.stdout


def test_rules_test_over_a_file_read_with_a_warning_says_so(desk, tmp_path: Path) -> None:
    draft = write(tmp_path / "wire.txt", "Reuters\n\nWAGNER\n\n32/13/1987\n\nLead.\n")
    result = run(desk, "rules", "test", "--query", "Wagner", str(draft), "--format", "json")
    assert result.exit_code == 0, result.output
    assert [found["title"] for found in json.loads(result.stdout)] == ["WAGNER"]
    assert result.stderr.splitlines() == [
        f"warning: {draft}: line 5: cannot parse publication time '32/13/1987'; "
        "using the file's modification time"
    ]


def test_rules_test_errors(desk) -> None:
    assert run(desk, "rules", "test", "nope").exit_code == 2
    bad = run(desk, "rules", "test", "--query", "a OR (b")
    assert bad.exit_code == 2
    assert bad.stderr.startswith("error: --query: ")
    assert run(desk, "rules", "test").exit_code == 2


def test_backfill_command_marks_hits(desk) -> None:
    rules_yaml(desk, "rules: []\n")
    run(desk, "scan")
    rules_yaml(desk, "rules:\n  - name: haftar\n    query: Haftar\n")
    result = run(desk, "rules", "backfill", "haftar", "--since", "36500d")
    assert result.exit_code == 0
    assert "1 hits backfilled" in result.stdout
    [hit] = hits_json(desk)
    assert (hit["rule"], hit["backfill"]) == ("haftar", True)
    assert (
        "0 hits backfilled" in run(desk, "rules", "backfill", "haftar", "--since", "36500d").stdout
    )


def test_backfill_setting_runs_when_a_rule_is_added_or_changed(desk) -> None:
    rules_yaml(desk, "rules: []\n")
    run(desk, "scan")
    rules_yaml(
        desk,
        "rules:\n  - name: haftar\n    query: Haftar\n    backfill: 36500d\n"
        "  - name: old\n    query: Haftar\n    backfill: 1d\n",
    )
    run(desk, "scan")
    assert [(h["rule"], h["backfill"]) for h in hits_json(desk)] == [("haftar", True)]
