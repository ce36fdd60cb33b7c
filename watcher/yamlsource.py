"""YAML 1.2 documents read with their line numbers, and validation errors mapped onto them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from itertools import accumulate
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scanner import Scanner

from watcher.errors import ConfigError, ConfigErrors, Location, RuleError


class ValuesAtTheirPlace:
    """Constructor mixin: a value YAML's grammar allows but Python cannot build (the date
    2020-02-30, an integer of more than 4300 digits, `!!bool maybe`) is a ConstructorError
    at the value, like any other YAML error, not a bare ValueError from deep inside."""

    def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
        try:
            return super().construct_non_recursive_object(node, tag)  # type: ignore[misc]
        except (ValueError, KeyError, OverflowError) as exc:
            what = str(node.tag).rsplit(":", 1)[-1]
            reason = str(exc).split(";")[0]  # not Python's advice on sys.set_int_max_str_digits
            raise ConstructorError(
                problem=f"cannot read this {what} value ({reason})", problem_mark=node.start_mark
            ) from exc


_SURROGATE = re.compile("[\ud800-\udfff]")


class _RoundTripConstructor(ValuesAtTheirPlace, RoundTripConstructor):
    """Also refuses a lone surrogate (only a "\\ud800" escape can write one): it is no
    text, and the validation of any setting holding one fails with an encoding error."""

    def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
        value = super().construct_non_recursive_object(node, tag)
        if isinstance(value, str) and (found := _SURROGATE.search(value)) is not None:
            raise ConstructorError(
                problem=f"\\u{ord(found.group()):04x} is half a character (a lone surrogate)"
                " — write the whole character",
                problem_mark=node.start_mark,
            )
        return value


# [ and { nested deeper than this are refused before parsing: the YAML scanner's time grows
# with the square of the depth (seconds for one line of a thousand "["), and no config or
# front matter nests more than a few levels.
MAX_FLOW_DEPTH = 100
_FLOW_STEP = MappingProxyType({"[": 1, "{": 1, "]": -1, "}": -1})
_NOT_FLOW = re.compile(r"[^\[\]{}]+")
_FLOW = re.compile(r"[\[\]{}]")


def too_deep_at(text: str) -> int | None:
    """The offset of the first [ or { nested past MAX_FLOW_DEPTH (brackets in quoted text
    count too: a bound, not a parse), or None."""
    brackets = _NOT_FLOW.sub("", text)
    if not brackets or max(accumulate(map(_FLOW_STEP.__getitem__, brackets))) <= MAX_FLOW_DEPTH:
        return None
    depth = 0
    for match in _FLOW.finditer(text):
        depth += _FLOW_STEP[match.group()]
        if depth > MAX_FLOW_DEPTH:
            break
    return match.start()


def load_yaml(path: Path, *, shown_as: str | Path | None = None) -> Any:
    """Parse a YAML 1.2 file keeping positions; a syntax error is a one-line ConfigError."""
    shown = shown_as if shown_as is not None else path
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", Location(shown)) from exc
    return parse_yaml(text, shown=shown)


def parse_yaml(text: str, *, shown: str | Path) -> Any:
    """One YAML 1.2 document with positions; syntax errors, characters YAML refuses (NUL) and
    alias bombs are one-line ConfigErrors."""
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    yaml.Constructor = _RoundTripConstructor
    # The round-trip scanner also gathers comments, to write them back: nothing here writes,
    # and gathering was a fifth of parsing a file of 1,000 rules. Positions come the same.
    yaml.Scanner = Scanner
    deep = too_deep_at(text)
    if deep is not None:
        line = text.count("\n", 0, deep) + 1
        col = deep - (text.rfind("\n", 0, deep) + 1) + 1
        raise ConfigError(
            f"[ or {{ nested more than {MAX_FLOW_DEPTH} deep — this is not a watcher config",
            Location(shown, line, col),
        )
    try:
        document = yaml.load(text)
        check_expansion(document, shown=shown)
    except RecursionError as exc:
        raise ConfigError(
            "values nested thousands deep — this is not a watcher config", Location(shown)
        ) from exc
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = one_line(exc.problem or exc.context or "invalid YAML")
        location = Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown)
        raise ConfigError(f"YAML syntax: {problem} — fix the YAML syntax", location) from exc
    except ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character))
        raise ConfigError(
            f"character U+{code:04X} is not allowed in YAML — remove it",
            Location(shown, line, col),
        ) from exc
    return document


# How many more values a document may stand for once its aliases (`*name`) are followed
# than it holds: an alias shares a value, a "billion laughs" file multiplies them.
EXPANSION_ALLOWANCE = 100_000


def check_expansion(document: Any, *, shown: str | Path) -> None:
    """Refuse a document whose aliases would expand it by more than EXPANSION_ALLOWANCE
    values: walking it (validating it) would take hours and gigabytes."""
    expanded, held = expansion(document)
    if expanded - held > EXPANSION_ALLOWANCE:
        raise ConfigError(
            f"YAML aliases (*name) would expand this file to {expanded:,} values — use fewer"
            " aliases, or write the values out",
            Location(shown),
        )


def expansion(document: Any) -> tuple[int, int]:
    """How many values `document` stands for with its aliases followed, and how many it
    holds (each written value once); in time linear in what it holds."""
    sizes: dict[int, int] = {}
    held = 0  # values written in the document, each once

    def size(node: Any) -> int:
        nonlocal held
        if not isinstance(node, Mapping | list):
            return 1
        known = sizes.get(id(node))
        if known is not None:
            return known
        children = list(node.values() if isinstance(node, Mapping) else node)
        held += 1 + sum(not isinstance(child, Mapping | list) for child in children)
        sizes[id(node)] = 1  # a value that holds itself counts once
        sizes[id(node)] = total = 1 + sum(size(child) for child in children)
        return total

    return size(document), held


def position(node: Any, loc: Sequence[int | str]) -> tuple[int, int] | None:
    """1-based (line, col) of the key or item at `loc` inside `node`, or of its nearest parent."""
    found: tuple[int, int] | None = None
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            if not written_here(node, part):
                break
            line, col = node.lc.key(part)
            found = (line + 1, col + 1)
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            line, col = node.lc.item(part)
            found = (line + 1, col + 1)
            node = node[part]
        else:
            break
    return found


def written_here(node: CommentedMap, key: object) -> bool:
    """Whether `key` is written in `node` itself, with a position: not merged in (`<<: *a`)."""
    return node.lc.data is not None and key in node.lc.data


def dotted(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


ModelT = TypeVar("ModelT", bound=BaseModel)


class Placed(Protocol):
    @property
    def location(self) -> Location: ...


class Entry(Protocol):
    """An entry of a rule file's list (a subscriber, a channel), before it is built."""

    def at(self, *keys: int | str) -> Location: ...

    def label(self) -> str: ...


EntryT = TypeVar("EntryT", bound=Entry)
PlacedT = TypeVar("PlacedT", bound=Placed)


def build_unique(
    entries: Iterable[EntryT],
    build: Callable[[EntryT], PlacedT],
    key: Callable[[PlacedT], Hashable],
    *,
    field: str,
    clash: str,
    advice: str,
) -> tuple[list[PlacedT], list[ConfigError]]:
    """Build every entry, collecting every error (one bad entry hides none after it), and
    refuse an entry whose key an earlier one has: `LABEL: FIELD: CLASH at WHERE — ADVICE`,
    at the entry's `field`."""
    built: list[PlacedT] = []
    errors: list[ConfigError] = []
    first: dict[Hashable, Location] = {}
    for entry in entries:
        try:
            item = build(entry)
        except ConfigError as error:
            errors.extend(error.each())
            continue
        known = key(item)
        if known in first:
            message = f"{entry.label()}: {field}: {clash} at {first[known]} — {advice}"
            errors.append(RuleError(message, entry.at(field)))
            continue
        first[known] = item.location
        built.append(item)
    return built, errors


_EXPECTED = {
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "float_type": "a number",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping of keys",
    "model_type": "a mapping of keys",
    "model_attributes_type": "a mapping of keys",
}


def describe(error: ErrorDetails) -> str:
    """A pydantic error as a sentence that says what to do."""
    kind = error["type"]
    got = error.get("input")
    if kind == "extra_forbidden":
        return "unknown key — remove it or check its spelling"
    if kind == "missing":
        return "required key is missing — add it"
    if kind in ("value_error", "assertion_error"):
        return str(error.get("ctx", {}).get("error", error["msg"]))
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {quoted(str(got))}"
    return f"{error['msg'][0].lower()}{error['msg'][1:]}, got {quoted(str(got))}"


def validation_errors(
    exc: ValidationError, document: Any, shown: str | Path, *, prefix: Sequence[int | str] = ()
) -> list[ConfigError]:
    """Every pydantic error of `exc` as a ConfigError at the position of the offending key."""
    errors = []
    for error in exc.errors(include_url=False):
        loc = [*prefix, *(p for p in error["loc"] if not _is_union_tag(p))]
        pos = position(document, loc)
        location = Location(shown, *pos) if pos else Location(shown)
        errors.append(ConfigError(f"{dotted(loc)}: {describe(error)}", location))
    return sorted(errors, key=_line_order)


_ITEM_PREFIX = re.compile(r"^([a-z_]+)?\[\d+\]\.?")


_LINE_BREAKING = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """`text` with line breaks and other controls as escapes: YAML's messages quote values
    (`found duplicate key "a" with value "x\\ny"`) as they are."""
    return _LINE_BREAKING.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def quoted(text: str) -> str:
    """`text` in double quotes, with line breaks and other controls escaped: error messages
    stay one line whatever a file holds (JSON leaves DEL, C1 controls and U+2028/9 alone)."""
    return one_line(json.dumps(text, ensure_ascii=False))


def relabel(error: ConfigError, label: str) -> RuleError:
    """`rules[3].fields[0]: ...` -> `rule "raids": fields[0]: ...`: an item's errors named
    by what the item is rather than by its index."""
    message = _ITEM_PREFIX.sub("", error.message).removeprefix(": ")
    return RuleError(f"{label}: {message}", error.location)


def validate_item(
    model: type[ModelT], items: Any, index: int, shown: str | Path, *, label: str, expected: str
) -> ModelT:
    """Item `index` of a YAML list as `model`; each error at its key, named by `label`
    (`rule "raids": tags: ...`); `expected` says what the item should be if not a mapping."""
    raw = items[index]
    if not isinstance(raw, Mapping):
        pos = position(items, [index])
        location = Location(shown, *pos) if pos else Location(shown)
        raise RuleError(f"{label}: expected a mapping with {expected}", location)
    try:
        return model.model_validate(dict(raw))
    except ValidationError as exc:
        found = validation_errors(exc, items, shown, prefix=[index])
        raise ConfigErrors([relabel(error, label) for error in found]) from exc


def _line_order(error: ConfigError) -> tuple[int, int]:
    location = error.location
    return (0, 0) if location is None else (location.line or 0, location.col or 0)


def _is_union_tag(part: int | str) -> bool:
    return isinstance(part, str) and (part.startswith("function-") or "[" in part)
