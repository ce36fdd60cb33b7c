"""What every command shares: the global options, lazily built services, error display."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from watcher.errors import ConfigNotFound, WatcherError

if TYPE_CHECKING:
    from watcher.config import Config
    from watcher.rules import RuleSet
    from watcher.services import Services

# Config, rules and the database are imported when a command first asks for them, so that
# commands which need none of them (`init`, `--help`) start fast.


class ReportedError(click.ClickException):
    """A WatcherError shown as its own lines (file:line:col: what), with its exit code."""

    def __init__(self, error: WatcherError) -> None:
        super().__init__(str(error))
        self.exit_code = int(error.exit_code)  # type: ignore[misc] # per instance, by design

    def show(self, file: IO[Any] | None = None) -> None:
        from watcher.terminal import visible  # noqa: PLC0415 - only when an error is shown

        for line in self.message.splitlines():
            click.echo(f"error: {visible(line)}", err=True)


@dataclass
class CliState:
    config_option: Path | None
    debug: bool
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    _config: Config | None = None
    _services: Services | None = None
    _ruleset: RuleSet | None = None

    def config(self) -> Config:
        from watcher.config import find_config_path, load_config  # noqa: PLC0415

        if self._config is None:
            path = find_config_path(self.config_option, self.environ, Path.cwd())
            self._config = load_config(path, self.environ)
        return self._config

    def config_or_defaults(self) -> tuple[Config, RuleSet]:
        """The project's config and rules; outside a project, the defaults and no rules."""
        from watcher.config import Config  # noqa: PLC0415
        from watcher.rules import RuleSet  # noqa: PLC0415

        try:
            return self.config(), self.ruleset()
        except ConfigNotFound:
            return Config(), RuleSet()

    def loaded_database_url(self) -> str | None:
        """The configured database, once the config has been loaded (None before)."""
        return None if self._config is None else self._config.database_url

    def ruleset(self) -> RuleSet:
        """The rule files, validated; their paths shown relative to the working directory."""
        from watcher.config import shown_path  # noqa: PLC0415
        from watcher.rules import load_rules  # noqa: PLC0415

        if self._ruleset is None:
            config = self.config()
            files = config.rule_files
            shown = {path: shown_path(path) for path in files}
            self._ruleset = load_rules(
                files, shown=shown, timezone=config.timezone, environ=self.environ
            )
        return self._ruleset

    def services(self) -> Services:
        from watcher.services import build_services  # noqa: PLC0415

        if self._services is None:
            self._services = build_services(self.config())
        return self._services

    def feed_link_base(self) -> str:
        """Where links point in feeds that a command which does not serve builds."""
        from watcher.feeds.address import configured_link_base  # noqa: PLC0415

        return configured_link_base(self.config(), hostname=socket.gethostname())

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


pass_state = click.make_pass_decorator(CliState)
