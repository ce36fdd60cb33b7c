"""watcher.yaml -> a frozen, validated Config; every error names file, line and column."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from watcher.addresses import Mailbox, parse_mailbox
from watcher.errors import ConfigError, ConfigErrors, ConfigNotFound, Location
from watcher.sections import Duration, Section, Size
from watcher.sources.settings import (
    ApiConfig,
    FetchConfig,
    SourceConfig,
    duplicates,
    item_locations,
    load_source_files,
    source_files,
)
from watcher.units import parse_duration
from watcher.yamlsource import load_yaml, validation_errors

DEFAULT_CONFIG = Path("config/watcher.yaml")
_PSYCOPG = "postgresql+psycopg://user@host/db"
_URL_FORMS = f"sqlite:///var/watcher.db or {_PSYCOPG}"


def single_line(value: str) -> str:
    """Text that may reach a mail header or a terminal: one line, no control characters."""
    if not value.isprintable():
        raise ValueError("must be one line of text, without line breaks or control characters")
    return value


def known_zone(value: str) -> str:
    """An IANA time zone name, checked; ValueError with advice otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f'unknown time zone "{value}" — use an IANA name like "Europe/Rome"'
        ) from exc
    return value


def retention_period(value: object) -> timedelta | None:
    """A period above zero (`90d`, `12w`, `1y`), or None: keep everything."""
    if value is None:
        return None
    problem = f'expected a period above zero like "90d" (or null: keep everything), got "{value}"'
    if str(value).strip().startswith("-"):
        raise ValueError(problem)
    try:
        period = parse_duration(value)
    except ValueError:
        raise ValueError(problem) from None
    if period <= timedelta(0):
        raise ValueError(problem)
    return period


class ScanConfig(Section):
    interval: Duration = timedelta(seconds=60)
    settle: Duration = timedelta(seconds=2)
    max_file_size: Size = 10_000_000


class FeedsConfig(Section):
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


class WebConfig(Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)


def sender_mailbox(value: object) -> Mailbox:
    return parse_mailbox(value, deliverable=False)


class SmtpConfig(Section):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    timeout: Duration = timedelta(seconds=30)

    @field_validator("timeout")
    @classmethod
    def _some_time(cls, value: timedelta) -> timedelta:
        # 0 would make smtplib's socket non-blocking: every command would fail at once
        if value <= timedelta(0):
            raise ValueError('expected a time above zero, like "30s"')
        return value


class MailConfig(Section):
    from_address: Annotated[Mailbox, BeforeValidator(sender_mailbox)] = Mailbox("watcher@localhost")
    maildir: Path = Path("var/mail")
    smtp: SmtpConfig | None = None


class Config(Section):
    """The validated watcher.yaml; paths are absolute, resolved against the project root."""

    seeds_dir: Path = Path("seeds")
    database_url: str = "sqlite:///var/watcher.db"
    timezone: str = "UTC"
    default_source: str = "Unknown"
    scan: ScanConfig = ScanConfig()
    feeds: FeedsConfig = FeedsConfig()
    web: WebConfig = WebConfig()
    mail: MailConfig = MailConfig()
    retention: Annotated[timedelta | None, BeforeValidator(retention_period)] = None
    sources: tuple[SourceConfig, ...] = ()
    fetch: FetchConfig = FetchConfig()
    api: ApiConfig = ApiConfig()
    config_path: Path = Field(default=DEFAULT_CONFIG, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @field_validator("database_url")
    @classmethod
    def _usable_url(cls, value: str) -> str:
        return usable_database_url(value)

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
    raise ConfigNotFound(
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
    config = _with_source_files(config, document, path)
    return _resolve(config, path, environ)


def _with_source_files(config: Config, document: Any, path: Path) -> Config:
    """watcher.yaml's sources, then those of config/sources.d/*.yaml; a name used twice is
    an error where it is used the second time."""
    files = source_files(path.parent)
    locations = item_locations(document, path, len(config.sources))
    written = list(zip(config.sources, locations, strict=True))
    every = written + load_source_files(files, {f: shown_path(f) for f in files})
    errors = duplicates(every)
    if errors:
        raise ConfigErrors(errors)
    return config.model_copy(update={"sources": tuple(source for source, _ in every)})


def _resolve(config: Config, path: Path, environ: Mapping[str, str]) -> Config:
    root = path.resolve().parent.parent
    url = config.database_url
    if environ.get("WATCHER_DATABASE_URL"):
        try:
            url = usable_database_url(environ["WATCHER_DATABASE_URL"])
        except ValueError as exc:
            raise ConfigError(f"WATCHER_DATABASE_URL: {exc}") from exc
    changes: dict[str, Any] = {
        "config_path": path.resolve(),
        "seeds_dir": root / config.seeds_dir,
        "database_url": resolve_sqlite_url(url, root),
        "feeds": config.feeds.model_copy(update={"dir": root / config.feeds.dir}),
        "mail": config.mail.model_copy(update={"maildir": root / config.mail.maildir}),
    }
    return config.model_copy(update=changes)


def usable_database_url(value: str) -> str:
    """`value` as watcher opens it: `postgres://` and `postgresql://` (the forms hosts give)
    mean psycopg 3, the driver installed with watcher. ValueError, with advice and without
    the password, for a database other than SQLite or PostgreSQL, or a driver that cannot work.
    """
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise ValueError(
            f'expected a database URL like "sqlite:///var/watcher.db", got "{value}"'
        ) from exc
    scheme = url.drivername
    written = f'"{scheme}://"'
    backend, _, driver = scheme.partition("+")
    if backend not in ("sqlite", "postgres", "postgresql"):
        raise ValueError(f"{written} is not a database watcher supports — write {_URL_FORMS}")
    if backend == "sqlite":
        _check_sqlite_timeout(url.query.get("timeout"))
    else:
        url = url.set(drivername=f"postgresql+{driver or 'psycopg'}")
    try:
        dialect = url.get_dialect()
    except NoSuchModuleError as exc:
        raise ValueError(f"{written} names no driver SQLAlchemy knows — write {_PSYCOPG}") from exc
    if dialect.is_async:
        raise ValueError(
            f"{written} is an asyncio driver, which watcher does not use — write {_PSYCOPG}"
        )
    try:
        dialect.import_dbapi()
    except ImportError as exc:
        raise ValueError(
            f"{written} needs the Python module {exc.name}, which is not installed — "
            f"write {_PSYCOPG} (psycopg comes with watcher)"
        ) from exc
    if url.drivername == scheme:
        return value
    return url.render_as_string(hide_password=False)


def _check_sqlite_timeout(value: str | tuple[str, ...] | None) -> None:
    """`?timeout=SECONDS` in a SQLite URL: how long a write waits for another program's lock."""
    if value is None:
        return
    written = value if isinstance(value, str) else value[-1]
    try:
        seconds = float(written)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise ValueError(
            f"timeout={written} is not a number of seconds — give how long watcher waits for "
            'another program\'s lock on the database, e.g. "sqlite:///var/watcher.db?timeout=60"'
        )


def resolve_sqlite_url(url: str, root: Path) -> str:
    """Make a relative SQLite path absolute against the project root; other URLs unchanged."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return url
    if Path(database).is_absolute():
        return url
    return parsed.set(database=str(root / database)).render_as_string(hide_password=False)


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
