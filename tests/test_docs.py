"""The README is for users: every command and every config key is documented there."""

from __future__ import annotations

import re

import click
from pydantic import BaseModel
from support import REPO

from watcher.cli.main import COMMANDS, cli
from watcher.config import Config

README = (REPO / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "watcher") -> list[str]:
    paths = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


def config_keys(model: type[BaseModel]) -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        if field.exclude:
            continue
        keys.append(name)
        annotation = field.annotation
        for candidate in getattr(annotation, "__args__", (annotation,)):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                keys.extend(config_keys(candidate))
    return keys


def test_every_command_is_in_the_readme() -> None:
    missing = [path for path in command_paths(cli) if f"`{path}" not in README]
    assert missing == []


def test_every_config_key_is_in_the_readme() -> None:
    missing = [
        key for key in config_keys(Config) if f"{key}:" not in README and f"{key}," not in README
    ]
    assert missing == []


def test_the_lazy_command_list_says_what_each_command_says_of_itself() -> None:
    """`watcher --help` shows the short help kept in COMMANDS without importing the commands:
    it must be what each command's own docstring says."""
    context = click.Context(cli)
    for name, (_, _, short) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command is not None
        assert command.get_short_help_str(limit=200) == short, name


def test_every_test_the_guarantees_name_exists() -> None:
    guarantees = README.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`(tests/[^`]+)`", guarantees)
    assert len(named) >= 10
    missing = [path for path in named if not (REPO / path).exists()]
    assert not missing, f"README names tests that do not exist: {missing}"
