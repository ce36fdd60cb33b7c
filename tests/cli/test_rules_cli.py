"""`watcher rules check|test|backfill`, and hits recorded by `scan`."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from cli.deskcli import hits_json, rules_yaml, run
from click.testing import CliRunner
from support import EXAMPLE, write

from watcher.cli.main import cli
from watcher.cli.rules import highlighted
from watcher.model import Span

SHIPPED_HITS = {"libya", "wagner-libya", "raids", "pantsir"}


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


def test_rules_check_lists_rules_with_parsed_queries(desk) -> None:
    result = run(desk, "rules", "check")
    assert result.exit_code == 0
    for name in SHIPPED_HITS:
        assert name in result.stdout
    assert "4 rules OK" in result.stdout


def test_rules_check_shows_the_grouping_in_full_parentheses(desk) -> None:
    rules_yaml(
        desk,
        "rules:\n"
        "  - name: libya\n    query: Libya OR Tripoli -football\n    tags: [mena]\n"
        "  - name: off\n    query: a OR b AND c\n    enabled: false\n",
    )
    result = run(desk, "rules", "check")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "libya (in title, lead, body; tags mena)",
        "  query:     Libya OR Tripoli -football",
        "  parsed as: (Libya OR Tripoli) AND NOT football",
        "off (in title, lead, body; disabled)",
        "  query:     a OR b AND c",
        "  parsed as: a OR (b AND c)",
        "2 rules OK",
    ]


def test_rules_check_lists_subscribers_with_their_next_sends(desk) -> None:
    rules_yaml(
        desk,
        "rules:\n  - name: libya\n    query: Libya\n    tags: [mena]\n"
        "subscribers:\n"
        "  - email: Desk <desk@example.org>\n    tags: [mena]\n"
        "    schedule: 0 7 * * 1-5\n    timezone: Europe/Rome\n",
    )
    result = run(desk, "rules", "check")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[3:5] == [
        "subscriber Desk <desk@example.org> (tags mena)",
        "  schedule:  0 7 * * 1-5 in Europe/Rome",
    ]
    sends = lines[5].removeprefix("  next:      ").split(", ")
    assert len(sends) == 3
    for send in sends:
        assert re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 07:00 CES?T", send), send
    assert lines[-1] == "1 rules, 1 subscriber OK"


def test_rules_check_warns_about_lower_case_operators(desk) -> None:
    rules_yaml(desk, "rules:\n  - name: softs\n    query: coffee or cocoa\n")
    result = run(desk, "rules", "check")
    assert result.exit_code == 0
    [warning] = result.stderr.splitlines()
    assert warning.startswith("warning: ")
    assert 'config/rules.yaml:3:19: rule "softs": query: "or" is searched as a word' in warning
    assert "did you mean OR?" in warning
    assert "parsed as: coffee AND or AND cocoa" in result.stdout


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
    text = run(desk, "rules", "test", "--query", "Pantsir", "--since", "100y")
    assert "[[Pantsir]]" in text.stdout
    assert text.stdout.splitlines()[-1] == "1 matching article"
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


def test_rules_test_shows_short_marked_windows_when_piped(desk) -> None:
    run(desk, "scan")
    lines = run(desk, "rules", "test", "raids").stdout.splitlines()
    assert lines[0] == (
        f"{EXAMPLE.name}  Haftar announces raids on Tripoli, Putin sends reinforcements"
    )
    assert (
        lines[1]
        == "  title: [[Haftar]] announces [[raids]] on [[Tripoli]], Putin sends reinforcements"
    )
    body = lines[2]
    assert body.startswith("  body: … ")
    assert "[[raid]] campaign" in body
    assert "[[raids]]" in body
    windows = body.removeprefix("  body: … ").removesuffix(" …").split(" … ")
    assert len(windows) == 2
    assert all(len(window.replace("[[", "").replace("]]", "")) <= 240 for window in windows)
    assert "\n" not in body
    assert "  " not in body.strip()
    assert lines[-1] == "1 matching article"


def test_rules_test_highlights_in_colour_for_a_terminal() -> None:
    text = "Haftar went to Tripoli"
    spans = [Span("body", 0, 6, "Haftar"), Span("body", 15, 22, "Tripoli")]
    shown = highlighted(text, spans, markers=False)
    assert shown.plain == "Haftar went to Tripoli"
    styled = {shown.plain[span.start : span.end] for span in shown.spans if span.style}
    assert styled == {"Haftar", "Tripoli"}
    assert highlighted(text, spans, markers=True).plain == "[[Haftar]] went to [[Tripoli]]"


def test_rules_test_query_on_files_works_outside_a_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATCHER_CONFIG", raising=False)
    draft = write(tmp_path / "draft.txt", "Wagner in Libya\n\nMercenaries of the Wagner group.\n")
    result = CliRunner().invoke(cli, ["rules", "test", "--query", "Wagner", str(draft)])
    assert result.exit_code == 0, result.output
    assert "title: [[Wagner]] in Libya" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 matching article"
    named = CliRunner().invoke(cli, ["rules", "test", "libya"])
    assert named.exit_code == 2
    assert "no config found" in named.stderr


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
    again = run(desk, "rules", "backfill", "haftar", "--since", "100y").stdout.splitlines()
    assert again == [
        "rule haftar: 0 hits backfilled",
        "1 archive article published in the last 100y; the archive holds 1 article "
        "from 2020-05-21 to 2020-05-21",
    ]


def test_backfill_that_finds_nothing_says_what_the_archive_holds(desk) -> None:
    rules_yaml(desk, "rules: []\n")
    run(desk, "scan")
    rules_yaml(desk, "rules:\n  - name: haftar\n    query: Haftar\n")
    result = run(desk, "rules", "backfill", "haftar", "--since", "2w")
    assert result.exit_code == 0
    advice = result.stdout.splitlines()[1]
    assert advice.startswith(
        "0 archive articles published in the last 2w; the archive holds 1 article "
        "from 2020-05-21 to 2020-05-21 (--since "
    )
    assert hits_json(desk) == []
    suggested = re.fullmatch(r".*\(--since (\d+y) covers them all\)", advice)
    assert suggested is not None, advice
    again = run(desk, "rules", "backfill", "haftar", "--since", suggested.group(1))
    assert "1 hits backfilled" in again.stdout


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


def test_rules_test_refuses_what_is_not_an_article_file(desk, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)  # opening it to read would wait for a writer for ever
    draft = write(tmp_path / "draft.txt", "Wagner in Libya\n\nMercenaries.\n")
    missing = tmp_path / "missing.txt"
    result = run(
        desk, "rules", "test", "--query", "Wagner", str(missing), str(fifo), "/dev/zero", str(draft)
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"warning: {missing}: No such file or directory",
        f"warning: {fifo}: not a regular file; give an article file",
        "warning: /dev/zero: not a regular file; give an article file",
    ]
    assert result.stdout.splitlines()[-1] == "1 matching article"


def test_rules_test_refuses_a_file_over_the_size_limit(desk, tmp_path: Path) -> None:
    config = desk[0] / "config" / "watcher.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("max_file_size: 10MB", "max_file_size: 1KB"),
        encoding="utf-8",
    )
    big = write(tmp_path / "big.txt", "Wagner\n\n" + "word " * 400)
    result = run(desk, "rules", "test", "--query", "Wagner", str(big))
    assert result.stderr.splitlines() == [
        f"warning: {big}: larger than scan.max_file_size (1,000 bytes); raise it or split the file"
    ]
    assert result.stdout.splitlines()[-1] == "0 matching articles"
