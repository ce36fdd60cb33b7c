"""Apprise URLs as a rule file writes them: `${VAR}` parts from the environment, checked by
Apprise, and shown only redacted.

The expanded URL is a secret (it holds tokens, passwords, private topics): it is kept out of
`repr`, and every text shown about a channel (an error, a log line, `rules check`) goes
through `ChannelUrl.redact`, which puts back the `${VAR}` of every value that came from the
environment and masks what Apprise calls private. Apprise is imported on first use, so that
rule files without channels never pay for it.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_MASK = "****"
APPRISE_LOGGER = "apprise"
HTTP_LOGGER = "urllib3.connectionpool"  # what Apprise's HTTP calls log through


@dataclass(frozen=True, slots=True)
class ChannelUrl:
    """An Apprise URL: as written (`${VAR}` kept), expanded (secret) and shown (redacted)."""

    written: str
    url: str = field(repr=False)
    shown: str
    # (value, what replaces it when shown): environment values and masked parts.
    secrets: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def scheme(self) -> str:
        match = _SCHEME.match(self.url)
        return match.group(1).lower() if match else ""

    def redact(self, text: str) -> str:
        """`text` with the expanded URL and every secret part of it replaced."""
        text = text.replace(self.url, self.shown)
        for value, replacement in sorted(self.secrets, key=lambda pair: -len(pair[0])):
            text = text.replace(value, replacement)
        return text


def expand(written: str, environ: Mapping[str, str]) -> tuple[str, list[tuple[str, str]]]:
    """`written` with every `${VAR}` replaced from `environ`, and (value, `${VAR}`) pairs.
    ValueError names a variable that is missing or empty, or a `${...}` that names none."""
    found: list[tuple[str, str]] = []
    missing: list[str] = []

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if _NAME.fullmatch(name) is None:
            raise ValueError(
                f'"${{{name}}}" names no environment variable — write ${{NAME}} with letters, '
                "digits and _"
            )
        got = environ.get(name, "")
        if not got:
            missing.append(name)
            return ""
        found.append((got, f"${{{name}}}"))
        return got

    url = _VARIABLE.sub(value, written)
    if missing:
        names = ", ".join(f"${{{name}}}" for name in dict.fromkeys(missing))
        verb = "is" if len(missing) == 1 else "are"
        raise ValueError(
            f"{names} {verb} not set in the environment — export the secret there "
            "(it never goes in the file)"
        )
    return url, found


def channel_url(written: str, environ: Mapping[str, str]) -> ChannelUrl:
    """Expand and check an Apprise URL; ValueError (never holding a secret) when it is
    missing a variable or Apprise cannot use it."""
    url, found = expand(written, environ)
    if _SCHEME.match(url) is None:
        raise ValueError(
            "expected an Apprise URL like ntfy://ntfy.example.org/topic or json://host/path"
        )
    plugin = _instantiate(url)
    scheme = _SCHEME.match(url).group(1)  # type: ignore[union-attr] # matched above
    if plugin is None:
        raise ValueError(
            f'Apprise cannot use this "{scheme}://" URL: an unknown service, or a part the '
            "service needs is missing or malformed — see https://appriseit.com/services/"
        )
    secrets = [(value, name) for value, name in found if value]
    secrets += [(quote(value, safe=""), name) for value, name in found if value]
    private = str(plugin.url(privacy=True))
    if "?" not in written:
        private = private.split("?", 1)[0]  # the service's defaults, spelled out: noise
    password = getattr(plugin, "password", None)
    if isinstance(password, str) and password:
        secrets.append((password, _MASK))
    shown = private
    for value, name in sorted(secrets, key=lambda pair: -len(pair[0])):
        shown = shown.replace(value, name)
    return ChannelUrl(written=written, url=url, shown=shown, secrets=tuple(secrets))


class _Captured(logging.Handler):
    """Keeps the warnings Apprise logs for one call: the reason a notice failed."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Apprise may log from its worker threads, which run in a copy of the caller's
        # context: the context, not the thread, tells whose call a record belongs to.
        if _capturing.get() is self:
            self.lines.append(" ".join(record.getMessage().split()))


_capturing: contextvars.ContextVar[_Captured | None] = contextvars.ContextVar(
    "watcher_apprise_capture", default=None
)


class _NotDuringApprise(logging.Filter):
    """Drops what the HTTP library logs inside an Apprise call: its debug lines name the
    URL, path secrets and all."""

    def filter(self, record: logging.LogRecord) -> bool:
        return _capturing.get() is None


@contextlib.contextmanager
def apprise_logs_captured() -> Iterator[list[str]]:
    """Apprise's warnings during this call, kept out of every other log."""
    logger = logging.getLogger(APPRISE_LOGGER)
    # Its lines may hold secrets; ours say the same, redacted.
    logger.propagate = False
    http = logging.getLogger(HTTP_LOGGER)
    if not any(isinstance(f, _NotDuringApprise) for f in http.filters):
        http.addFilter(_NotDuringApprise())
    handler = _Captured()
    token = _capturing.set(handler)
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)
        _capturing.reset(token)


def instantiate(url: str) -> Any:
    """Apprise's service object for `url`, or None when Apprise cannot use it."""
    import apprise  # noqa: PLC0415 - see the module docstring

    return apprise.Apprise.instantiate(url)


def _instantiate(url: str) -> Any:
    """Apprise's service object for `url`, or None; its log lines stay out of ours (they may
    hold the URL's secrets)."""
    with apprise_logs_captured():
        return instantiate(url)
