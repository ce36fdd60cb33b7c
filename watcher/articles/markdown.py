"""Reader for .md: optional YAML 1.2 front matter; the first `# heading` as headline; the body."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ruamel.yaml import YAML
from ruamel.yaml.constructor import SafeConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from watcher.articles.decode import tidy_block
from watcher.articles.json_ import article_from_record, text_field
from watcher.errors import IngestError
from watcher.model import Reading
from watcher.yamlsource import (
    EXPANSION_ALLOWANCE,
    MAX_FLOW_DEPTH,
    ValuesAtTheirPlace,
    expansion,
    one_line,
    too_deep_at,
)

if TYPE_CHECKING:
    from ruamel.yaml.nodes import ScalarNode

    from watcher.articles import ReadContext

_HEADING = re.compile(r" {0,3}#(?:[ \t]+(.*?))??(?:[ \t]+#+)?[ \t]*")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_WHERE = "front matter"
_OPENING = "---"
_CLOSINGS = frozenset({"---", "..."})


class _Constructor(ValuesAtTheirPlace, SafeConstructor):
    """Safe loading, except that timestamps stay text: ruamel turns `+02:00` into naive UTC."""

    def construct_timestamp_text(self, node: ScalarNode) -> str:
        text: str = self.construct_scalar(node)
        return text


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_timestamp_text)


def read_markdown(text: str, ctx: ReadContext) -> Reading:
    """One article; front matter keys: title, source, published, url, tags, lead/summary."""
    record, body = _split_front_matter(text)
    if not text_field(record, "title", _WHERE):
        heading, body = _take_heading(body)
        record = {**record, "title": heading}
    article, warning = article_from_record(record, body=tidy_block(body), ctx=ctx, where=_WHERE)
    return Reading((article,), () if warning is None else (warning,))


def _split_front_matter(text: str) -> tuple[dict[str, object], str]:
    lines = text.split("\n")
    if lines[0].rstrip() != _OPENING:
        return {}, text
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in _CLOSINGS), None)
    if end is None:
        raise IngestError("front matter opened by '---' on line 1 is never closed")
    record = _load_yaml("\n".join(lines[1:end]))
    return record, "\n".join(lines[end + 1 :])


def _load_yaml(source: str) -> dict[str, object]:
    yaml = YAML(typ="safe", pure=True)
    yaml.Constructor = _Constructor
    deep = too_deep_at(source)
    if deep is not None:
        line = source.count("\n", 0, deep) + 2  # +2: after the '---' line
        raise IngestError(
            f"invalid front matter at line {line}: [ or {{ nested more than {MAX_FLOW_DEPTH} deep"
        )
    try:
        loaded = yaml.load(source)
        expanded, held = expansion(loaded)
    except RecursionError as exc:
        raise IngestError("front matter nested thousands deep") from exc
    except MarkedYAMLError as exc:
        raise IngestError(_yaml_reason(exc)) from exc
    except ReaderError as exc:  # its text is two lines, with an offset no user can use
        line = source.count("\n", 0, exc.position) + 2  # +2: after the '---' line
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character))
        raise IngestError(
            f"invalid front matter at line {line}: character U+{code:04X} is not allowed in YAML"
        ) from exc
    except YAMLError as exc:
        raise IngestError(f"invalid front matter: {exc}") from exc
    if loaded is None:
        return {}
    if expanded - held > EXPANSION_ALLOWANCE:
        raise IngestError(
            f"front matter aliases (*name) would expand to {expanded:,} values — write them out"
        )
    if not isinstance(loaded, dict):
        kind = type(loaded).__name__
        raise IngestError(f"front matter must be a mapping of keys to values, not {kind}")
    return {str(key): value for key, value in loaded.items()}


def _yaml_reason(exc: MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    problem = one_line(exc.problem or exc.context or "malformed YAML")
    if mark is None:
        return f"invalid front matter: {problem}"
    # +2: mark lines are 0-based and the front matter starts after the '---' line.
    return f"invalid front matter at line {mark.line + 2}, column {mark.column + 1}: {problem}"


def _take_heading(body: str) -> tuple[str, str]:
    """The first level-1 ATX heading outside code fences, and the body without it."""
    lines = body.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        opener = _FENCE.match(line)
        if opener is not None:
            marker = opener.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            continue
        if fence is None and (heading := _HEADING.fullmatch(line)) is not None:
            title = (heading.group(1) or "").strip()
            return title, "\n".join(lines[:index] + lines[index + 1 :])
    return "", body
