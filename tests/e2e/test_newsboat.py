"""A real feed reader: newsboat reloads a rule's served RSS or Atom feed, or every feed of the
served OPML into one cache; its cache holds exactly the expected entries (newsboat exits 0 even
on a 404, so its cache is what counts)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import feedparser
import pytest
from web.desk import Desk
from web.fixtures import desk, server
from web.live import LiveServer

from watcher.feeds import build_all
from watcher.web import build_app

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


def newsboat(home: Path, *args: str) -> None:
    """newsboat with `home`'s urls file and cache, no user config."""
    result = subprocess.run(
        [
            str(NEWSBOAT),
            "-u",
            str(home / "urls"),
            "-c",
            str(home / "cache.db"),
            "-C",
            "/dev/null",
            *args,
        ],
        env={"HOME": str(home), "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def reload(urls: list[str], home: Path) -> sqlite3.Connection:
    home.mkdir()
    (home / "urls").write_text("\n".join(urls) + "\n", encoding="utf-8")
    newsboat(home, "-x", "reload")
    assert (home / "cache.db").is_file()
    return sqlite3.connect(home / "cache.db")


@pytest.mark.parametrize("suffix", [".xml", ".atom"])
def test_newsboat_reads_the_feeds_of_a_rule(
    server: LiveServer, desk: Desk, tmp_path: Path, suffix: str
) -> None:
    # One cache per format: newsboat keeps an id once, and a feed's two formats share theirs.
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
        assert guid == f"urn:watcher:feed:rules/libya:article:{link.rsplit('/', 1)[1]}"


def test_newsboat_stores_nothing_from_a_missing_feed(server: LiveServer, tmp_path: Path) -> None:
    with reload([f"{server.url}feeds/rules/nope.xml"], tmp_path / "home") as cache:
        assert cache.execute("SELECT count(*) FROM rss_item").fetchone() == (0,)


def path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_the_opml_in_one_cache_shows_every_feed_with_its_items(desk: Desk, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    with LiveServer(build_app(desk.services, desk.ruleset)) as live:
        build_all(desk.services.sessions, desk.config.feeds, desk.ruleset, base_url=live.url)
        (home / "feeds.opml").write_bytes(live.request("/feeds.opml").body)
        newsboat(home, "-i", str(home / "feeds.opml"))
        urls = [line.split(" ")[0] for line in (home / "urls").read_text().splitlines()]
        expected = {
            url: sorted(e.title for e in feedparser.parse(live.request(path(url)).body).entries)
            for url in urls
        }
        newsboat(home, "-x", "reload")
    with sqlite3.connect(home / "cache.db") as cache:
        items = cache.execute("SELECT feedurl, title FROM rss_item").fetchall()
        titles = [title for (title,) in cache.execute("SELECT title FROM rss_feed")]
    shown: dict[str, list[str]] = {url: [] for url in urls}
    for url, title in items:
        shown[url].append(title)
    assert all(expected.values())  # every feed of the desk has items
    assert {url: sorted(titles) for url, titles in shown.items()} == expected
    assert len(urls) == len(set(urls)) == 6  # 3 rules, 2 tags, all: each once
    assert len(titles) == len(set(titles)) == 6
