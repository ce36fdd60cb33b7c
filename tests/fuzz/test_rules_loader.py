"""Fuzzing the rule-file and config loaders: any file loads, or is a ConfigError whose every
line names the file (and a line of it where one is given); never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from fuzz import hostile
from fuzz.hostile import one_line
from hypothesis import event, example, given

from watcher.config import Config, load_config
from watcher.errors import ConfigError, ConfigErrors
from watcher.rules import RuleSet, load_rules


def check_placed(error: ConfigError, path: Path, data: bytes) -> None:
    """Each error on its own line, `path[:line[:col]]: message`, a line of the file."""
    errors = error.errors if isinstance(error, ConfigErrors) else [error]
    assert errors
    # An upper bound: the file is read with universal newlines.
    lines = len(data.decode("utf-8", "replace").splitlines()) + 1
    for each in errors:
        assert one_line(str(each)), repr(str(each))
        assert each.message.strip()
        assert each.location is not None, str(each)
        assert str(each.location.path) == str(path), str(each)
        assert each.location.line is None or 1 <= each.location.line <= lines, str(each)
    assert str(error).splitlines() == [str(each) for each in errors]


# YAML 1.2 lets an anchor be defined again; ruamel warns (pytest makes warnings errors).
@pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")
@hostile.fuzz_settings(hostile.EXAMPLES * 2)
@given(data=hostile.rule_file_bytes)
@example(data=b"rules:\n  - <<: {name: a, query: x}\n")
@example(data=b"rules:\n  - name: a\n    query: x\n    tags: " + b"9" * 5000 + b"\n")
@example(data=b"rules:\n  - name: a\n    query: x\n    backfill: 2020-02-30\n")
@example(data=b"rules: " + b"[" * 5000 + b"\n")
@example(data=hostile.billion_laughs(12, 10).encode() + b"\nrules: []\n")
def test_a_rule_file_loads_or_every_error_names_the_file_and_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "rules.yaml"
        path.write_bytes(data)
        try:
            ruleset = load_rules([path], environ={"TOPIC": "desk"})
        except ConfigError as exc:
            first = exc.errors[0] if isinstance(exc, ConfigErrors) else exc
            event(f"refused: {first.message[:30]}")
            check_placed(exc, path, data)
            return
    event(f"loaded {min(len(ruleset.rules), 2)}+ rules")
    assert isinstance(ruleset, RuleSet)
    for rule in ruleset.rules:
        assert str(rule.location.path) == str(path)
    for warning in ruleset.warnings:
        assert one_line(warning), repr(warning)
        assert warning.startswith(f"{path}:")


CONFIG_KEYS = (
    "seeds_dir",
    "database_url",
    "timezone",
    "default_source",
    "scan",
    "feeds",
    "web",
    "mail",
    "retention",
    "sources",
    "fetch",
    "api",
    "nope",
)
config_files = hostile.st.one_of(
    hostile.front_matter_pairs(CONFIG_KEYS),
    hostile.front_matter_body(CONFIG_KEYS),
    hostile.st.sampled_from(
        [
            "scan:\n  interval: 0s\n  settle: -1s\n  max_file_size: 10QB",
            "scan: {max_file_size: " + "9" * 5000 + "}",
            "feeds:\n  max_entries: 1e400\n  base_url: ftp://x",
            "web: {port: 99999999999999999999}",
            "mail:\n  smtp: {host: '', port: 0, timeout: 0s}\n  from_address: 'a@'",
            "timezone: Mars/Olympus",
            "database_url: 'mysql://x'",
            "retention: -5d",
            "sources:\n  - {name: x, url: 'file:///etc/passwd'}\n  - {name: x, url: 'http://a'}",
        ]
    ),
)


@hostile.fuzz_settings()
@given(data=hostile.in_some_encoding(config_files))
def test_a_config_file_loads_or_every_error_names_the_file_and_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config" / "watcher.yaml"
        path.parent.mkdir()
        path.write_bytes(data)
        try:
            config = load_config(path, environ={})
        except ConfigError as exc:
            check_placed(exc, path, data)
            return
    assert isinstance(config, Config)
