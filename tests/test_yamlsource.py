"""YAML as watcher reads it: alias bombs, forbidden characters and deep nesting are one-line
errors, never a hang or a traceback."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from support import write

from watcher.articles import ReadContext, read_article
from watcher.config import load_config
from watcher.errors import ConfigError, IngestError
from watcher.rules import load_rules
from watcher.yamlsource import parse_yaml


def bomb(levels: int = 9) -> str:
    """The "billion laughs": each alias list holds nine of the one before."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    previous = "a"
    for name in "bcdefghijklmnop"[:levels]:
        lines.append(f"{name}: &{name} [{', '.join(f'*{previous}' for _ in range(9))}]")
        previous = name
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_in_a_rule_file_is_refused_at_once(tmp_path: Path) -> None:
    path = write(tmp_path / "rules.yaml", bomb() + "rules: []\n")
    with pytest.raises(ConfigError) as caught:
        load_rules([path])
    assert str(caught.value) == (
        f"{path}: YAML aliases (*name) would expand this file to 4,412,961,507 values —"
        " use fewer aliases, or write the values out"
    )


def test_an_alias_bomb_in_the_config_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "config" / "watcher.yaml", bomb())
    with pytest.raises(ConfigError, match="YAML aliases"):
        load_config(path, environ={})


def test_ordinary_aliases_are_fine() -> None:
    document = parse_yaml(
        "tags: &mena [mena, libya]\nrules:\n  - {name: a, query: x, tags: *mena}\n", shown="r"
    )
    assert list(document["rules"][0]["tags"]) == ["mena", "libya"]


def test_a_nul_byte_is_one_line_at_its_place(tmp_path: Path) -> None:
    path = write(tmp_path / "rules.yaml", "rules:\n  - name: a\x00\n    query: x\n")
    with pytest.raises(ConfigError) as caught:
        load_rules([path])
    assert str(caught.value) == f"{path}:2:12: character U+0000 is not allowed in YAML — remove it"


def test_nesting_thousands_deep_is_refused() -> None:
    with pytest.raises(ConfigError, match="nested thousands deep"):
        parse_yaml("".join(f"{'  ' * i}k{i}:\n" for i in range(2_000)), shown="deep.yaml")


@pytest.mark.parametrize(
    ("text", "col"),
    [
        pytest.param("a: " + "[" * 5_000 + "]" * 5_000 + "\n", 104, id="closed"),
        pytest.param("a: " + "[" * 5_000 + "\n", 104, id="open"),
        pytest.param("a: " + "[x, {b: " * 2_000 + "\n", 404, id="with-values"),
    ],
)
def test_brackets_nested_past_a_hundred_are_refused_at_the_first_too_deep(
    text: str, col: int
) -> None:
    # Parsing them would take seconds per file (the scanner is quadratic in the depth).
    with pytest.raises(ConfigError) as caught:
        parse_yaml("rules: []\n" + text, shown="deep.yaml")
    assert str(caught.value) == (
        f"deep.yaml:2:{col}: [ or {{ nested more than 100 deep — this is not a watcher config"
    )


def test_brackets_nested_a_hundred_deep_still_parse() -> None:
    front = "a: " + "[" * 100 + "x" + "]" * 100 + "\n"
    context = ReadContext(UTC, "Desk", datetime(2026, 1, 1, tzinfo=UTC))
    reading = read_article(Path("story.md"), f"---\n{front}---\n# Libya\n".encode(), context)
    assert reading.articles[0].title == "Libya"


@pytest.mark.parametrize(
    ("front", "reason"),
    [
        pytest.param(bomb(), "front matter aliases (*name) would expand to", id="bomb"),
        pytest.param(
            "a: " + "[" * 5_000 + "]" * 5_000 + "\n",
            "invalid front matter at line 2: [ or { nested more than 100 deep",
            id="deep",
        ),
    ],
)
def test_hostile_front_matter_is_an_error_for_that_file(front: str, reason: str) -> None:
    context = ReadContext(UTC, "Desk", datetime(2026, 1, 1, tzinfo=UTC))
    text = f"---\n{front}---\n# Libya\n\nBody.\n"
    with pytest.raises(IngestError) as caught:
        read_article(Path("story.md"), text.encode(), context)
    assert reason in caught.value.message


# Values the YAML grammar allows but Python cannot build: each is an error at its place.
UNBUILDABLE = [
    pytest.param("9" * 5_000, "cannot read this int value (Exceeds the limit", id="huge-int"),
    pytest.param("2020-02-30", "cannot read this timestamp value (day is out of range", id="date"),
    pytest.param("!!bool maybe", "cannot read this bool value", id="bool"),
    pytest.param("!!float abc", "cannot read this float value", id="float"),
]


@pytest.mark.parametrize(("value", "reason"), UNBUILDABLE)
def test_a_value_python_cannot_build_is_an_error_at_its_place_in_a_rule_file(
    tmp_path: Path, value: str, reason: str
) -> None:
    path = write(tmp_path / "rules.yaml", f"rules:\n  - name: a\n    query: x\n    tags: {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_rules([path])
    assert str(caught.value).startswith(f"{path}:4:11: YAML syntax: {reason}")
    assert "\n" not in str(caught.value)
    assert "set_int_max_str_digits" not in str(caught.value)


def test_a_value_python_cannot_build_is_an_error_in_the_config(tmp_path: Path) -> None:
    path = write(tmp_path / "config" / "watcher.yaml", "scan:\n  max_file_size: 2020-02-30\n")
    with pytest.raises(ConfigError, match=r"watcher\.yaml:2:18: YAML syntax: cannot read this"):
        load_config(path, environ={})


# Front matter keeps timestamps as text (a bad date there is a warning, the mtime stands in).
@pytest.mark.parametrize(("value", "reason"), [p for p in UNBUILDABLE if p.id != "date"])
def test_a_value_python_cannot_build_in_front_matter_is_an_error_for_that_file(
    value: str, reason: str
) -> None:
    context = ReadContext(UTC, "Desk", datetime(2026, 1, 1, tzinfo=UTC))
    text = f"---\ntitle: Libya\nsource: {value}\n---\nBody.\n"
    with pytest.raises(IngestError) as caught:
        read_article(Path("story.md"), text.encode(), context)
    assert caught.value.message.startswith(f"invalid front matter at line 3, column 9: {reason}")


@pytest.mark.parametrize(
    ("line", "col"),
    [
        pytest.param('  - name: "a\\ud800"\n    query: x\n', "2:11", id="name"),
        pytest.param(
            '  - name: a\n    query: x\n    backfill: "1d\\udc00"\n', "4:15", id="backfill"
        ),
    ],
)
def test_a_lone_surrogate_escape_in_a_rule_file_is_an_error_at_its_place(
    tmp_path: Path, line: str, col: str
) -> None:
    path = write(tmp_path / "rules.yaml", "rules:\n" + line)
    with pytest.raises(ConfigError) as caught:
        load_rules([path])
    assert str(caught.value).startswith(f"{path}:{col}: YAML syntax: \\ud")
    assert "is half a character (a lone surrogate)" in str(caught.value)


def test_a_yaml_message_quoting_a_value_with_line_breaks_stays_one_line(tmp_path: Path) -> None:
    path = write(tmp_path / "rules.yaml", 'rules:\n  - name: a\n    query: x\n    query: "y\\nz"\n')
    with pytest.raises(ConfigError) as caught:
        load_rules([path])
    assert str(caught.value).splitlines() == [
        f'{path}:4:5: YAML syntax: found duplicate key "query" with value "y\\u000az"'
        ' (original value: "x") — fix the YAML syntax'
    ]
    context = ReadContext(UTC, "Desk", datetime(2026, 1, 1, tzinfo=UTC))
    text = '---\ntitle: a\ntitle: "b\\u2028c"\n---\nBody.\n'
    with pytest.raises(IngestError) as refused:
        read_article(Path("story.md"), text.encode(), context)
    assert refused.value.message == (
        'invalid front matter at line 3, column 1: found duplicate key "title" with value'
        ' "b\\u2028c" (original value: "a")'
    )
