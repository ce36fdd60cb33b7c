"""`watcher sources list|fetch|import` and the sources in `watcher status`, on a project whose
feeds come from a local feed server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sources.feedserver import FeedServer, Route, feed_server
from sources.samples import LIBYA_ITEMS, rss
from support import run_cli

from watcher.cli.main import cli
from watcher.config import load_config
from watcher.services import build_services, utc_now
from watcher.store.sources import SourceState, save_state

OPML = """<?xml version="1.0"?>
<opml version="2.0"><head><title>My feeds</title></head><body>
  <outline text="News">
    <outline text="BBC Africa" type="rss" xmlUrl="https://feeds.bbci.co.uk/news/world/africa/rss.xml"/>
    <outline text="Already here" type="rss" xmlUrl="{known}"/>
    <outline title="Le Monde — International" xmlUrl="https://www.lemonde.fr/international/rss_full.xml"/>
    <outline text="BBC Africa" xmlUrl="https://feeds.bbci.co.uk/news/world/africa/rss.xml"/>
    <outline text="Gopher" xmlUrl="gopher://old.example.org/feed"/>
    <outline text="" xmlUrl="https://www.example.com/feed.atom"/>
  </outline>
</body></opml>
"""


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with feed_server() as running:
        running.routes["/libya"] = Route(rss("Desk Wire", LIBYA_ITEMS))
        running.routes["/broken"] = Route(status=500)
        yield running


def with_sources(project: Path, server: FeedServer) -> Path:
    config = project / "config" / "watcher.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"sources:\n  - name: wire\n    url: {server.url('/libya')}\n"
        f"  - name: broken\n    url: {server.url('/broken')}\n    interval: 30m\n",
        encoding="utf-8",
    )
    return project


def test_list_fetch_list_and_status(project: Path, server: FeedServer, database_url: str) -> None:
    with_sources(project, server)
    before = json.loads(
        run_cli(project, "sources", "list", "--format", "json", database_url=database_url).stdout
    )
    assert [(s["name"], s["state"], s["last_fetch"]) for s in before] == [
        ("wire", "new", None),
        ("broken", "new", None),
    ]
    fetched = run_cli(project, "sources", "fetch", database_url=database_url)
    assert fetched.exit_code == 1
    assert fetched.stdout.splitlines() == [
        "wire: 2 new, 0 changed, 0 duplicate of 2 entries, 1 hits",
        "broken: failed: HTTP 500 Internal Server Error",
    ]
    after = json.loads(
        run_cli(project, "sources", "list", "--format", "json", database_url=database_url).stdout
    )
    wire, broken = after
    assert (wire["state"], wire["entries"], wire["failures"]) == ("ok", 2, 0)
    assert wire["last_new_entry"] == wire["last_fetch"]
    assert (broken["state"], broken["failures"], broken["last_error"]) == (
        "failing",
        1,
        "HTTP 500 Internal Server Error",
    )
    table = run_cli(project, "sources", "list", database_url=database_url).stdout
    assert "failing (1 failures since" in table
    status = run_cli(project, "status", database_url=database_url).stdout
    assert "source wire    ok, 2 entries; last fetch " in status
    assert "source broken  failing since " in status
    hits = run_cli(project, "hits", "--format", "json", database_url=database_url).stdout
    assert {h["rule"] for h in json.loads(hits)} >= {"libya"}
    again = run_cli(project, "sources", "fetch", "wire", database_url=database_url)
    assert (again.exit_code, again.stdout) == (
        0,
        "wire: 0 new, 0 changed, 0 duplicate of 2 entries, 0 hits\n",
    )


def test_a_source_failing_for_a_day_is_flagged(
    project: Path, server: FeedServer, database_url: str
) -> None:
    with_sources(project, server)
    config = load_config(
        project / "config" / "watcher.yaml", {"WATCHER_DATABASE_URL": database_url}
    )
    services = build_services(config)
    now = utc_now()
    with services.sessions.begin() as session:
        save_state(
            session,
            SourceState(
                "broken",
                server.url("/broken"),
                fetched_at=now,
                failures=40,
                failing_since=now - timedelta(days=1, minutes=1),
                next_fetch_at=now + timedelta(minutes=30),
                last_error="HTTP 500 Internal Server Error",
            ),
        )
    services.close()
    status = run_cli(project, "status", database_url=database_url).stdout
    assert "source broken  FAILING FOR OVER A DAY — failing since" in status
    listed = json.loads(
        run_cli(project, "sources", "list", "--format", "json", database_url=database_url).stdout
    )
    assert listed[1]["failing_for_a_day"] is True
    status_json = json.loads(
        run_cli(project, "status", "--format", "json", database_url=database_url).stdout
    )
    assert [(s["name"], s["failing_for_a_day"]) for s in status_json["sources"]] == [
        ("wire", False),
        ("broken", True),
    ]


def test_fetch_of_an_unknown_source_is_exit_2(project: Path, server: FeedServer) -> None:
    with_sources(project, server)
    result = CliRunner().invoke(
        cli, ["--config", str(project / "config" / "watcher.yaml"), "sources", "fetch", "nope"]
    )
    assert result.exit_code == 2
    assert "no source named 'nope' (sources: wire, broken)" in result.stderr


def test_without_sources_list_and_fetch_say_how_to_add_some(project: Path) -> None:
    for command in ("list", "fetch"):
        result = run_cli(project, "sources", command)
        assert result.exit_code == 0
        assert result.stdout.startswith("no sources: add some under sources: in watcher.yaml")


def test_import_adds_the_new_feeds_to_a_sources_d_file(project: Path, server: FeedServer) -> None:
    with_sources(project, server)
    opml = project / "My Feeds.opml"
    opml.write_text(OPML.format(known=server.url("/libya")), encoding="utf-8")
    result = run_cli(project, "sources", "import", str(opml))
    assert result.exit_code == 0, result.output
    written = project / "config" / "sources.d" / "My-Feeds.yaml"
    assert result.stdout.splitlines() == [
        f"skipped {server.url('/libya')}: already a source",
        "skipped https://feeds.bbci.co.uk/news/world/africa/rss.xml: already a source",
        "skipped gopher://old.example.org/feed: not an http(s) address",
        "added bbc-africa: https://feeds.bbci.co.uk/news/world/africa/rss.xml",
        "added le-monde-international: https://www.lemonde.fr/international/rss_full.xml",
        "added example-com: https://www.example.com/feed.atom",
        f"3 sources added to {written}; a running daemon polls them at once"
        " (watcher sources list shows how they fare)",
    ]
    config = load_config(project / "config" / "watcher.yaml", {})
    assert [s.name for s in config.sources] == [
        "wire",
        "broken",
        "bbc-africa",
        "le-monde-international",
        "example-com",
    ]
    nothing = run_cli(project, "sources", "import", str(opml))
    assert nothing.stdout.endswith("nothing to add: 6 feeds in " + str(opml) + ", none new\n")


def test_import_never_replaces_a_file_without_asking(project: Path) -> None:
    opml = project / "feeds.opml"
    opml.write_text(OPML.format(known="https://k.example.org/f"), encoding="utf-8")
    target = project / "config" / "sources.d" / "mine.yaml"
    target.parent.mkdir()
    target.write_text("sources: []\n", encoding="utf-8")
    args = [
        "--config",
        str(project / "config" / "watcher.yaml"),
        "sources",
        "import",
        str(opml),
        "--into",
        "mine",
    ]
    refused = CliRunner().invoke(cli, args, input="n\n")
    assert refused.exit_code == 1
    assert "config/sources.d/mine.yaml exists: replace it?" in refused.output
    assert target.read_text(encoding="utf-8") == "sources: []\n"
    accepted = CliRunner().invoke(cli, args, input="y\n")
    assert accepted.exit_code == 0
    assert "bbc-africa" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body>no</body></html>", "not an OPML file (its root element is <html>)"),
        (b"<opml><body>", "not an OPML file: "),
    ],
)
def test_import_of_something_else_is_one_line(project: Path, content: bytes, message: str) -> None:
    opml = project / "x.opml"
    opml.write_bytes(content)
    result = CliRunner().invoke(
        cli, ["--config", str(project / "config" / "watcher.yaml"), "sources", "import", str(opml)]
    )
    assert result.exit_code == 2
    assert message in result.stderr


def test_import_reads_no_external_entity(project: Path) -> None:
    opml = project / "x.opml"
    opml.write_bytes(
        b'<!DOCTYPE opml [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<opml><body><outline text="&e;" xmlUrl="https://x.example.org/&e;"/></body></opml>'
    )
    result = CliRunner().invoke(
        cli, ["--config", str(project / "config" / "watcher.yaml"), "sources", "import", str(opml)]
    )
    assert result.exit_code == 2
    assert "references external entity" in result.stderr
    assert "root:" not in result.output
    assert not (project / "config" / "sources.d").exists()
