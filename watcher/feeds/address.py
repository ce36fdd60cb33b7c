"""Where feed links point: `feeds.base_url` when set, else the address the server listens on.

Pure: the machine's name comes in as a value (the shell asks the socket module for it).
"""

from __future__ import annotations

from dataclasses import dataclass

from watcher.config import Config
from watcher.errors import ConfigError

# Hosts that mean "every address of this machine": no subscriber can connect to them.
WILDCARD_HOSTS = frozenset({"", "0.0.0.0", "::", "[::]"})  # noqa: S104 - recognised, not bound


def is_wildcard(host: str) -> bool:
    return host in WILDCARD_HOSTS


def served_url(host: str, port: int, *, hostname: str) -> str:
    """`http://HOST:PORT/` of a server listening on `host`:`port`; for a wildcard host, this
    machine's name (`hostname`) stands in."""
    name = hostname if is_wildcard(host) else host
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    return f"http://{name}/" if port == 80 else f"http://{name}:{port}/"  # noqa: PLR2004


@dataclass(frozen=True, slots=True)
class LinkBase:
    """The base URL feed links start with, and the warning to log at start, if any."""

    url: str
    warning: str | None = None


def link_base(configured: str | None, host: str, port: int, *, hostname: str) -> LinkBase:
    """The base of feed links for a server listening on `host`:`port` (`watcher serve`)."""
    served = served_url(host, port, hostname=hostname)
    if configured is not None:
        if configured == served:
            return LinkBase(configured)
        return LinkBase(
            configured,
            f"feed links start with feeds.base_url, {configured}, not with the address served,"
            f" {served}: right behind a reverse proxy; otherwise remove feeds.base_url",
        )
    if is_wildcard(host):
        return LinkBase(
            served,
            f"listening on every address ({host or 'any'}): feed links use this machine's name,"
            f" {served} — set feeds.base_url to the address subscribers use",
        )
    return LinkBase(served)


def configured_link_base(config: Config, *, hostname: str) -> str:
    """The base of feed links built without serving (`watcher scan`, `watcher feeds build`):
    feeds.base_url, else the address web.host and web.port say the server listens on."""
    if config.feeds.base_url is not None:
        return config.feeds.base_url
    if config.web.port == 0:
        raise ConfigError(
            "feeds.base_url is not set and web.port is 0 (any free port), so feed links"
            " cannot name the server — set web.port or feeds.base_url"
        )
    return served_url(config.web.host, config.web.port, hostname=hostname)
