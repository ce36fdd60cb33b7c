"""The wired-up parts a command or the daemon works with, built once from the config."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from watcher.config import Config
from watcher.store.db import make_engine, make_sessionmaker, upgrade

if TYPE_CHECKING:
    from watcher.reading import ScanSettings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime] = utc_now

    @property
    def scan_settings(self) -> ScanSettings:
        from watcher.reading import ScanSettings  # noqa: PLC0415 - the readers, for a scan only

        config = self.config
        return ScanSettings(
            seeds_dir=config.seeds_dir,
            settle=config.scan.settle,
            max_file_size=config.scan.max_file_size,
            timezone=config.zone,
            default_source=config.default_source,
        )

    def with_config(self, config: Config) -> Services:
        """The same database and clock with a reloaded config."""
        return dataclasses.replace(self, config=config)

    def close(self) -> None:
        self.engine.dispose()


def build_services(config: Config, *, migrate: bool = True) -> Services:
    """Open the database (applying migrations unless told not to) and wire the services."""
    engine = make_engine(config.database_url)
    if migrate:
        upgrade(engine)
    return Services(config=config, engine=engine, sessions=make_sessionmaker(engine))
