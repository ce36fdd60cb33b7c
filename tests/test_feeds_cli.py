"""`watcher feeds build`, and `watcher scan` writing feed files only when they change."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import Result
from support import EXAMPLE, run_cli, write
from web.feedcheck import check_feed, opml_outlines

OLD = 1_000_000_000
SHIPPED = {"libya", "wagner-libya", "raids", "pantsir"}


def run(project: Path, url: str, *args: str) -> Result:
    return run_cli(project, *args, database_url=url)


@pytest.fixture
def desk(project: Path, database_url: str) -> tuple[Path, str]:
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    return project, database_url


def feed_files(project: Path) -> dict[str, os.stat_result]:
    root = project / "var" / "feeds"
    return {str(p.relative_to(root)): p.stat() for p in root.rglob("*.*") if p.name[0] != "."}


def age(project: Path) -> None:
    for path in (project / "var" / "feeds").rglob("*.*"):
        os.utime(path, (OLD, OLD))


def changed(project: Path) -> set[str]:
    return {name for name, st in feed_files(project).items() if st.st_mtime != OLD}


def test_feeds_build_writes_every_feed_then_nothing(desk: tuple[Path, str]) -> None:
    project, url = desk
    first = run(project, url, "feeds", "build")
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith("feeds: 15 written, 0 unchanged, 0 removed in ")
    files = feed_files(project)
    assert {f"rules/{name}.atom" for name in SHIPPED} <= set(files)
    assert {"tags/mena.xml", "tags/russia.atom", "all.xml", "all.atom", "feeds.opml"} <= set(files)
    for name in files:
        if name != "feeds.opml":
            assert check_feed(name, (project / "var" / "feeds" / name).read_bytes()).entries == []
    again = json.loads(run(project, url, "feeds", "build", "--format", "json").stdout)
    assert (again["written"], again["unchanged"], again["removed"]) == ([], 15, [])


def test_scan_writes_the_feeds_of_its_hits_and_nothing_when_nothing_is_new(
    desk: tuple[Path, str],
) -> None:
    project, url = desk
    assert json.loads(run(project, url, "scan", "--format", "json").stdout)["hits"] == 4
    root = project / "var" / "feeds"
    raids = check_feed("rules/raids.xml", (root / "rules" / "raids.xml").read_bytes())
    assert [e.title for e in raids.entries] == [
        "Haftar announces raids on Tripoli, Putin sends reinforcements"
    ]
    assert len(check_feed("all.atom", (root / "all.atom").read_bytes()).entries) == 1
    contents = {name: (root / name).read_bytes() for name in feed_files(project)}
    age(project)
    assert json.loads(run(project, url, "scan", "--format", "json").stdout)["hits"] == 0
    assert changed(project) == set()
    assert {name: (root / name).read_bytes() for name in feed_files(project)} == contents


def test_scan_rewrites_only_the_feeds_a_new_hit_touches(desk: tuple[Path, str]) -> None:
    project, url = desk
    run(project, url, "scan")
    age(project)
    write(project / "seeds" / "pantsir.txt", "Pantsir spotted\n\nA Pantsir system was seen.\n")
    summary = json.loads(run(project, url, "scan", "--format", "json").stdout)
    assert summary["hits"] == 1
    assert changed(project) == {
        "rules/pantsir.xml",
        "rules/pantsir.atom",
        "tags/russia.xml",
        "tags/russia.atom",
        "all.xml",
        "all.atom",
    }
    pantsir = (project / "var" / "feeds" / "rules" / "pantsir.atom").read_bytes()
    assert check_feed("x.atom", pantsir).entries[0].title == "Pantsir spotted"


def test_feeds_build_removes_the_feeds_of_a_removed_rule(desk: tuple[Path, str]) -> None:
    project, url = desk
    run(project, url, "scan")
    rules = project / "config" / "rules.yaml"
    rules.write_text(rules.read_text().split("  - name: pantsir")[0], encoding="utf-8")
    result = json.loads(run(project, url, "feeds", "build", "--format", "json").stdout)
    assert result["removed"] == ["rules/pantsir.atom", "rules/pantsir.xml"]  # russia: wagner-libya
    assert not (project / "var" / "feeds" / "rules" / "pantsir.xml").exists()


def set_port(project: Path, port: int) -> None:
    config = project / "config" / "watcher.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  port: 8080\n", f"  port: {port}\n"), encoding="utf-8")


def test_without_base_url_feed_links_follow_web_host_and_port(desk: tuple[Path, str]) -> None:
    project, url = desk
    set_port(project, 9000)
    assert run(project, url, "scan").exit_code == 0
    root = project / "var" / "feeds"
    raids = check_feed("rules/raids.atom", (root / "rules" / "raids.atom").read_bytes())
    assert raids.entries[0].link.startswith("http://127.0.0.1:9000/articles/")
    assert run(project, url, "feeds", "build").exit_code == 0
    outlines = opml_outlines((root / "feeds.opml").read_bytes())
    assert outlines
    assert all(xml_url.startswith("http://127.0.0.1:9000/feeds/") for _, xml_url in outlines)


def test_port_0_without_base_url_is_a_config_error(desk: tuple[Path, str]) -> None:
    project, url = desk
    set_port(project, 0)
    for command in (["feeds", "build"], ["scan"]):
        result = run(project, url, *command)
        assert result.exit_code == 2, command
        assert result.stderr.splitlines() == [
            "error: feeds.base_url is not set and web.port is 0 (any free port), so feed links"
            " cannot name the server — set web.port or feeds.base_url"
        ]
    status = json.loads(run(project, url, "status", "--format", "json").stdout)
    assert status["articles"] == 0  # the scan stopped before reading anything
