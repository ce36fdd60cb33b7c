"""What every command shares: the global options, lazily built services, error display."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import click

from watcher.config import Config, find_config_path, load_config
from watcher.errors import WatcherError
from watcher.services import Services, build_services


class ReportedError(click.ClickException):
    """A WatcherError shown as its own lines (file:line:col: what), with its exit code."""

    def __init__(self, error: WatcherError) -> None:
        super().__init__(str(error))
        self.exit_code = int(error.exit_code)

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.message.splitlines():
            click.echo(f"error: {line}", err=True)


@dataclass
class CliState:
    config_option: Path | None
    debug: bool
    environ: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    _services: Services | None = None

    def config(self) -> Config:
        path = find_config_path(self.config_option, self.environ, Path.cwd())
        return load_config(path, self.environ)

    def services(self) -> Services:
        if self._services is None:
            self._services = build_services(self.config())
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


pass_state = click.make_pass_decorator(CliState)
