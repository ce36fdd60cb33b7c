"""The `subscribers:` of the rule files -> typed, validated `Subscriber`s.

Each error is one line at the file:line:col of the offending key, like every other config
error. Addresses are checked by email-validator (syntax only, no DNS), with an optional
display name (`Desk <desk@example.org>`); nothing that could end up in a mail header may
hold a line break or another control character.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
)

from watcher.config import CONTROL, known_zone
from watcher.errors import ConfigError, ConfigErrors, Location, RuleError
from watcher.schedule import Schedule, parse_schedule
from watcher.yamlsource import position, quoted, relabel, validation_errors

DEFAULT_SCHEDULE = "daily 07:00"
DEFAULT_MAX_ITEMS = 200
# `address` or `Display Name <address>`: one address, nothing else around it.
_MAILBOX = re.compile(r"(?P<name>[^<>]*)<(?P<address>[^<>\s]+)>|(?P<bare>[^<>\s]+)")


@dataclass(frozen=True, slots=True)
class Mailbox:
    """An address as mail headers need it: the plain address, and an optional display name."""

    address: str  # normalized: the domain in lower case
    name: str = ""

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>" if self.name else self.address


def parse_mailbox(value: object) -> Mailbox:
    """`desk@example.org` or `Desk <desk@example.org>`; ValueError says what is wrong."""
    if not isinstance(value, str):
        raise ValueError(f'expected an address like "desk@example.org", got "{value}"')
    if CONTROL.search(value):
        raise ValueError("an address may not hold line breaks or control characters")
    match = _MAILBOX.fullmatch(value.strip())
    if match is None:
        raise ValueError(
            f'"{value}" is not an address like "desk@example.org" or "Desk <desk@example.org>"'
        )
    name = (match.group("name") or "").strip().removeprefix('"').removesuffix('"')
    address = match.group("address") or match.group("bare")
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f'"{value}": {exc}') from exc
    return Mailbox(checked.normalized, name.strip())


def _schedule(value: object) -> Schedule:
    if isinstance(value, Schedule):
        return value
    return parse_schedule(str(value))


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
    schedule: Annotated[Schedule, BeforeValidator(_schedule)] = parse_schedule(DEFAULT_SCHEDULE)
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
    subscribers: list[Subscriber] = []
    errors: list[ConfigError] = []
    first: dict[str, Location] = {}
    for entry in entries:
        try:
            subscriber = _subscriber(entry, rule_tags, default_timezone)
        except ConfigErrors as many:
            errors.extend(many.errors)
            continue
        except ConfigError as error:
            errors.append(error)
            continue
        if subscriber.key in first:
            errors.append(
                RuleError(
                    f"{entry.label()}: email: already subscribed at {first[subscriber.key]} "
                    "— give each address one entry with all its rules and tags",
                    entry.at("email"),
                )
            )
            continue
        first[subscriber.key] = subscriber.location
        subscribers.append(subscriber)
    return subscribers, errors


def _subscriber(
    entry: SubscriberEntry, rule_tags: Mapping[str, Collection[str]], default_timezone: str
) -> Subscriber:
    raw = entry.items[entry.index]
    if not isinstance(raw, Mapping):
        raise RuleError(f"{entry.label()}: expected a mapping with email and rules", entry.at())
    try:
        model = SubscriberModel.model_validate(dict(raw))
    except ValidationError as exc:
        found = validation_errors(exc, entry.items, entry.shown, prefix=[entry.index])
        raise ConfigErrors([relabel(error, entry.label()) for error in found]) from exc
    problems = _unknown(entry, "rules", model.rules, set(rule_tags))
    known_tags = {tag for tags in rule_tags.values() for tag in tags}
    problems += _unknown(entry, "tags", model.tags, known_tags)
    if not model.rules and not model.tags:
        problems.append(
            RuleError(f"{entry.label()}: give rules or tags (or both) to follow", entry.at())
        )
    if problems:
        raise ConfigErrors(problems)
    tagged = {name for name, tags in rule_tags.items() if set(tags) & set(model.tags)}
    return Subscriber(
        mailbox=model.email,
        rules=model.rules,
        tags=model.tags,
        follows=frozenset(model.rules) | tagged,
        schedule=model.schedule,
        timezone=model.timezone or default_timezone,
        send_empty=model.send_empty,
        include_backfill=model.include_backfill,
        max_items=model.max_items,
        location=entry.at("email"),
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
