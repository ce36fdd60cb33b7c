"""A project with the example article, driven through the CLI: shared by the CLI tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from support import EXAMPLE, run_cli, write

Desk = tuple[Path, str]  # the project folder and its database URL


@pytest.fixture
def desk(project: Path, database_url: str) -> Desk:
    write(project / "seeds" / EXAMPLE.name, EXAMPLE.read_bytes())
    return project, database_url


def run(desk: Desk, *args: str) -> Result:
    return run_cli(desk[0], *args, database_url=desk[1])


def rules_yaml(desk: Desk, text: str) -> None:
    (desk[0] / "config" / "rules.yaml").write_text(text, encoding="utf-8")


def hits_json(desk: Desk, *args: str) -> list[dict[str, object]]:
    result = run(desk, "hits", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    loaded: list[dict[str, object]] = json.loads(result.stdout)
    return loaded
