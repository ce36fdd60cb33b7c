"""What the daemon's jobs and web pages read: the config, the rules and what follows from
them, swapped in one step when the files are reloaded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from watcher.config import Config
from watcher.digest.send import Outbox
from watcher.jobs import channel_outbox_for, outbox_for
from watcher.notify.send import ChannelOutbox
from watcher.rules import RuleSet
from watcher.services import Services


@dataclass(frozen=True)
class Loaded:
    """One consistent state: services on this config, these rules, feed links, the outboxes
    (email, push channels)."""

    services: Services
    ruleset: RuleSet
    base_url: str
    outbox: Outbox
    channel_outbox: ChannelOutbox

    @property
    def config(self) -> Config:
        return self.services.config


def loaded(
    services: Services, ruleset: RuleSet, environ: Mapping[str, str], *, base_url: str
) -> Loaded:
    outbox = outbox_for(services, ruleset, environ, base_url=base_url)
    channels = channel_outbox_for(services, base_url=base_url)
    return Loaded(services, ruleset, base_url, outbox, channels)


@dataclass
class Current:
    """The state in force; `swap` replaces it whole (one attribute: readers never see half
    of a reload). `reload_error` is the last failed reload's message, until one succeeds."""

    state: Loaded
    reload_error: str | None = field(default=None)

    def swap(self, state: Loaded) -> Loaded:
        previous, self.state = self.state, state
        self.reload_error = None
        return previous
