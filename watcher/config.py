"""watcher.yaml -> a frozen, validated Config; every error names file, line and column."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from watcher.errors import ConfigError, ConfigErrors, Location
from watcher.units import parse_duration, parse_size
from watcher.yamlsource import load_yaml, validation_errors

DEFAULT_CONFIG = Path("config/watcher.yaml")

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Size = Annotated[int, BeforeValidator(parse_size)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScanConfig(_Section):
    interval: Duration = timedelta(seconds=60)
    settle: Duration = timedelta(seconds=2)
    max_file_size: Size = 10_000_000


class FeedsConfig(_Section):
    dir: Path = Path("var/feeds")
    max_entries: int = Field(default=50, ge=1, le=10_000)
    # None: links follow the address the server listens on (see watcher.feeds.address).
    base_url: str | None = None

    @field_validator("base_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError(
                f'expected an absolute http(s) URL like "http://host:8080/", got "{value}"'
            )
        return value if value.endswith("/") else value + "/"


class WebConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


class SmtpConfig(_Section):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    timeout: Duration = timedelta(seconds=30)


class MailConfig(_Section):
    from_address: str = "watcher@localhost"
    maildir: Path = Path("var/mail")
    smtp: SmtpConfig | None = None


class Config(_Section):
    """The validated watcher.yaml; paths are absolute, resolved against the project root."""

    seeds_dir: Path = Path("seeds")
    database_url: str = "sqlite:///var/watcher.db"
    timezone: str = "UTC"
    default_source: str = "Unknown"
    scan: ScanConfig = ScanConfig()
    feeds: FeedsConfig = FeedsConfig()
    web: WebConfig = WebConfig()
    mail: MailConfig = MailConfig()
    config_path: Path = Field(default=DEFAULT_CONFIG, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f'unknown time zone "{value}" — use an IANA name like "Europe/Rome"'
            ) from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError as exc:
            raise ValueError(
                f'expected a database URL like "sqlite:///var/watcher.db", got "{value}"'
            ) from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def config_dir(self) -> Path:
        return self.config_path.parent

    @property
    def rule_files(self) -> list[Path]:
        """config/rules.yaml, then every config/rules.d/*.yaml in name order."""
        main = self.config_dir / "rules.yaml"
        extra = sorted((self.config_dir / "rules.d").glob("*.yaml"))
        return [p for p in [main, *extra] if p.is_file()]


def find_config_path(option: Path | None, environ: Mapping[str, str], cwd: Path) -> Path:
    """--config, else config/watcher.yaml in the working directory, else WATCHER_CONFIG."""
    if option is not None:
        return option
    if (cwd / DEFAULT_CONFIG).is_file():
        return DEFAULT_CONFIG
    if environ.get("WATCHER_CONFIG"):
        return Path(environ["WATCHER_CONFIG"])
    raise ConfigError(
        f"no config found: pass --config PATH, create {DEFAULT_CONFIG} (watcher init), "
        "or set WATCHER_CONFIG"
    )


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve a watcher.yaml; raise ConfigErrors listing every problem."""
    environ = os.environ if environ is None else environ
    if not path.is_file():
        raise ConfigError(
            "config file not found — pass --config PATH or run `watcher init`", Location(path)
        )
    document = load_yaml(path) or {}
    if not isinstance(document, Mapping):
        raise ConfigError("expected a mapping of settings at the top level", Location(path, 1, 1))
    try:
        config = Config.model_validate(dict(document))
    except ValidationError as exc:
        raise ConfigErrors(validation_errors(exc, document, path)) from exc
    return _resolve(config, path, environ)


def _resolve(config: Config, path: Path, environ: Mapping[str, str]) -> Config:
    root = path.resolve().parent.parent
    url = environ.get("WATCHER_DATABASE_URL") or config.database_url
    changes: dict[str, Any] = {
        "config_path": path.resolve(),
        "seeds_dir": root / config.seeds_dir,
        "database_url": resolve_sqlite_url(url, root),
        "feeds": config.feeds.model_copy(update={"dir": root / config.feeds.dir}),
        "mail": config.mail.model_copy(update={"maildir": root / config.mail.maildir}),
    }
    return config.model_copy(update=changes)


def resolve_sqlite_url(url: str, root: Path) -> str:
    """Make a relative SQLite path absolute against the project root; other URLs unchanged."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if Path(database).is_absolute():
        return url
    return parsed.set(database=str(root / database)).render_as_string(hide_password=False)
