"""The `channels:` of the rule files -> typed, validated `Channel`s (push alerts through
Apprise), with the same file:line:col errors as rules and subscribers.

A channel's URL may name `${VAR}` parts, expanded from the environment passed in (never
read here): secrets stay out of the files, and a missing variable is an error naming it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from watcher.config import known_zone, single_line
from watcher.errors import ConfigError, ConfigErrors, Location, RuleError
from watcher.notify.plan import Policy, QuietHours, parse_quiet
from watcher.notify.urls import ChannelUrl, channel_url
from watcher.schedule import Schedule, parse_schedule
from watcher.subscribers import Names
from watcher.yamlsource import build_unique, position, quoted, validate_item

IMMEDIATE: Final = "immediate"
NAME = re.compile(r"[a-z0-9-]{1,100}")
APPRISE = "apprise"  # the outbox's channel for every Apprise channel (its name: the address)


def delivery(value: object) -> object:
    """`immediate`, or a schedule as subscribers write it."""
    if isinstance(value, Schedule) or value == IMMEDIATE:
        return value
    try:
        return parse_schedule(str(value))
    except ValueError as exc:
        raise ValueError(f"{exc} — or write immediate") from exc


Delivery = Annotated[Schedule | Literal["immediate"], BeforeValidator(delivery)]


def _quiet(value: object) -> QuietHours:
    return value if isinstance(value, QuietHours) else parse_quiet(str(value))


def _name(value: str) -> str:
    """A channel's name: shown in logs and commands, and its key in the outbox."""
    if NAME.fullmatch(value) is None:
        raise ValueError(
            f'"{value}" is not allowed — use lower-case letters, digits and "-" (at most 100)'
        )
    return value


class ChannelModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    name: Annotated[str, AfterValidator(_name)]
    url: Annotated[str, AfterValidator(single_line)]
    rules: Names = ()
    tags: Names = ()
    deliver: Delivery = IMMEDIATE
    quiet: Annotated[QuietHours, BeforeValidator(_quiet)] | None = None
    max_per_hour: int | None = Field(default=None, ge=1, le=3600)
    timezone: Annotated[str, AfterValidator(known_zone)] | None = None
    include_backfill: bool = False


@dataclass(frozen=True, slots=True)
class Channel:
    """A push channel: where (an Apprise URL), what (`follows`: rule names), and when."""

    name: str
    url: ChannelUrl
    rules: tuple[str, ...]
    tags: tuple[str, ...]
    follows: frozenset[str]
    schedule: Schedule | None  # None: immediate
    quiet: QuietHours | None
    max_per_hour: int | None
    timezone: str
    include_backfill: bool
    location: Location = field(compare=False)

    @property
    def key(self) -> str:
        """The outbox's address of this channel: its name (a new name starts afresh)."""
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def immediate(self) -> bool:
        return self.schedule is None

    @property
    def policy(self) -> Policy:
        return Policy(self.zone, self.schedule, self.quiet, self.max_per_hour)

    def describe(self) -> str:
        """`immediate, quiet 22:00-07:00, at most 20 alerts an hour, in Europe/Rome`."""
        parts = [IMMEDIATE if self.schedule is None else self.schedule.text]
        if self.quiet is not None:
            parts.append(f"quiet {self.quiet}")
        if self.max_per_hour is not None:
            parts.append(f"at most {self.max_per_hour} alerts an hour")
        return ", ".join(parts) + f", in {self.timezone}"


@dataclass(frozen=True, slots=True)
class ChannelEntry:
    """One raw item of a file's `channels:` list, with what is needed to place errors."""

    items: Any  # the file's `channels:` sequence (a ruamel CommentedSeq)
    index: int
    shown: str

    def at(self, *keys: int | str) -> Location:
        pos = position(self.items, [self.index, *keys])
        return Location(self.shown, *pos) if pos else Location(self.shown)

    def label(self) -> str:
        node = self.items[self.index]
        name = node.get("name") if isinstance(node, Mapping) else None
        return f"channel {quoted(name)}" if isinstance(name, str) else f"channel #{self.index + 1}"


def load_channels(
    entries: Sequence[ChannelEntry],
    rule_tags: Mapping[str, Collection[str]],
    default_timezone: str,
    environ: Mapping[str, str],
) -> tuple[list[Channel], list[ConfigError]]:
    """Validate every entry against the rules (name -> tags) of all rule files."""
    return build_unique(
        entries,
        lambda entry: _channel(entry, rule_tags, default_timezone, environ),
        key=lambda channel: channel.name,
        field="name",
        clash="already used",
        advice="channel names must be unique across all rule files",
    )


def _channel(
    entry: ChannelEntry,
    rule_tags: Mapping[str, Collection[str]],
    default_timezone: str,
    environ: Mapping[str, str],
) -> Channel:
    model = validate_item(
        ChannelModel,
        entry.items,
        entry.index,
        entry.shown,
        label=entry.label(),
        expected="name, url and rules",
    )
    problems = _unknown(entry, "rules", model.rules, set(rule_tags))
    known_tags = {tag for tags in rule_tags.values() for tag in tags}
    problems += _unknown(entry, "tags", model.tags, known_tags)
    if not model.rules and not model.tags:
        problems.append(
            RuleError(f"{entry.label()}: give rules or tags (or both) to follow", entry.at())
        )
    schedule = model.deliver if isinstance(model.deliver, Schedule) else None
    if schedule is not None and model.max_per_hour is not None:
        problems.append(
            RuleError(
                f"{entry.label()}: max_per_hour: only for deliver: immediate — a schedule "
                "sends one summary each time already",
                entry.at("max_per_hour"),
            )
        )
    try:
        url = channel_url(model.url, environ)
    except ValueError as exc:
        problems.append(RuleError(f"{entry.label()}: url: {exc}", entry.at("url")))
    if problems:
        raise ConfigErrors(problems)
    tagged = {name for name, tags in rule_tags.items() if set(tags) & set(model.tags)}
    return Channel(
        name=model.name,
        url=url,
        rules=model.rules,
        tags=model.tags,
        follows=frozenset(model.rules) | tagged,
        schedule=schedule,
        quiet=model.quiet,
        max_per_hour=model.max_per_hour,
        timezone=model.timezone or default_timezone,
        include_backfill=model.include_backfill,
        location=entry.at("name"),
    )


def _unknown(
    entry: ChannelEntry, key: str, given: Sequence[str], known: Collection[str]
) -> list[ConfigError]:
    listed = ", ".join(sorted(known)) or "none"
    return [
        RuleError(
            f'{entry.label()}: {key}[{index}]: no {key[:-1]} named "{name}" (known: {listed})',
            entry.at(key, index),
        )
        for index, name in enumerate(given)
        if name not in known
    ]
