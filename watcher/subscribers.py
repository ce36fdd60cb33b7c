"""The `subscribers:` of the rule files -> typed, validated `Subscriber`s.

Each error is one line at the file:line:col of the offending key, like every other config
error; addresses are checked as `watcher.addresses` says.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from watcher.addresses import Mailbox, parse_mailbox
from watcher.config import known_zone
from watcher.errors import ConfigError, ConfigErrors, Location, RuleError
from watcher.schedule import Schedule, parse_schedule
from watcher.yamlsource import build_unique, position, quoted, validate_item

DEFAULT_SCHEDULE = "daily 07:00"
DEFAULT_MAX_ITEMS = 200
IMMEDIATE: Final = "immediate"


def _schedule(value: object) -> Schedule:
    if isinstance(value, Schedule):
        return value
    return parse_schedule(str(value))


def _deliver(value: object) -> object:
    """`immediate` (one short message per article), or a schedule as `schedule:` takes."""
    if value == IMMEDIATE:
        return value
    try:
        return _schedule(value)
    except ValueError as exc:
        raise ValueError(f"{exc} — or write immediate") from exc


def _names(value: object) -> object:
    if isinstance(value, str):
        raise ValueError(f"expected a list like [{value}]")
    return value


Names = Annotated[tuple[str, ...], BeforeValidator(_names)]


class SubscriberModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    email: Annotated[Mailbox, BeforeValidator(parse_mailbox)]
    rules: Names = ()
    tags: Names = ()
    schedule: Annotated[Schedule, BeforeValidator(_schedule)] | None = None  # DEFAULT_SCHEDULE
    deliver: Annotated[Schedule | Literal["immediate"], BeforeValidator(_deliver)] | None = None
    timezone: Annotated[str, AfterValidator(known_zone)] | None = None
    send_empty: bool = False
    include_backfill: bool = False
    max_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1, le=10_000)


@dataclass(frozen=True, slots=True)
class Subscriber:
    """A digest recipient; `follows` are the names of the rules its digests carry."""

    mailbox: Mailbox
    rules: tuple[str, ...]
    tags: tuple[str, ...]
    follows: frozenset[str]
    schedule: Schedule
    timezone: str
    send_empty: bool
    include_backfill: bool
    max_items: int
    location: Location
    immediate: bool = False  # `deliver: immediate`: one message per article, no schedule

    @property
    def address(self) -> str:
        return self.mailbox.address

    @property
    def key(self) -> str:
        """What identifies the subscriber: the address, case aside (as mail servers treat it)."""
        return self.mailbox.address.lower()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True, slots=True)
class SubscriberEntry:
    """One raw item of a file's `subscribers:` list, with what is needed to place errors."""

    items: Any  # the file's `subscribers:` sequence (a ruamel CommentedSeq)
    index: int
    shown: str

    def at(self, *keys: int | str) -> Location:
        pos = position(self.items, [self.index, *keys])
        return Location(self.shown, *pos) if pos else Location(self.shown)

    def label(self) -> str:
        node = self.items[self.index]
        email = node.get("email") if isinstance(node, Mapping) else None
        if isinstance(email, str):
            return f"subscriber {quoted(email)}"
        return f"subscriber #{self.index + 1}"


def load_subscribers(
    entries: Sequence[SubscriberEntry],
    rule_tags: Mapping[str, Collection[str]],
    default_timezone: str,
) -> tuple[list[Subscriber], list[ConfigError]]:
    """Validate every entry against the rules (name -> tags) of all rule files."""
    return build_unique(
        entries,
        lambda entry: _subscriber(entry, rule_tags, default_timezone),
        key=lambda subscriber: subscriber.key,
        field="email",
        clash="already subscribed",
        advice="give each address one entry with all its rules and tags",
    )


def _subscriber(
    entry: SubscriberEntry, rule_tags: Mapping[str, Collection[str]], default_timezone: str
) -> Subscriber:
    model = validate_item(
        SubscriberModel,
        entry.items,
        entry.index,
        entry.shown,
        label=entry.label(),
        expected="email and rules",
    )
    problems = _unknown(entry, "rules", model.rules, set(rule_tags))
    known_tags = {tag for tags in rule_tags.values() for tag in tags}
    problems += _unknown(entry, "tags", model.tags, known_tags)
    if not model.rules and not model.tags:
        problems.append(
            RuleError(f"{entry.label()}: give rules or tags (or both) to follow", entry.at())
        )
    if model.deliver is not None and model.schedule is not None:
        problems.append(
            RuleError(
                f"{entry.label()}: deliver: give deliver or schedule, not both",
                entry.at("deliver"),
            )
        )
    if problems:
        raise ConfigErrors(problems)
    tagged = {name for name, tags in rule_tags.items() if set(tags) & set(model.tags)}
    schedule = model.deliver if isinstance(model.deliver, Schedule) else model.schedule
    return Subscriber(
        mailbox=model.email,
        rules=model.rules,
        tags=model.tags,
        follows=frozenset(model.rules) | tagged,
        schedule=schedule or parse_schedule(DEFAULT_SCHEDULE),
        timezone=model.timezone or default_timezone,
        send_empty=model.send_empty,
        include_backfill=model.include_backfill,
        max_items=model.max_items,
        location=entry.at("email"),
        immediate=model.deliver == IMMEDIATE,
    )


def _unknown(
    entry: SubscriberEntry, key: str, given: Sequence[str], known: Collection[str]
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
