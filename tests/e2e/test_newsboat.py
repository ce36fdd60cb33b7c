"""A real feed reader: newsboat reloads a rule's served RSS or Atom feed; its cache holds
exactly the expected entries (newsboat exits 0 even on a 404, so its cache is what counts)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from web.desk import Desk
from web.fixtures import desk, server
from web.live import LiveServer

__all__ = ["desk", "server"]  # fixtures, imported for pytest

NEWSBOAT = shutil.which("newsboat")
LIBYA_TITLES = {
    "Untitled dispatch: the Libya talks in Geneva ended without a deal on…",
    "Wagner fighters in Libya",
    "Clashes near Tripoli",
}

pytestmark = pytest.mark.skipif(
    NEWSBOAT is None, reason="newsboat is not installed (apt-get install -y newsboat)"
)


def reload(urls: list[str], home: Path) -> sqlite3.Connection:
    home.mkdir()
    (home / "urls").write_text("\n".join(urls) + "\n", encoding="utf-8")
    cache = home / "cache.db"
    result = subprocess.run(
        [
            str(NEWSBOAT),
            "-u",
            str(home / "urls"),
            "-c",
            str(cache),
            "-C",
            "/dev/null",
            "-x",
            "reload",
        ],
        env={"HOME": str(home), "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert cache.is_file(), result.stderr
    return sqlite3.connect(cache)


@pytest.mark.parametrize("suffix", [".xml", ".atom"])
def test_newsboat_reads_the_feeds_of_a_rule(
    server: LiveServer, desk: Desk, tmp_path: Path, suffix: str
) -> None:
    # One cache per format: newsboat keys items by GUID, and both formats share them.
    url = f"{server.url}feeds/rules/libya{suffix}"
    with reload([url], tmp_path / "home") as cache:
        items = cache.execute("SELECT feedurl, title, url, guid FROM rss_item").fetchall()
        feeds = cache.execute("SELECT rssurl, title FROM rss_feed").fetchall()
    assert feeds == [(url, "watcher: Libya")]
    assert {title for _, title, _, _ in items} == LIBYA_TITLES
    assert len(items) == 3
    for feed, _, link, guid in items:
        assert feed == url
        assert link.startswith("http://feeds.example.org:8080/articles/")
        assert guid.startswith("urn:watcher:article:")


def test_newsboat_stores_nothing_from_a_missing_feed(server: LiveServer, tmp_path: Path) -> None:
    with reload([f"{server.url}feeds/rules/nope.xml"], tmp_path / "home") as cache:
        assert cache.execute("SELECT count(*) FROM rss_item").fetchone() == (0,)
