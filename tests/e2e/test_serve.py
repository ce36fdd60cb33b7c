"""`watcher serve` run as a user runs it: where it listens, where its feed links point, and
what it says when it cannot listen."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from support import EXAMPLE, run_cli, write
from web.feedcheck import check_feed, opml_outlines
from web.live import free_port, request, wait_for_health

WATCHER = shutil.which("watcher", path=str(Path(sys.executable).parent))


def watcher_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}


@dataclass
class Served:
    port: int
    stderr: str = ""


@contextmanager
def serving(project: Path, *options: str) -> Iterator[Served]:
    """`watcher serve --port P OPTIONS` in the project until the block ends (then Ctrl-C)."""
    assert WATCHER is not None, "the watcher console script is not installed next to this Python"
    served = Served(free_port())
    process = subprocess.Popen(
        [WATCHER, "serve", "--port", str(served.port), *options],
        cwd=project,
        env=watcher_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for_health(process, served.port)
        yield served
    finally:
        process.send_signal(signal.SIGINT)
        _, served.stderr = process.communicate(timeout=15)
    assert process.returncode == 0, served.stderr


@pytest.fixture
def scanned(project: Path) -> Path:
    """The shipped project (feeds.base_url not set) with the example article scanned."""
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    assert run_cli(project, "scan").exit_code == 0
    return project


def feed_links(port: int, name: str) -> list[str]:
    """Every link of a served feed and its entries, and every feed URL of the OPML."""
    reply = request(port, f"/feeds/{name}")
    assert reply.status == 200, name
    if name.endswith(".opml"):
        return [url for _, url in opml_outlines(reply.body)]
    feed = check_feed(name, reply.body)
    links = [link.href for link in feed.feed.links]
    return links + [link.href for entry in feed.entries for link in entry.links]


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def test_feed_links_follow_the_port_served(scanned: Path) -> None:
    with serving(scanned) as served:
        base = f"http://127.0.0.1:{served.port}/"
        entries = check_feed("x.xml", request(served.port, "/feeds/rules/raids.xml").body).entries
        assert [entry.link for entry in entries] == [entries[0].link]
        assert entries[0].link.startswith(f"{base}articles/")
        for name in ("feeds.opml", "rules/raids.xml", "rules/raids.atom", "all.atom"):
            links = feed_links(served.port, name)
            assert links, name
            assert all(link.startswith(base) for link in links), (name, links)
    assert warnings(served.stderr) == []
    assert f"serving on {base}, feed links start with {base}" in served.stderr


def test_a_wildcard_host_links_to_the_machine_name_and_says_so(scanned: Path) -> None:
    with serving(scanned, "--host", "0.0.0.0") as served:  # noqa: S104
        base = f"http://{socket.gethostname()}:{served.port}/"
        for name in ("feeds.opml", "rules/raids.atom"):
            assert all(link.startswith(base) for link in feed_links(served.port, name))
    assert warnings(served.stderr) == [
        f"warning: listening on every address (0.0.0.0): feed links use this machine's name,"
        f" {base} — set feeds.base_url to the address subscribers use"
    ]


def test_a_base_url_that_differs_from_the_address_served_wins_with_one_warning(
    scanned: Path,
) -> None:
    config = scanned / "config" / "watcher.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "feeds:\n", "feeds:\n  base_url: https://news.example.org/watch\n"
        ),
        encoding="utf-8",
    )
    with serving(scanned) as served:
        for name in ("feeds.opml", "rules/raids.xml"):
            links = feed_links(served.port, name)
            assert all(link.startswith("https://news.example.org/watch/") for link in links)
    assert warnings(served.stderr) == [
        "warning: feed links start with feeds.base_url, https://news.example.org/watch/, not"
        f" with the address served, http://127.0.0.1:{served.port}/: right behind a reverse"
        " proxy; otherwise remove feeds.base_url"
    ]


def test_a_port_in_use_is_one_line_and_exit_1(project: Path) -> None:
    assert WATCHER is not None, "the watcher console script is not installed next to this Python"
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [WATCHER, "serve", "--port", str(port)],
            cwd=project,
            env=watcher_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"error: cannot listen on 127.0.0.1:{port}: the address is already in use"
        " — stop the program that holds it or pass another --port"
    ]
    assert not (project / "var" / "feeds").exists()  # nothing was built for a server not run
