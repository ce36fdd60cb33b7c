"""Rule files -> an immutable, compiled RuleSet; every error at once, with file:line:col."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from ruamel.yaml.comments import CommentedMap

from watcher.channels import Channel, ChannelEntry, load_channels
from watcher.config import single_line
from watcher.errors import ConfigError, ConfigErrors, Location, RuleError, WatcherError
from watcher.model import Field as TextField
from watcher.query.check import location as query_location
from watcher.query.compile import CompiledQuery, compile_query, keywords_query
from watcher.query.parse import QueryWarning
from watcher.sections import Duration
from watcher.subscribers import Subscriber, SubscriberEntry, load_subscribers
from watcher.yamlsource import (
    parse_yaml,
    position,
    quoted,
    validate_item,
    validation_errors,
    written_here,
)

FieldName = Literal["title", "lead", "body"]  # `source` only through `source:` in a query
NAME_PATTERN = re.compile(r"[a-z0-9-]+")
NAME_MAX_LENGTH = 100
DEFAULT_FIELDS: tuple[FieldName, ...] = ("title", "lead", "body")


def check_name(value: str) -> str:
    """A rule or tag name: it names feed files and URLs, so lower-case letters, digits, '-'."""
    if NAME_PATTERN.fullmatch(value) and len(value) <= NAME_MAX_LENGTH:
        return value
    suggestion = "-".join(re.findall(r"[a-z0-9]+", value.lower()))[:NAME_MAX_LENGTH] or "news"
    return _refuse(
        f'{quoted(value)} is not allowed — use lower-case letters, digits and "-" '
        f"(at most {NAME_MAX_LENGTH}), e.g. {suggestion}"
    )


def _refuse(message: str) -> str:
    raise ValueError(message)


def as_list(value: object) -> object:
    """A list where the YAML gave a single value: refused, showing the list to write."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        raise ValueError(f"expected a list like [{value}]")
    return value


Name = Annotated[str, AfterValidator(check_name)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Fields = Annotated[tuple[FieldName, ...], BeforeValidator(as_list)]


class Defaults(_Model):
    fields: Fields = Field(default=DEFAULT_FIELDS, min_length=1)


class RuleModel(_Model):
    name: Name
    title: Annotated[str, AfterValidator(single_line)] | None = None
    query: str | None = None
    keywords: Annotated[tuple[str, ...], BeforeValidator(as_list)] | None = None
    tags: Annotated[tuple[Name, ...], BeforeValidator(as_list)] = ()
    fields: Fields | None = None
    case_sensitive: bool = False
    enabled: bool = True
    backfill: Duration | None = None

    @model_validator(mode="after")
    def _query_or_keywords(self) -> RuleModel:
        if (self.query is None) == (self.keywords is None):
            raise ValueError("give exactly one of query or keywords")
        if self.keywords is not None and not self.keywords:
            raise ValueError("keywords: the list is empty — add at least one keyword")
        if self.fields is not None and not self.fields:
            raise ValueError("fields: the list is empty — name title, lead or body")
        return self


class RulesDocument(_Model):
    defaults: Defaults = Defaults()
    rules: list[Any] = []
    subscribers: list[Any] = []
    channels: list[Any] = []


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    title: str
    query: str
    compiled: CompiledQuery
    tags: tuple[str, ...]
    fields: tuple[TextField, ...]
    case_sensitive: bool
    enabled: bool
    backfill: timedelta | None
    location: Location


@dataclass(frozen=True, slots=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()
    warnings: tuple[str, ...] = ()
    subscribers: tuple[Subscriber, ...] = field(default=())
    channels: tuple[Channel, ...] = field(default=())
    default_fields: tuple[TextField, ...] = DEFAULT_FIELDS  # of the first rule file

    def enabled(self) -> dict[str, CompiledQuery]:
        return {rule.name: rule.compiled for rule in self.rules if rule.enabled}

    def get(self, name: str) -> Rule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        known = ", ".join(rule.name for rule in self.rules) or "none"
        raise ConfigError(f'no rule named "{name}" (rules: {known})')


def load_rules(
    paths: Sequence[Path],
    *,
    shown: Mapping[Path, str] | None = None,
    timezone: str = "UTC",
    environ: Mapping[str, str] | None = None,
) -> RuleSet:
    """Read every rule file; raise ConfigErrors listing every problem in every file, sorted
    by file and line. `timezone` is the subscribers' and channels' default (the config's);
    `environ` fills the `${VAR}` parts of channel URLs (none given: no variable is set)."""
    errors: list[ConfigError] = []
    warnings: list[str] = []
    loaded: list[_LoadedFile] = []
    for path in paths:
        name = (shown or {}).get(path, str(path))
        try:
            loaded.append(_load_file(path, name, errors, warnings))
        except ConfigError as error:
            errors.append(error)
    names = [named for file in loaded for named in file.names]
    errors.extend(_duplicate_names(names))
    rules = [rule for file in loaded for rule in file.rules]
    rule_tags = {name: () for name, _ in names} | {rule.name: rule.tags for rule in rules}
    entries = [entry for file in loaded for entry in file.subscribers]
    subscribers, subscriber_errors = load_subscribers(entries, rule_tags, timezone)
    errors.extend(subscriber_errors)
    channel_entries = [entry for file in loaded for entry in file.channels]
    channels, channel_errors = load_channels(
        channel_entries, rule_tags, timezone, {} if environ is None else environ
    )
    errors.extend(channel_errors)
    if errors:
        order = {(shown or {}).get(path, str(path)): i for i, path in enumerate(paths)}
        raise ConfigErrors(sorted(errors, key=lambda error: _error_order(error, order)))
    return RuleSet(
        rules=tuple(rules),
        warnings=tuple(warnings),
        subscribers=tuple(subscribers),
        channels=tuple(channels),
        default_fields=loaded[0].default_fields if loaded else DEFAULT_FIELDS,
    )


def _error_order(error: ConfigError, files: Mapping[str, int]) -> tuple[int, int, int]:
    location = error.location
    if location is None:
        return (-1, 0, 0)
    return (files.get(str(location.path), len(files)), location.line or 0, location.col or 0)


@dataclass(frozen=True, slots=True)
class _LoadedFile:
    rules: list[Rule]
    subscribers: list[SubscriberEntry]
    channels: list[ChannelEntry]
    default_fields: tuple[TextField, ...]
    names: list[tuple[str, Location]]  # every rule's name, valid or not, for duplicates


def _load_file(
    path: Path, shown: str, errors: list[ConfigError], warnings: list[str]
) -> _LoadedFile:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the rule file: {exc}", Location(shown)) from exc
    document = parse_yaml(text, shown=shown) or {}
    if not isinstance(document, Mapping):
        raise ConfigError(
            "expected a mapping with `rules:` at the top level", Location(shown, 1, 1)
        )
    try:
        parsed = RulesDocument.model_validate(dict(document))
    except ValidationError as exc:
        errors.extend(validation_errors(exc, document, shown))
        return _LoadedFile([], [], [], DEFAULT_FIELDS, [])
    lines = text.splitlines()
    entries = [
        SubscriberEntry(document["subscribers"], index, shown)
        for index in range(len(parsed.subscribers))
    ]
    channels = [
        ChannelEntry(document["channels"], index, shown) for index in range(len(parsed.channels))
    ]
    loaded = _LoadedFile([], entries, channels, parsed.defaults.fields, [])
    for index, raw in enumerate(parsed.rules):
        source = _RuleSource(document["rules"], index, shown, lines)
        if isinstance(raw, Mapping) and isinstance(raw.get("name"), str):
            loaded.names.append((raw["name"], source.at("name")))
        try:
            rule, warning = _compile_rule(parsed.defaults, source)
        except ConfigError as exc:
            errors.extend(exc.each())
            continue
        loaded.rules.append(rule)
        warnings.extend(warning)
    return loaded


@dataclass(frozen=True, slots=True)
class _RuleSource:
    """Where one rule sits in its file, to place its errors."""

    items: Any
    index: int
    shown: str
    lines: list[str]

    @property
    def node(self) -> Any:
        return self.items[self.index]

    def label(self) -> str:
        node = self.node
        name = node.get("name") if isinstance(node, Mapping) else None
        return f"rule {quoted(name)}" if isinstance(name, str) else f"rule #{self.index + 1}"

    def at(self, *keys: str | int) -> Location:
        pos = position(self.items, [self.index, *keys])
        return Location(self.shown, *pos) if pos else Location(self.shown)

    def in_query(self, line: int | None = None, col: int | None = None) -> Location:
        """Map a position inside the query text onto the file; no position: the value's start."""
        node = self.node
        if not isinstance(node, CommentedMap) or "query" not in node:
            return self.at("keywords")
        if not written_here(node, "query"):  # merged in from elsewhere: at the rule
            return self.at()
        value_line, value_col = node.lc.value("query")
        if line is None:
            return Location(self.shown, value_line + 1, value_col + 1)
        if line != 1 or col is None:
            return Location(self.shown, value_line + line, None)
        raw = self.lines[value_line] if value_line < len(self.lines) else ""
        in_quotes = value_col < len(raw) and raw[value_col] in "'\""
        return Location(self.shown, value_line + 1, value_col + col + int(in_quotes))


def _compile_rule(defaults: Defaults, source: _RuleSource) -> tuple[Rule, list[str]]:
    model = validate_item(
        RuleModel,
        source.items,
        source.index,
        source.shown,
        label=source.label(),
        expected="name and query",
    )
    fields = model.fields or defaults.fields
    query = model.query if model.query is not None else keywords_query(model.keywords or ())
    try:
        compiled = compile_query(query, fields=fields, case_sensitive=model.case_sensitive)
    except WatcherError as exc:
        if model.keywords is not None:
            raise _keyword_error(exc, model.keywords, fields, model.case_sensitive, source) from exc
        location = exc.location
        where = source.in_query(location.line, location.col) if location else source.at("query")
        raise RuleError(f"{source.label()}: query: {exc.message}", where) from exc
    rule = Rule(
        name=model.name,
        title=model.title or model.name,
        query=query,
        compiled=compiled,
        tags=model.tags,
        fields=fields,
        case_sensitive=model.case_sensitive,
        enabled=model.enabled,
        backfill=model.backfill,
        location=source.at("name"),
    )
    return rule, [_warning(warning, query, source) for warning in compiled.warnings]


def _keyword_error(
    error: WatcherError,
    keywords: tuple[str, ...],
    fields: tuple[TextField, ...],
    case_sensitive: bool,
    source: _RuleSource,
) -> RuleError:
    """The error of the first keyword that cannot be a phrase, at that keyword."""
    for index, keyword in enumerate(keywords):
        try:
            compile_query(keywords_query([keyword]), fields=fields, case_sensitive=case_sensitive)
        except WatcherError as exc:
            return RuleError(
                f"{source.label()}: keywords[{index}] {quoted(keyword)}: {exc.message}",
                source.at("keywords", index),
            )
    return RuleError(f"{source.label()}: keywords: {error.message}", source.at("keywords"))


def _warning(warning: QueryWarning, query: str, source: _RuleSource) -> str:
    """`file:line:col: rule "x": query: message`, at the warning's place in the query."""
    if warning.offset is None:
        where = source.in_query()
    else:
        inside = query_location(query, warning.offset)
        where = source.in_query(inside.line, inside.col)
    return f"{where}: {source.label()}: query: {warning.message}"


def _duplicate_names(names: Sequence[tuple[str, Location]]) -> list[ConfigError]:
    first: dict[str, Location] = {}
    errors: list[ConfigError] = []
    for name, location in names:
        if name in first:
            errors.append(
                RuleError(
                    f"rule {quoted(name)}: name: already used at {first[name]} "
                    "— rule names must be unique across all rule files",
                    location,
                )
            )
        else:
            first[name] = location
    return errors
