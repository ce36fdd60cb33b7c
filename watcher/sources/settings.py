"""The config of intake beyond the folder: feed sources, how they are fetched, the API's limits.

`sources:` lists feeds in watcher.yaml; `config/sources.d/*.yaml` hold more (what
`watcher sources import` writes). Every error names its file, line and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from watcher.errors import ConfigError, ConfigErrors, Location
from watcher.sections import Duration, Section, Size
from watcher.yamlsource import load_yaml, position, quoted, validate_item

NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
NAME_MAX = 100
MIN_INTERVAL = timedelta(minutes=1)
DEFAULT_INTERVAL = timedelta(minutes=15)
SOURCES_DIR = "sources.d"


def http_url(value: str) -> str:
    """An absolute http(s) URL with a host; ValueError saying what was expected."""
    text = value.strip()
    scheme, _, rest = text.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        raise ValueError(
            f'expected an http(s) URL like "https://example.org/feed.xml", got {quoted(value)}'
        )
    if not text.isprintable() or " " in text:
        raise ValueError(f"the URL holds spaces or control characters: {quoted(value)}")
    return text


class SourceConfig(Section):
    """One feed: RSS, Atom or JSON Feed, polled every `interval`."""

    name: str
    url: str
    interval: Duration = DEFAULT_INTERVAL
    tags: tuple[str, ...] = ()
    full_text: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME.fullmatch(value) or len(value) > NAME_MAX:
            raise ValueError(
                f"expected a name of lower-case letters, digits and dashes, like "
                f'"bbc-africa", got {quoted(value)}'
            )
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value)

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: timedelta) -> timedelta:
        if value < MIN_INTERVAL:
            raise ValueError('expected at least "1m": feeds are not to be polled more often')
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for tag in value:
            if not NAME.fullmatch(tag):
                raise ValueError(
                    f"expected tags of lower-case letters, digits and dashes, got {quoted(tag)}"
                )
        return value


class FetchConfig(Section):
    """How every source is fetched (feeds and, with `full_text`, their entries' pages)."""

    timeout: Duration = timedelta(seconds=30)
    max_size: Size = 10_000_000
    max_redirects: int = Field(default=5, ge=0, le=20)

    @field_validator("timeout")
    @classmethod
    def _some_time(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError('expected a time above zero, like "30s"')
        return value

    @field_validator("max_size")
    @classmethod
    def _some_size(cls, value: int) -> int:
        if value <= 0:
            raise ValueError('expected a size above zero, like "10MB"')
        return value


class ApiConfig(Section):
    """POST /api/articles: on when $WATCHER_API_TOKENS holds tokens; these are its limits."""

    max_body_size: Size = 5_000_000
    max_articles: int = Field(default=1000, ge=1, le=100_000)

    @field_validator("max_body_size")
    @classmethod
    def _some_size(cls, value: int) -> int:
        if value <= 0:
            raise ValueError('expected a size above zero, like "5MB"')
        return value


def source_files(config_dir: Path) -> list[Path]:
    """config/sources.d/*.yaml in name order."""
    return sorted(path for path in (config_dir / SOURCES_DIR).glob("*.yaml") if path.is_file())


def load_source_files(
    files: Sequence[Path], shown: Mapping[Path, str] | None = None
) -> list[tuple[SourceConfig, Location]]:
    """The sources of each `sources.d` file (a mapping with a `sources:` list), each with where
    it is written; ConfigErrors listing every problem."""
    found: list[tuple[SourceConfig, Location]] = []
    errors: list[ConfigError] = []
    for path in files:
        label = (shown or {}).get(path, str(path))
        try:
            found.extend(_sources_of_file(path, label))
        except ConfigError as exc:
            errors.extend(exc.each())
    if errors:
        raise ConfigErrors(errors)
    return found


def _sources_of_file(path: Path, shown: str) -> list[tuple[SourceConfig, Location]]:
    document = load_yaml(path, shown_as=shown) or {}
    if not isinstance(document, Mapping) or set(document) - {"sources"}:
        raise ConfigError(
            "expected a mapping with one key, `sources:`, holding a list of sources",
            Location(shown, 1, 1),
        )
    items = document.get("sources") or []
    if not isinstance(items, list):
        pos = position(document, ["sources"])
        raise ConfigError("sources: expected a list of sources", Location(shown, *(pos or ())))
    found, errors = [], []
    for index, raw in enumerate(items):
        label = f"source {quoted(str(raw.get('name')))}" if isinstance(raw, Mapping) else "source"
        try:
            source = validate_item(
                SourceConfig, items, index, shown, label=label, expected="a name and a url"
            )
        except ConfigError as exc:
            errors.extend(exc.each())
            continue
        found.append((source, Location(shown, *(position(items, [index]) or ()))))
    if errors:
        raise ConfigErrors(errors)
    return found


def duplicates(sources: Sequence[tuple[SourceConfig, Location]]) -> list[ConfigError]:
    """A second source of a name already used, as an error where the second is written."""
    first: dict[str, Location] = {}
    errors = []
    for source, location in sources:
        if source.name in first:
            errors.append(
                ConfigError(
                    f'source "{source.name}": the name is already used at {first[source.name]}'
                    " — names must be unique",
                    location,
                )
            )
        else:
            first[source.name] = location
    return errors


def item_locations(document: Any, shown: str | Path, count: int) -> list[Location]:
    """Where each item of watcher.yaml's `sources:` list is written."""
    return [
        Location(shown, *(position(document, ["sources", index]) or ())) for index in range(count)
    ]
