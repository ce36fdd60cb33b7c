"""HTTP against the real server (uvicorn on a loopback port): types, ETag/304, gzip,
traversal, 405, /healthz both ways, and `watcher serve` run as a user runs it."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from datetime import timedelta
from email.utils import formatdate
from pathlib import Path

import feedparser
import pytest
from web.desk import T0, Desk, article, open_desk
from web.feedcheck import check_feed, opml_outlines
from web.fixtures import desk, server
from web.live import LiveServer, free_port, request, wait_for_health

from watcher.feeds import build_since
from watcher.web import build_app

__all__ = ["desk", "server"]  # fixtures, imported for pytest

WATCHER = shutil.which("watcher", path=str(Path(sys.executable).parent))
TYPES = {
    "/feeds/rules/libya.xml": "application/rss+xml; charset=utf-8",
    "/feeds/tags/mena.atom": "application/atom+xml; charset=utf-8",
    "/feeds/all.xml": "application/rss+xml; charset=utf-8",
    "/feeds/feeds.opml": "text/x-opml; charset=utf-8",
    "/feeds.opml": "text/x-opml; charset=utf-8",
}


@pytest.mark.parametrize(("path", "content_type"), TYPES.items())
def test_feed_files_are_served_with_their_types(
    server: LiveServer, desk: Desk, path: str, content_type: str
) -> None:
    reply = server.request(path)
    assert (reply.status, reply.header("content-type")) == (200, content_type)
    name = path.removeprefix("/feeds/").removeprefix("/")
    assert reply.body == (desk.feeds_dir / name).read_bytes()
    if name.endswith(".opml"):
        assert len(opml_outlines(reply.body)) == 6
    else:
        assert check_feed(name, reply.body).entries


def test_etag_and_last_modified_give_304_until_the_feed_changes(
    server: LiveServer, desk: Desk
) -> None:
    first = server.request("/feeds/rules/oil.atom")
    etag, modified = first.header("etag"), first.header("last-modified")
    assert etag.startswith('"')  # strong: no W/
    assert modified == formatdate((desk.feeds_dir / "rules/oil.atom").stat().st_mtime, usegmt=True)
    for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        cached = server.request("/feeds/rules/oil.atom", headers=headers)
        assert (cached.status, cached.body, cached.header("etag")) == (304, b"", etag)
    assert server.request("/feeds/rules/oil.atom", headers={"If-None-Match": '"x"'}).status == 200
    old = formatdate(0, usegmt=True)
    assert server.request("/feeds/rules/oil.atom", headers={"If-Modified-Since": old}).status == 200
    later = T0 + timedelta(hours=5)
    desk.ingest([article("Oil price jumps", "Oil rose ten percent.")], later)
    build_since(desk.services.sessions, desk.config.feeds, desk.ruleset, later)
    fresh = server.request("/feeds/rules/oil.atom", headers={"If-None-Match": etag})
    assert fresh.status == 200
    assert fresh.header("etag") != etag
    assert check_feed("oil.atom", fresh.body).entries[0].title == "Oil price jumps"


@pytest.mark.parametrize("name", ["tags/mena.xml", "tags/mena.atom"])
def test_served_highlights_survive_feedparsers_sanitizer(server: LiveServer, name: str) -> None:
    feed = feedparser.parse(server.request(f"/feeds/{name}").body, sanitize_html=True)
    assert len(feed.entries) == 3
    for entry in feed.entries:
        marked = re.findall("<strong>(.*?)</strong>", entry.summary)
        assert marked, entry.summary
        assert set(marked) <= {"Libya", "Tripoli", "Wagner"}


def test_gzip_when_asked(server: LiveServer, desk: Desk) -> None:
    plain = server.request("/feeds/all.atom")
    packed = server.request("/feeds/all.atom", headers={"Accept-Encoding": "gzip, br"})
    assert plain.header("content-encoding") is None
    assert packed.header("content-encoding") == "gzip"
    assert "Accept-Encoding" in packed.header("vary")
    assert gzip.decompress(packed.body) == plain.body == (desk.feeds_dir / "all.atom").read_bytes()
    assert packed.header("etag") != plain.header("etag")
    again = server.request(
        "/feeds/all.atom",
        headers={"Accept-Encoding": "gzip", "If-None-Match": packed.header("etag")},
    )
    assert again.status == 304
    refused = server.request("/feeds/all.atom", headers={"Accept-Encoding": "gzip;q=0"})
    assert refused.header("content-encoding") is None
    index = server.request("/", headers={"Accept-Encoding": "gzip"})
    assert index.header("content-encoding") == "gzip"
    assert b"<table" in gzip.decompress(index.body)


def test_head_gives_the_headers_without_a_body(server: LiveServer) -> None:
    head = server.request("/feeds/all.xml", method="HEAD")
    get = server.request("/feeds/all.xml")
    assert (head.status, head.body) == (200, b"")
    assert head.header("etag") == get.header("etag")
    assert head.header("content-length") == str(len(get.body))


def test_nothing_outside_the_feed_files_is_served(
    server: LiveServer, desk: Desk, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.xml"
    secret.write_text("<secret>SECRET</secret>", encoding="utf-8")
    (desk.feeds_dir / "tags" / "leak.xml").symlink_to(secret)
    (desk.feeds_dir / "up").symlink_to(tmp_path, target_is_directory=True)
    (desk.feeds_dir / "notes.txt").write_text("SECRET", encoding="utf-8")
    for path in (
        "/feeds/../watcher.db",
        "/feeds/../../config/watcher.yaml",
        "/feeds/%2e%2e/%2e%2e/config/watcher.yaml",
        "/feeds/%2E%2E%2F%2E%2E%2Fsecret.xml",
        "/feeds/rules/..%2f..%2f..%2fsecret.xml",
        "/feeds//etc/passwd",
        "/feeds/%2fetc%2fpasswd",
        f"/feeds/{secret}",
        "/feeds/tags/leak.xml",
        "/feeds/up/secret.xml",
        "/feeds/notes.txt",
        "/feeds/rules",
        "/feeds/rules/libya.xml%00.txt",
        "/feeds/rules\\..\\..\\secret.xml",
        "/static/../views.py",
        "/static/%2e%2e/app.py",
        "/../config/watcher.yaml",
    ):
        reply = server.request(path)
        assert reply.status == 404, path
        assert b"SECRET" not in reply.body
        assert b"database_url" not in reply.body


def test_only_get_and_head_are_allowed(server: LiveServer) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"):
        for path in ("/", "/feeds/all.xml", "/healthz", "/metrics", "/static/watcher.css", "/x"):
            reply = server.request(path, method=method)
            assert (reply.status, reply.header("allow")) == (405, "GET, HEAD"), (method, path)


def test_healthz_says_ok_then_503_when_the_sqlite_file_is_gone(
    server: LiveServer, desk: Desk
) -> None:
    ok = server.request("/healthz")
    assert (ok.status, ok.header("content-type")) == (200, "application/json")
    assert json.loads(ok.body)["status"] == "ok"
    if desk.services.engine.dialect.name != "sqlite":
        return
    database = Path(desk.services.engine.url.database)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    down = server.request("/healthz")
    assert down.status == 503
    assert json.loads(down.body)["status"] == "error"


def test_healthz_and_metrics_when_the_database_does_not_answer(tmp_path: Path) -> None:
    nobody = f"postgresql+psycopg://watcher@127.0.0.1:{free_port()}/gone?connect_timeout=2"
    with (
        open_desk(tmp_path / "project", nobody, migrate=False) as desk,
        LiveServer(build_app(desk.services, desk.ruleset)) as live,
    ):
        down = live.request("/healthz")
        assert down.status == 503
        assert json.loads(down.body) == {
            "status": "error",
            "database": "unavailable",
            "seeds_dir": "ok",
        }
        assert "watcher_database_up 0.0" in live.request("/metrics").text
        for path in ("/", "/rules/libya", "/tags/mena", "/?before=1.2.3"):
            page = live.request(path)
            assert page.status == 503, path
            assert "database" in page.text


def test_watcher_serve_serves_the_project(tmp_path: Path) -> None:
    assert WATCHER is not None, "the watcher console script is not installed next to this Python"
    with open_desk(tmp_path / "project", f"sqlite:///{tmp_path / 'w.db'}") as desk:
        desk.ingest([article("Tripoli calm", "Tripoli was calm.")], T0)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    env["WATCHER_DATABASE_URL"] = f"sqlite:///{tmp_path / 'w.db'}"
    process = subprocess.Popen(
        [WATCHER, "serve", "--port", str(port)],
        cwd=tmp_path / "project",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_health(process, port)
        reply = request(port, "/feeds/rules/libya.xml")
        assert [e.title for e in check_feed("libya.xml", reply.body).entries] == ["Tripoli calm"]
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output.decode()
