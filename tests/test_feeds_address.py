"""watcher.feeds.address: feed links follow the address served unless feeds.base_url is set."""

from __future__ import annotations

from pathlib import Path

import pytest

from watcher.config import load_config
from watcher.errors import ConfigError
from watcher.feeds.address import LinkBase, configured_link_base, link_base, served_url

HOSTNAME = "newsdesk"


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        pytest.param("127.0.0.1", 40173, "http://127.0.0.1:40173/", id="ipv4"),
        pytest.param("news.example.org", 8080, "http://news.example.org:8080/", id="name"),
        pytest.param("::1", 8080, "http://[::1]:8080/", id="ipv6"),
        pytest.param("127.0.0.1", 80, "http://127.0.0.1/", id="port-80"),
        pytest.param("0.0.0.0", 8080, "http://newsdesk:8080/", id="any-ipv4"),  # noqa: S104
        pytest.param("::", 8080, "http://newsdesk:8080/", id="any-ipv6"),
        pytest.param("", 8080, "http://newsdesk:8080/", id="any-empty"),
    ],
)
def test_served_url(host: str, port: int, expected: str) -> None:
    assert served_url(host, port, hostname=HOSTNAME) == expected


def test_unset_base_url_follows_the_address_served_without_a_word() -> None:
    assert link_base(None, "127.0.0.1", 40173, hostname=HOSTNAME) == LinkBase(
        "http://127.0.0.1:40173/"
    )


def test_a_wildcard_host_uses_the_machine_name_and_says_so() -> None:
    links = link_base(None, "0.0.0.0", 8080, hostname=HOSTNAME)  # noqa: S104
    assert links.url == "http://newsdesk:8080/"
    assert links.warning == (
        "listening on every address (0.0.0.0): feed links use this machine's name,"
        " http://newsdesk:8080/ — set feeds.base_url to the address subscribers use"
    )


def test_a_set_base_url_wins_with_a_warning_when_it_differs() -> None:
    links = link_base("https://news.example.org/", "127.0.0.1", 40173, hostname=HOSTNAME)
    assert links.url == "https://news.example.org/"
    assert links.warning == (
        "feed links start with feeds.base_url, https://news.example.org/, not with the address"
        " served, http://127.0.0.1:40173/: right behind a reverse proxy; otherwise remove"
        " feeds.base_url"
    )
    same = link_base("http://127.0.0.1:8080/", "127.0.0.1", 8080, hostname=HOSTNAME)
    assert same == LinkBase("http://127.0.0.1:8080/")


def config_with(tmp_path: Path, text: str):
    path = tmp_path / "config" / "watcher.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return load_config(path, {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", "http://127.0.0.1:8080/", id="defaults"),
        pytest.param("web: {host: 10.0.0.5, port: 9000}\n", "http://10.0.0.5:9000/", id="web"),
        pytest.param("web: {host: 0.0.0.0}\n", "http://newsdesk:8080/", id="any"),
        pytest.param(
            "feeds: {base_url: 'https://n.example.org/w'}\nweb: {port: 0}\n",
            "https://n.example.org/w/",
            id="set",
        ),
    ],
)
def test_commands_that_do_not_serve_follow_web_host_and_port(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert configured_link_base(config_with(tmp_path, text), hostname=HOSTNAME) == expected


def test_port_0_without_base_url_cannot_be_linked_to(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        configured_link_base(config_with(tmp_path, "web: {port: 0}\n"), hostname=HOSTNAME)
    assert str(caught.value) == (
        "feeds.base_url is not set and web.port is 0 (any free port), so feed links cannot"
        " name the server — set web.port or feeds.base_url"
    )
