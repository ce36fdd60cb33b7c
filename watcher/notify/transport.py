"""How a notice leaves watcher: the `Notifier` interface the channel outbox talks to, and
`AppriseNotifier`, which hands each notice to one Apprise URL.

Apprise answers only "delivered" or "not": a failure is therefore always worth a retry
(`DeliveryError(transient=True)`), its reason taken from Apprise's own warnings, redacted.
Apprise's log lines never reach ours as they are: they can hold the URL's tokens or topic.
Apprise is imported on first use, so that commands without channels never pay for it.
"""

from __future__ import annotations

import logging
from typing import Protocol

from watcher.errors import DeliveryError
from watcher.notify.compose import Format, Notice
from watcher.notify.urls import ChannelUrl, apprise_logs_captured, instantiate

ALERT_HEADER = "X-Watcher-Alert"
_REASON_LIMIT = 300

log = logging.getLogger(__name__)


class Notifier(Protocol):
    """Hands one notice over to whatever carries it on."""

    name: str  # shown in `channels list` and the delivery attempts

    def send(self, notice: Notice, *, key: str) -> None:
        """Return when the service has accepted the notice; raise DeliveryError otherwise.

        `key` identifies the delivery, the same on every retry: receivers that can see it
        (webhooks get it as the `X-Watcher-Alert` header) de-duplicate on it."""
        ...


def preferred_format(url: str) -> Format:
    """Markdown where the service takes it (or HTML, which Apprise makes from Markdown),
    plain text otherwise."""
    import apprise  # noqa: PLC0415 - see the module docstring

    with apprise_logs_captured():
        plugin = instantiate(url)
    declared = getattr(plugin, "notify_format", None)
    formats = declared if isinstance(declared, tuple | list | set) else (declared,)
    rich = {apprise.NotifyFormat.MARKDOWN, apprise.NotifyFormat.HTML}
    return "markdown" if rich & set(formats) else "text"


class AppriseNotifier:
    """Delivers notices to one Apprise URL."""

    name = "apprise"

    def __init__(self, url: ChannelUrl) -> None:
        self.url = url

    def __repr__(self) -> str:
        return f"AppriseNotifier({self.url.shown!r})"

    def send(self, notice: Notice, *, key: str) -> None:
        import apprise  # noqa: PLC0415 - see the module docstring

        with apprise_logs_captured() as lines:
            plugin = instantiate(self.url.url)
            if plugin is None:
                raise DeliveryError(f"Apprise cannot use {self.url.shown} any more", transient=True)
            headers = getattr(plugin, "headers", None)
            if isinstance(headers, dict):
                headers[ALERT_HEADER] = key
            box = apprise.Apprise()
            box.add(plugin)
            delivered = box.notify(
                body=notice.body,
                title=notice.title,
                body_format=apprise.NotifyFormat(notice.format),
            )
        if not delivered:
            raise DeliveryError(self._reason(lines), transient=True)
        log.debug("%s accepted %s", self.url.shown, key)

    def _reason(self, lines: list[str]) -> str:
        said = "; ".join(dict.fromkeys(lines)) or "no reason given"
        reason = self.url.redact(f"{self.url.scheme}:// did not accept it: {said}")
        return reason if len(reason) <= _REASON_LIMIT else reason[: _REASON_LIMIT - 1] + "…"
